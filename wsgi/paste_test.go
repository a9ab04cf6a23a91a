//go:build !nopython && cgo

package wsgi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pasteINI is a PasteDeploy config whose apps come from testdata/pasteapp.py.
const pasteINI = `[DEFAULT]
greeting = Hello

[app:main]
use = call:pasteapp:factory
name = main

[app:other]
use = call:pasteapp:factory
name = other

[app:raises]
use = call:pasteapp:raising_factory
`

// writeINI writes an ini into a new temporary directory and returns its path.
func writeINI(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "app.ini")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadPasteApp(t *testing.T) {
	ini := writeINI(t, pasteINI)
	ok := []struct {
		name, uri string
		global    []string
		body      string
	}{
		{"main by default", ini, nil,
			`{"global": {"greeting": "Hello"}, "local": {"name": "main"}}`},
		{"named section", ini + "#other", nil,
			`{"global": {"greeting": "Hello"}, "local": {"name": "other"}}`},
		{"paste-global overrides DEFAULT", ini, []string{"greeting=Hi", "extra=1"},
			`{"global": {"extra": "1", "greeting": "Hi"}, "local": {"name": "main"}}`},
		// gunicorn's paste_global_conf: split at the first "=" not after a
		// backslash, then "\=" becomes "=" in key and value.
		{"escaped equals", ini, []string{`a\=b=c=d\=e`, "empty="},
			`{"global": {"a=b": "c=d=e", "empty": "", "greeting": "Hello"}, "local": {"name": "main"}}`},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			lockThread(t)
			app, err := LoadApp(AppConfig{Spec: c.uri, Paste: true, PasteGlobalConf: c.global})
			if err != nil {
				t.Fatalf("LoadApp: %v", err)
			}
			th, err := app.NewThread()
			if err != nil {
				t.Fatal(err)
			}
			defer th.Close()
			if got := mustCall(t, th, get("/"), 200).body.String(); got != c.body {
				t.Errorf("body %s, want %s", got, c.body)
			}
		})
	}

	bad := []struct {
		name, uri string
		global    []string
		msg, tb   string // Msg prefix; "" tb: no traceback
	}{
		{"missing section", ini + "#nope", nil,
			"LookupError: No section 'nope' (prefixed by 'app' or 'application'", "Traceback (most recent call last)"},
		{"not an ini", writeINI(t, "garbage\n"), nil,
			"configparser.MissingSectionHeaderError: File contains no section headers.", "Traceback (most recent call last)"},
		{"missing file", filepath.Join(t.TempDir(), "missing.ini"), nil,
			"FileNotFoundError: [Errno 2] No such file or directory", "Traceback (most recent call last)"},
		{"factory raises", ini + "#raises", nil,
			"ValueError: raised-inside-paste-factory", "in raising_factory"},
		{"paste-global without =", ini, []string{"greeting"},
			"environment setting 'greeting' invalid", ""},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadApp(AppConfig{Spec: c.uri, Paste: true, PasteGlobalConf: c.global})
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("err %v, want *LoadError", err)
			}
			if !strings.HasPrefix(le.Msg, c.msg) || le.Spec != c.uri {
				t.Errorf("Spec %q Msg %q, want %q and a Msg starting %q", le.Spec, le.Msg, c.uri, c.msg)
			}
			if (c.tb == "") != (le.Traceback == "") || !strings.Contains(le.Traceback, c.tb) {
				t.Errorf("Traceback %q, want one with %q", le.Traceback, c.tb)
			}
			if strings.Contains(le.Traceback, "<narwhal>") {
				t.Errorf("Traceback shows the bridge's own frames: %q", le.Traceback)
			}
		})
	}
}

// TestLoadPasteAppLogging: an ini with [loggers] configures the app's
// Python logging (gunicorn makes it the logconfig), with %(here)s set.
func TestLoadPasteAppLogging(t *testing.T) {
	for _, on := range []bool{false, true} {
		name := map[bool]string{false: "off", true: "on"}[on]
		t.Run(name, func(t *testing.T) {
			lockThread(t)
			logger := "pastelog_" + name
			ini := writeINI(t, `[app:main]
use = call:pasteapp:factory
name = main
logger = `+logger+`

[loggers]
keys = root, app

[handlers]
keys = file

[formatters]
keys = plain

[logger_root]
level = WARNING
handlers =

[logger_app]
level = INFO
handlers = file
qualname = `+logger+`

[handler_file]
class = FileHandler
args = ('%(here)s/app.log', 'a')
formatter = plain

[formatter_plain]
format = %(name)s %(levelname)s %(message)s
`)
			app, err := LoadApp(AppConfig{Spec: ini, Paste: true, PasteLogging: on})
			if err != nil {
				t.Fatalf("LoadApp: %v", err)
			}
			th, err := app.NewThread()
			if err != nil {
				t.Fatal(err)
			}
			defer th.Close()
			mustCall(t, th, get("/"), 200)
			b, _ := os.ReadFile(filepath.Join(filepath.Dir(ini), "app.log"))
			want := ""
			if on {
				want = logger + " WARNING pasteapp served main\n"
			}
			if string(b) != want {
				t.Errorf("app.log %q, want %q", b, want)
			}
		})
	}
}
