//go:build !nopython && cgo

package wsgi

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// interpFacts is what the apps.interp app reports.
type interpFacts struct {
	Executable string   `json:"executable"`
	Prefix     string   `json:"prefix"`
	BasePrefix string   `json:"base_prefix"`
	Path       []string `json:"path"`
	Version    []int    `json:"version"`
	Cwd        string   `json:"cwd"`
	Flask      string   `json:"flask"`
	Env        string   `json:"env"`
}

func TestInterpreterIsDebians(t *testing.T) {
	th := thread(t, "apps:interp")
	s := mustCall(t, th, get("/"), 200)
	var f interpFacts
	if err := json.Unmarshal(s.body.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	if f.Executable != "/usr/bin/python3" || Executable() != f.Executable {
		t.Errorf("sys.executable = %q (Executable() %q), want /usr/bin/python3", f.Executable, Executable())
	}
	if f.Prefix != "/usr" || f.BasePrefix != "/usr" {
		t.Errorf("sys.prefix = %q, base_prefix = %q, want /usr", f.Prefix, f.BasePrefix)
	}
	if !strings.HasPrefix(f.Flask, "/usr/lib/python3/dist-packages/") {
		t.Errorf("flask from %q, want Debian's dist-packages", f.Flask)
	}
	if !slices.Contains(f.Path, "/usr/lib/python3.11") {
		t.Errorf("sys.path %q lacks Debian's stdlib", f.Path)
	}
	maps, _ := os.ReadFile("/proc/self/maps")
	var lib string
	for _, line := range strings.Split(string(maps), "\n") {
		if i := strings.Index(line, "/"); i >= 0 && strings.Contains(line, "libpython3") {
			lib = line[i:]
		}
	}
	if !strings.HasSuffix(lib, "/lib/x86_64-linux-gnu/libpython3.11.so.1.0") || strings.Contains(lib, "pyenv") {
		t.Errorf("mapped libpython %q, want Debian's", lib)
	}
}

func TestInitTwice(t *testing.T) {
	if err := Init(InitConfig{}); err == nil {
		t.Fatal("second Init succeeded")
	}
}

// childMain runs in a child test process: Init as the environment says,
// then print what apps.interp reports. Init and the app thread share the
// main goroutine, so NewThread reuses the main thread state.
func childMain() int {
	var paths []string
	if p := os.Getenv("NARWHAL_WSGI_PYTHONPATH"); p != "" {
		paths = strings.Split(p, ",")
	}
	err := Init(InitConfig{Chdir: os.Getenv("NARWHAL_WSGI_CHDIR"), PythonPath: paths})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	app, err := LoadApp(AppConfig{Spec: "apps:interp", Environ: map[string]string{"NARWHAL_TEST_ENV": "raw-env"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	th, err := app.NewThread()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer th.Close()
	s := &recSink{}
	if err := th.Call(get("/"), s); err != nil || s.code != 200 {
		fmt.Fprintln(os.Stderr, err, s.code, s.body.String())
		return 1
	}
	os.Stdout.Write(s.body.Bytes())
	return 0
}

// runChild re-executes the test binary as a child with env added.
func runChild(t *testing.T, env ...string) interpFacts {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"NARWHAL_WSGI_CHILD=1"}, env...)...)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("child: %v\n%s", err, stderr)
	}
	var f interpFacts
	if err := json.Unmarshal(out, &f); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	return f
}

// TestInitPaths checks gunicorn's --chdir and --pythonpath order: chdir is
// inserted first, then each pythonpath entry at the front, in order.
func TestInitPaths(t *testing.T) {
	testdata, _ := filepath.Abs("testdata")
	dir := t.TempDir()
	f := runChild(t, "NARWHAL_WSGI_CHDIR="+dir, "NARWHAL_WSGI_PYTHONPATH="+testdata+",extra",
		"PYTHONHOME=/nonexistent/foreign-python")
	if f.Cwd != dir {
		t.Errorf("cwd %q, want %q", f.Cwd, dir)
	}
	want := []string{filepath.Join(dir, "extra"), testdata, dir}
	if len(f.Path) < 3 || !slices.Equal(f.Path[:3], want) {
		t.Errorf("sys.path starts %q, want %q", f.Path, want)
	}
	if f.Env != "raw-env" {
		t.Errorf("os.environ from AppConfig.Environ = %q", f.Env)
	}
	if f.Executable != "/usr/bin/python3" || f.Prefix != "/usr" {
		t.Errorf("executable %q prefix %q", f.Executable, f.Prefix)
	}
}

// TestInitVirtualenv: with $VIRTUAL_ENV, sys.executable is the venv's
// python and getpath puts the venv's site-packages on sys.path.
func TestInitVirtualenv(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Debian only")
	}
	venv := filepath.Join(t.TempDir(), "venv")
	out, err := exec.Command("/usr/bin/python3", "-m", "venv", "--without-pip", "--system-site-packages", venv).CombinedOutput()
	if err != nil {
		t.Skipf("cannot create a venv: %v %s", err, out)
	}
	testdata, _ := filepath.Abs("testdata")
	f := runChild(t, "VIRTUAL_ENV="+venv, "NARWHAL_WSGI_PYTHONPATH="+testdata)
	if f.Executable != filepath.Join(venv, "bin", "python") {
		t.Errorf("sys.executable = %q", f.Executable)
	}
	if f.Prefix != venv || f.BasePrefix != "/usr" {
		t.Errorf("prefix %q base_prefix %q, want %q and /usr", f.Prefix, f.BasePrefix, venv)
	}
	site := filepath.Join(venv, "lib", "python3.11", "site-packages")
	if !slices.Contains(f.Path, site) {
		t.Errorf("sys.path %q lacks %q", f.Path, site)
	}
	if !strings.HasPrefix(f.Flask, "/usr/lib/python3/dist-packages/") {
		t.Errorf("flask from %q (system site packages)", f.Flask)
	}
}

// TestBrokenPipe: Python code writing to a socket whose peer is gone gets
// BrokenPipeError, on an app thread and on a Python-created thread, instead
// of SIGPIPE killing the process (Init ignores it, as Python does).
func TestBrokenPipe(t *testing.T) {
	th := thread(t, "apps:broken_pipe")
	if s := mustCall(t, th, get("/"), 200); s.body.String() != "EPIPE EPIPE" {
		t.Errorf("got %q", s.body.String())
	}
}

func TestSubprocessFromApp(t *testing.T) {
	th := thread(t, "apps:subproc")
	for i := 0; i < 3; i++ {
		if s := mustCall(t, th, get("/"), 200); s.body.String() != "from-child\n" {
			t.Fatalf("got %q", s.body.String())
		}
	}
}
