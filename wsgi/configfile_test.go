//go:build !nopython && cgo

package wsgi

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/narwhalhq/narwhal/config"
)

// writeConf writes a config file into a temp dir and returns its path.
func writeConf(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustLoad(t *testing.T, spec string) map[string]any {
	t.Helper()
	g, err := LoadConfigFile(spec)
	if err != nil {
		t.Fatalf("LoadConfigFile(%s): %v", spec, err)
	}
	return g
}

// hookOf returns v as a Hook with a *Callable Ref.
func hookOf(t *testing.T, name string, v any) (config.Hook, *Callable) {
	t.Helper()
	h, ok := v.(config.Hook)
	if !ok {
		t.Fatalf("%s = %#v, want a config.Hook", name, v)
	}
	c, ok := h.Ref.(*Callable)
	if !ok {
		t.Fatalf("%s: Ref %#v, want *Callable", name, h.Ref)
	}
	return h, c
}

func TestConfigFileValues(t *testing.T) {
	p := writeConf(t, "gunicorn.conf.py", `
import enum, os
workers = 3
timeout = 2.5
daemon = True
preload_app = False
proc_name = None
name = "caf\u00e9"
bind = ["127.0.0.1:8000", "unix:/tmp/x.sock"]
raw_env = ("A=1",)
forwarded_allow_ips = {"10.0.0.1"}
secure_scheme_headers = {"X-PROTO": "https", 1: [1, 2.0, None, (True,)]}
big = 2**70
data = b"raw"
mod = os
class Color(enum.IntEnum):
    RED = 7
color = Color.RED
class Worker:
    def __init__(self, a, b):
        pass
def post_fork(server, worker):
    pass
def varargs(a, b=1, /, c=2, *args, d, **kw):
    pass
lam = lambda: None
nested = {"hooks": [post_fork]}
cyc = []
cyc.append(cyc)
_private = 1
undecodable = os.fsdecode(b"\xff")
`)
	g := mustLoad(t, p)
	want := map[string]any{
		"workers": int64(3), "timeout": 2.5, "daemon": true, "preload_app": false, "proc_name": nil,
		"name":                  "café",
		"bind":                  []any{"127.0.0.1:8000", "unix:/tmp/x.sock"},
		"raw_env":               []any{"A=1"},
		"forwarded_allow_ips":   []any{"10.0.0.1"},
		"secure_scheme_headers": map[string]any{"X-PROTO": "https", "1": []any{int64(1), 2.0, nil, []any{true}}},
		"big":                   Object{Type: "int", Str: "1180591620717411303424"},
		"data":                  Object{Type: "bytes", Str: "b'raw'"},
		"color":                 int64(7),
		"cyc":                   []any{Object{Type: "list", Str: "[[...]]"}},
		"undecodable":           "\xff",
	}
	for k, w := range want {
		if got := g[k]; !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
	if m, ok := g["mod"].(Object); !ok || m.Type != "module" || !strings.HasPrefix(m.Str, "<module 'os'") {
		t.Errorf("mod = %#v, want an Object for the module", g["mod"])
	}
	for _, k := range []string{"_private", "__file__", "__builtins__", "__name__"} {
		if _, ok := g[k]; ok {
			t.Errorf("%s returned: names starting with _ are never settings", k)
		}
	}
	for name, arity := range map[string]int{"post_fork": 2, "varargs": 3, "lam": 0, "Worker": 2, "Color": -1} {
		h, c := hookOf(t, name, g[name])
		if qualname := map[string]string{"lam": "<lambda>"}[name]; h.Name != name && h.Name != qualname {
			t.Errorf("%s: Hook.Name %q, want the __qualname__", name, h.Name)
		}
		if name != "Color" && c.Arity() != arity { // an enum's signature varies by version
			t.Errorf("%s: Arity() = %d, want %d", name, c.Arity(), arity)
		}
	}
	if l := g["nested"].(map[string]any)["hooks"].([]any); len(l) != 1 {
		t.Errorf("nested = %#v", g["nested"])
	} else if h, _ := hookOf(t, "nested hook", l[0]); h.Name != "post_fork" {
		t.Errorf("nested hook %q", h.Name)
	}
}

func TestConfigFileModuleAttributes(t *testing.T) {
	p := writeConf(t, "conf.py", "me = __file__\nname = __name__\nimport sys\nregistered = sys.modules['__config__'].__file__\n")
	g := mustLoad(t, p)
	// gunicorn: spec_from_file_location("__config__", filename).
	if g["me"] != p || g["name"] != "__config__" || g["registered"] != p {
		t.Errorf("__file__ %v, __name__ %v, sys.modules['__config__'] %v; want %s, __config__", g["me"], g["name"], g["registered"], p)
	}
	// A relative path is read from the current directory.
	rel, err := filepath.Rel(mustGetwd(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if g := mustLoad(t, rel); filepath.Clean(g["me"].(string)) != p {
		t.Errorf("relative spec %s: __file__ %v, want %s", rel, g["me"], p)
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

func TestConfigFilePythonModule(t *testing.T) {
	g := mustLoad(t, "python:config_module")
	if g["workers"] != int64(5) || g["bind"] != "127.0.0.1:9" {
		t.Errorf("python:config_module: workers %v, bind %v", g["workers"], g["bind"])
	}
	if h, c := hookOf(t, "on_starting", g["on_starting"]); h.Name != "on_starting" || c.Arity() != 1 {
		t.Errorf("on_starting: %q arity %d", h.Name, c.Arity())
	}
	_, err := LoadConfigFile("python:no_such_config_module")
	var ce *ConfigFileError
	if !errors.As(err, &ce) || ce.Msg != "ModuleNotFoundError: No module named 'no_such_config_module'" || ce.File != "" {
		t.Fatalf("missing module: %#v", err)
	}
	if err.Error() != ce.Msg {
		t.Errorf("missing module message %q, want just %q", err.Error(), ce.Msg)
	}
}

func TestConfigFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		msg       string
		tb        []string // in Error(), after the first line
	}{
		{"unclosed", "workers = 2\nx = (\n", 2, "SyntaxError: '(' was never closed", []string{"    x = (\n"}},
		{"invalid syntax", "workers = 2\n\nworkers = = 3\n", 3, "SyntaxError: invalid syntax", nil},
		{"exception", "workers = 2\ndef f():\n    raise ValueError('boom')\nf()\n", 3, "ValueError: boom",
			[]string{"Traceback (most recent call last):", `line 4, in <module>`, `line 3, in f`}},
		{"exception in the stdlib", "import json\n\njson.loads('{')\n", 3, "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
			[]string{"json/decoder.py"}},
		{"exit", "import sys\nsys.exit('set DATABASE_URL')\n", 2, "SystemExit: set DATABASE_URL", nil},
		{"import error", "import no_such_module_here\n", 1, "ModuleNotFoundError: No module named 'no_such_module_here'", nil},
		{"syntax error in an imported module",
			"import os, sys\nsys.path.insert(0, os.path.dirname(__file__))\ntry:\n    import narwhal_bad_helper\nfinally:\n    del sys.path[0]\n",
			4, "SyntaxError: '(' was never closed (narwhal_bad_helper.py, line 2)", []string{"narwhal_bad_helper.py\", line 2\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeConf(t, "gunicorn.conf.py", tc.src)
			if err := os.WriteFile(filepath.Join(filepath.Dir(p), "narwhal_bad_helper.py"), []byte("x = 1\ny = (\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadConfigFile(p)
			var ce *ConfigFileError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *ConfigFileError", err)
			}
			if ce.File != p || ce.Line != tc.line || ce.Msg != tc.msg || ce.Spec != p {
				t.Errorf("got %s, line %d: %q; want %s, line %d: %q", ce.File, ce.Line, ce.Msg, p, tc.line, tc.msg)
			}
			first, rest, _ := strings.Cut(err.Error(), "\n")
			if want := p + ", line " + strconv.Itoa(tc.line) + ": " + tc.msg; first != want {
				t.Errorf("first line %q, want %q", first, want)
			}
			for _, s := range tc.tb {
				if !strings.Contains(rest, s) {
					t.Errorf("traceback lacks %q:\n%s", s, rest)
				}
			}
			if strings.Contains(rest, "<frozen") || strings.Contains(rest, "narwhal-config") {
				t.Errorf("traceback shows the loader's frames:\n%s", rest)
			}
		})
	}
}

func TestConfigFileReexecuted(t *testing.T) {
	// Same size, same second: a bytecode cache keyed on size and mtime
	// would serve the old code.
	p := writeConf(t, "gunicorn.conf.py", "workers = 2\nimport sys\nfirst = '__config__' in sys.modules\n")
	if g := mustLoad(t, p); g["workers"] != int64(2) {
		t.Fatalf("workers %v", g["workers"])
	}
	if err := os.WriteFile(p, []byte("workers = 3\nimport sys\nfirst = '__config__' in sys.modules\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := mustLoad(t, p)
	if g["workers"] != int64(3) {
		t.Errorf("after an edit: workers %v, want 3", g["workers"])
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(p), "__pycache__")); err == nil {
		t.Error("__pycache__ written next to the config file")
	}
	// Old callables are released when their Hooks are garbage collected.
	for range 3 {
		mustLoad(t, writeConf(t, "h.py", "def post_fork(server, worker): pass\n"))
	}
	runtime.GC()
}

func TestConfigFileEnviron(t *testing.T) {
	const k = "NARWHAL_CONFIGFILE_TEST"
	t.Cleanup(func() { os.Unsetenv(k) })
	mustLoad(t, writeConf(t, "set.py", "import os\nos.environ['"+k+"'] = 'from the file'\n"))
	if v, ok := os.LookupEnv(k); v != "from the file" || !ok {
		t.Errorf("after os.environ[k] = ...: Go sees %q, %v", v, ok)
	}
	mustLoad(t, writeConf(t, "del.py", "import os\ndel os.environ['"+k+"']\n"))
	if v, ok := os.LookupEnv(k); ok {
		t.Errorf("after del os.environ[k]: Go still sees %q", v)
	}
	// A failing file changes nothing.
	LoadConfigFile(writeConf(t, "fail.py", "import os\nos.environ['"+k+"'] = 'x'\nraise SystemExit(1)\n"))
	if v, ok := os.LookupEnv(k); ok {
		t.Errorf("after a failed file: Go sees %q", v)
	}
}

// TestConfigFileThroughParse checks the values against config's validators,
// as narwhal's command line uses them.
func TestConfigFileThroughParse(t *testing.T) {
	parse := func(src string) (*config.Config, error) {
		return config.Parse([]string{"-c", writeConf(t, "gunicorn.conf.py", src), "app:app"}, nil, ConfigLoader{})
	}
	c, err := parse(`
workers = 3
bind = ("127.0.0.1:0",)
raw_env = ["A=1"]
timeout = 10
secure_scheme_headers = {"X-PROTO": "https"}
def post_fork(server, worker):
    pass
def worker_class():
    return "gthread"
unknown_name = object()
`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Int("workers") != 3 || c.Int("timeout") != 10 || !reflect.DeepEqual(c.Strings("bind"), []string{"127.0.0.1:0"}) {
		t.Errorf("workers %d, timeout %d, bind %q", c.Int("workers"), c.Int("timeout"), c.Strings("bind"))
	}
	if c.WorkerClass() != config.WorkerThreads {
		t.Errorf("worker_class from a function: %q", c.WorkerClass())
	}
	if h := c.Hook("post_fork"); h.Name != "post_fork" || h.IsDefault() {
		t.Errorf("post_fork = %#v", h)
	}
	if !regexp.MustCompile(`(?m)^post_fork +=  ?<post_fork\(\)>$`).MatchString(c.PrintString()) {
		t.Errorf("print-config:\n%s", c.PrintString())
	}

	for _, tc := range []struct{ src, want string }{
		{"post_fork = 3\n", "Invalid value for post_fork in config file"},
		{"post_fork = 3\n", "Value is not callable: 3"},
		{"def post_fork(server):\n    pass\n", "Value must have an arity of: 2"},
		{"workers = 2.0\n", "int() can't convert non-string with explicit base: 2.0"},
		{"proc_name = b'x'\n", "Not a string: b'x'"},
		{"class MyWorker: pass\nworker_class = MyWorker\n", "custom worker classes (MyWorker) are not supported"},
		{"x = (\n", "line 1: SyntaxError: '(' was never closed"},
	} {
		_, err := parse(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestConfigFileGunicornClasses(t *testing.T) {
	g := mustLoad(t, writeConf(t, "c.py", `
try:
    from gunicorn.workers.gthread import ThreadWorker as worker_class
    from gunicorn.glogging import Logger as logger_class
except ImportError:
    worker_class = logger_class = None
`))
	if g["worker_class"] == nil {
		t.Skip("Debian's gunicorn is not importable")
	}
	if g["worker_class"] != "gunicorn.workers.gthread.ThreadWorker" || g["logger_class"] != "gunicorn.glogging.Logger" {
		t.Errorf("worker_class %#v, logger_class %#v: want gunicorn's import paths", g["worker_class"], g["logger_class"])
	}
}
