package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pasteDir holds the PasteDeploy configs and their app factories.
func pasteDir() string { return filepath.Join(filepath.Dir(appsDir()), "paste") }

// skipIfRefused skips a test of a gunicorn setting that narwhal's config
// still refuses at start (its Support is planned), so the test turns on
// by itself once the setting is marked honoured. s has exited.
func skipIfRefused(t *testing.T, s *server, settings ...string) {
	t.Helper()
	s.drainLog()
	for _, name := range settings {
		if regexp.MustCompile(`setting ` + name + ` \([^)]*\), set [^,]*, is not supported`).MatchString(s.Log()) {
			t.Skipf("setting %s is still refused at start (config: planned); mark it honoured to run this test", name)
		}
	}
}

// startPaste starts narwhal serving a PasteDeploy config.
func startPaste(t *testing.T, args ...string) *server {
	t.Helper()
	s, err := startErr(t, append([]string{"--pythonpath", pasteDir()}, args...)...)
	if err != nil {
		skipIfRefused(t, s, "paste", "raw_paste_global_conf")
		t.Fatalf("narwhal %v: %v\n%s", args, err, s.Log())
	}
	return s
}

// pasteCases are served by narwhal and, for parity, by Debian's gunicorn.
func pasteCases() []struct {
	name string
	args []string
	body string
} {
	ini := filepath.Join(pasteDir(), "app.ini")
	return []struct {
		name string
		args []string
		body string
	}{
		{"main section", []string{"--paste", ini}, "Hello from main\n"},
		{"named section", []string{"--paste", ini + "#other"}, "Hello from other\n"},
		{"paste-global", []string{"--paste", ini, "--paste-global", "greeting=Hi"}, "Hi from main\n"},
		// --paste-global is repeatable; the last value of a key wins.
		{"paste-global repeated", []string{"--paste", ini, "--paste-global", "greeting=Hi", "--paste-global", "greeting=Hey"}, "Hey from main\n"},
	}
}

func TestPasteServesApp(t *testing.T) {
	for _, c := range pasteCases() {
		t.Run(c.name, func(t *testing.T) {
			s := startPaste(t, c.args...)
			if code, body := get(t, s.URL("/")); code != 200 || body != c.body {
				t.Errorf("got %d %q, want 200 %q", code, body, c.body)
			}
		})
	}
}

// TestPasteParityWithGunicorn serves the same configs with Debian's
// gunicorn 20.1 (whose pasterapp.py gunicorn 23 keeps unchanged).
func TestPasteParityWithGunicorn(t *testing.T) {
	gunicorn, err := exec.LookPath("gunicorn")
	if err != nil {
		t.Fatal("gunicorn (Debian package) not installed: run scripts/deps.sh")
	}
	for _, c := range pasteCases() {
		t.Run(c.name, func(t *testing.T) {
			ours := startPaste(t, c.args...)
			theirs, err := startBinary(t, gunicorn, append([]string{"--pythonpath", pasteDir()}, c.args...)...)
			if err != nil {
				t.Fatalf("gunicorn: %v\n%s", err, theirs.Log())
			}
			_, want := get(t, theirs.URL("/"))
			if _, got := get(t, ours.URL("/")); got != want {
				t.Errorf("narwhal %q, gunicorn %q", got, want)
			}
		})
	}
}

// TestPasteLoadErrors: an ini PasteDeploy cannot load stops narwhal like
// any app that cannot load: the worker logs why and exits 4, the master
// halts with 4. (gunicorn 20.1 exits 1 for an ini configparser cannot
// parse, which its master reads at start looking for [loggers], and 3,
// "Worker failed to boot.", for a missing section.)
func TestPasteLoadErrors(t *testing.T) {
	dir := pasteDir()
	for _, c := range []struct {
		name, paste string
		code        int
		want        []string
	}{
		{"not an ini", filepath.Join(dir, "broken.ini"), 4, []string{
			"MissingSectionHeaderError: File contains no section headers.",
			"Reason: App failed to load."}},
		{"missing section", filepath.Join(dir, "app.ini") + "#nope", 4, []string{
			"LookupError: No section 'nope'",
			"found in config " + filepath.Join(dir, "app.ini"),
			"Reason: App failed to load."}},
		// Checked at start, before the settings: gunicorn's ConfigError.
		{"missing file", filepath.Join(dir, "missing.ini"), 1, []string{
			"'" + filepath.Join(dir, "missing.ini") + "' not found"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := startErr(t, "--pythonpath", dir, "--paste", c.paste)
			code := s.exitCode(t)
			skipIfRefused(t, s, "paste")
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s", code, c.code, s.Log())
			}
			for _, w := range c.want {
				if !strings.Contains(s.Log(), w) {
					t.Errorf("log lacks %q:\n%s", w, s.Log())
				}
			}
		})
	}
}

// TestPasteLogging: an ini with [loggers] configures the app's Python
// logging, as gunicorn's logconfig does: the factory's INFO line, below
// Python's default WARNING, reaches stderr in the ini's format.
func TestPasteLogging(t *testing.T) {
	s := startPaste(t, "--paste", filepath.Join(pasteDir(), "logging.ini"))
	if code, body := get(t, s.URL("/")); code != 200 {
		t.Fatalf("got %d %q", code, body)
	}
	s.waitLog(t, `paste-logging pasteapp pasteapp served main`)
}
