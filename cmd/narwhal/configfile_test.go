package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// Config files (-c, ./gunicorn.conf.py) executed by the embedded
// interpreter, end to end.

// confFile returns the absolute path of testdata/conf/name.
func confFile(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "conf", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startIn runs narwhal in dir with exactly args (unlike start, it adds no
// -b or --pythonpath, which would override the config file's) and waits
// until it listens.
func startIn(t *testing.T, dir string, args ...string) *server {
	t.Helper()
	s, err := launch(t, binary, dir, args...)
	if err != nil {
		t.Fatalf("narwhal %v: %v\n%s", args, err, s.Log())
	}
	return s
}

// runNarwhal runs narwhal to completion in dir with extra environment and
// returns its exit code, stdout and stderr.
func runNarwhal(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// printed returns the value --print-config shows for setting name.
func printed(t *testing.T, out, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + ` +=  ?(.*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %s in --print-config output:\n%s", name, out)
	}
	return m[1]
}

func TestConfigFileServes(t *testing.T) {
	s := startIn(t, t.TempDir(), "-c", confFile(t, "basic.py"))
	master := s.cmd.Process.Pid
	kids := waitWorkers(t, s, master, 2)
	env := echoEnviron(t, s, "GET /mounted/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	if env["SCRIPT_NAME"] != "/mounted" || env["PATH_INFO"] != "/x" {
		t.Errorf("raw_env SCRIPT_NAME=/mounted: SCRIPT_NAME %q, PATH_INFO %q", env["SCRIPT_NAME"], env["PATH_INFO"])
	}
	// What the file put in os.environ reaches the worker processes.
	for _, k := range kids {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", k))
		if !bytes.Contains(b, []byte("\x00NARWHAL_CONF_OS_ENV=set-by-config\x00")) {
			t.Errorf("worker %d lacks NARWHAL_CONF_OS_ENV from the config file's os.environ", k)
		}
	}
}

func TestConfigFilePrintConfig(t *testing.T) {
	code, out, stderr := runNarwhal(t, t.TempDir(), nil, "--print-config", "-c", confFile(t, "basic.py"))
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for name, want := range map[string]string{
		"workers":    "2",
		"bind":       "['127.0.0.1:0']",
		"raw_env":    "['SCRIPT_NAME=/mounted', 'NARWHAL_RAW_ENV=from-file']",
		"wsgi_app":   "environ_echo:app",
		"config":     confFile(t, "basic.py"),
		"pythonpath": filepath.Dir(confFile(t, "basic.py")) + "/../apps",
	} {
		if got := printed(t, out, name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
}

func TestConfigFilePrecedence(t *testing.T) {
	conf := confFile(t, "basic.py")
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"file", nil, nil, "2"},
		{"command line beats file", nil, []string{"-w", "3"}, "3"},
		{"GUNICORN_CMD_ARGS beats file", []string{"GUNICORN_CMD_ARGS=-w 4"}, nil, "4"},
		{"command line beats GUNICORN_CMD_ARGS", []string{"GUNICORN_CMD_ARGS=-w 4"}, []string{"-w", "5"}, "5"},
		{"-c in GUNICORN_CMD_ARGS", []string{"GUNICORN_CMD_ARGS=-c " + conf}, nil, "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--print-config"}, tc.args...)
			if !strings.Contains(strings.Join(tc.env, " "), "-c ") {
				args = append(args, "-c", conf)
			}
			code, out, stderr := runNarwhal(t, t.TempDir(), tc.env, args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if got := printed(t, out, "workers"); got != tc.want {
				t.Errorf("workers = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestConfigFileErrorsExit(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		// gunicorn: "Failed to read config file: PATH" and the traceback.
		{"broken.py", "\nError: Failed to read config file: {path}: {path}, line 4: SyntaxError: invalid syntax\n" +
			"  File \"{path}\", line 4\n    workers = = 3\n"},
		{"raises.py", "\nError: Failed to read config file: {path}: {path}, line 6: RuntimeError: DATABASE_URL is not set\n" +
			"Traceback (most recent call last):\n  File \"{path}\", line 9, in <module>\n    fail()\n"},
		// gunicorn: "Invalid value for post_fork: 3" / "Error: Value is not callable: 3".
		{"notcallable.py", "\nError: Invalid value for post_fork in config file {path}: 3: Value is not callable: 3\n"},
		// gunicorn 20.1 and 23.0 print exactly this and exit 1.
		{"missing.py", "\nError: '{path}' doesn't exist\n"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p := confFile(t, tc.file)
			code, out, stderr := runNarwhal(t, t.TempDir(), nil, "-c", p, "hello:app")
			want := strings.ReplaceAll(tc.want, "{path}", p)
			if code != 1 || !strings.Contains(stderr, want) || out != "" {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and:\n%s", code, stderr, want)
			}
		})
	}
}

func TestConfigFileCheckConfig(t *testing.T) {
	for _, tc := range []struct {
		file string
		code int
		want string
	}{
		{"basic.py", 0, ""},
		{"hooks.py", 0, ""},
		{"notcallable.py", 1, "Value is not callable: 3"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			// Block-buffered Python stdout, as outside a terminal.
			code, stdout, stderr := runNarwhal(t, t.TempDir(), []string{"PYTHONUNBUFFERED="},
				"--check-config", "-c", confFile(t, tc.file), "hello:app")
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d (want %d), stderr:\n%s\nwant %q", code, tc.code, stderr, tc.want)
			}
			if tc.file == "basic.py" && stdout != "basic.py executed\n" {
				t.Errorf("stdout %q: what the config file printed is lost", stdout)
			}
		})
	}
}

// TestConfigFileDefault: without -c, ./gunicorn.conf.py is read when it
// exists (gunicorn's get_default_config_file).
func TestConfigFileDefault(t *testing.T) {
	dir := t.TempDir()
	conf := fmt.Sprintf("workers = 1\nbind = '127.0.0.1:0'\npythonpath = %q\nwsgi_app = 'hello:app'\nproc_name = 'from-cwd'\n", appsDir())
	if err := os.WriteFile(filepath.Join(dir, "gunicorn.conf.py"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runNarwhal(t, dir, nil, "--print-config")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if got := printed(t, out, "proc_name"); got != "from-cwd" {
		t.Errorf("proc_name = %s, want from-cwd from ./gunicorn.conf.py", got)
	}
	if got, want := printed(t, out, "config"), "./gunicorn.conf.py"; got != want {
		t.Errorf("config = %s, want %s", got, want)
	}
	s := startIn(t, dir)
	if code, body := get(t, s.URL("/")); code != 200 || body != "Hello, World!" {
		t.Errorf("GET / = %d %q", code, body)
	}
}

// TestConfigFileHUP: HUP executes the file again; a broken edit keeps the
// running configuration.
func TestConfigFileHUP(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf.py")
	write := func(src string) {
		t.Helper()
		if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := fmt.Sprintf("bind = '127.0.0.1:0'\npythonpath = %q\nwsgi_app = 'lifecycle:app'\n", appsDir())
	write(base + "workers = 1\n")
	s := startIn(t, dir, "-c", conf)
	master := s.cmd.Process.Pid
	waitWorkers(t, s, master, 1)
	write(base + "workers = 2\n")
	s.cmd.Process.Signal(syscall.SIGHUP)
	waitWorkers(t, s, master, 2)
	write(base + "workers = (\n")
	s.cmd.Process.Signal(syscall.SIGHUP)
	s.waitLog(t, `Reload failed, keeping the running configuration: (?s:.*)`+regexp.QuoteMeta(conf+", line 4: SyntaxError: '(' was never closed"))
	waitWorkers(t, s, master, 2)
	pidOf(t, s)
	// A format no worker could boot with is refused as at start, not left
	// to a generation of workers that all fail.
	write(base + "workers = 2\naccess_log_format = '%(h'\n")
	s.cmd.Process.Signal(syscall.SIGHUP)
	s.waitLog(t, `Reload failed, keeping the running configuration: access_log_format`)
	if strings.Contains(s.Log(), "Worker failed to boot") {
		t.Errorf("a generation booted with the bad format:\n%s", s.Log())
	}
	waitWorkers(t, s, master, 2)
	pidOf(t, s)
}

// TestConfigFilePrintConfigParity compares --print-config with Debian's
// gunicorn for every setting parity.py names.
func TestConfigFilePrintConfigParity(t *testing.T) {
	gunicorn, err := exec.LookPath("gunicorn")
	if err != nil {
		t.Skip("Debian's gunicorn is not installed")
	}
	conf := confFile(t, "parity.py")
	src, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	// gunicorn's --print-config imports the app (before --pythonpath
	// applies): one from the stdlib.
	args := []string{"--print-config", "-c", conf, "wsgiref.simple_server:demo_app"}
	code, ours, stderr := runNarwhal(t, t.TempDir(), nil, args...)
	if code != 0 {
		t.Fatalf("narwhal: exit %d\n%s", code, stderr)
	}
	cmd := exec.Command(gunicorn, args...)
	cmd.Dir = t.TempDir()
	theirs, err := cmd.Output()
	if err != nil {
		t.Fatalf("gunicorn: %v\n%s", err, theirs)
	}
	names := regexp.MustCompile(`(?m)^(?:def )?([a-z_]+)(?: = |\()`).FindAllStringSubmatch(string(src), -1)
	if len(names) < 30 {
		t.Fatalf("only %d settings found in %s", len(names), conf)
	}
	for _, m := range names {
		if a, b := printed(t, ours, m[1]), printed(t, string(theirs), m[1]); a != b {
			t.Errorf("%s: narwhal %s, gunicorn %s", m[1], a, b)
		}
	}
}
