package config

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sameConfig fails the test unless got is what a worker must see of want.
func sameConfig(t testing.TB, got, want *Config) {
	t.Helper()
	for _, f := range []struct {
		what      string
		got, want any
	}{
		{"values", got.values, want.values},
		{"defaults", got.defaults, want.defaults},
		{"sources", got.sources, want.sources},
		{"App()", got.App(), want.App()},
		{"ConfigFile()", got.ConfigFile(), want.ConfigFile()},
		{"sendfileEnv", got.sendfileEnv, want.sendfileEnv},
		{"SendfileEnabled()", got.SendfileEnabled(), want.SendfileEnabled()},
		{"WorkerClass()", got.WorkerClass(), want.WorkerClass()},
	} {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s differ:\n got %#v\nwant %#v", f.what, f.got, f.want)
		}
	}
}

// roundTrip snapshots c and decodes it, failing the test on error.
func roundTrip(t testing.TB, c *Config) (*Config, []byte) {
	t.Helper()
	b, err := c.Snapshot()
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	d, err := FromSnapshot(b)
	if err != nil {
		t.Fatalf("FromSnapshot(%s): %v", b, err)
	}
	return d, b
}

// richConfig resolves a configuration with a value of every setting type
// from every source: defaults from the environment, a config file with
// Python values of every kind, GUNICORN_CMD_ARGS and the command line.
func richConfig(t testing.TB) *Config {
	t.Helper()
	dir := t.TempDir()
	p := dir + "/gunicorn.conf.py"
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	loader := &fakeLoader{files: map[string]map[string]any{p: {
		"secure_scheme_headers": map[string]any{"X-PROTO": "https"},
		"logconfig_dict": map[string]any{
			"version": int64(1), "go_int": 7, "ratio": 0.5, "whole": 2.0, "inf": math.Inf(-1),
			"none": nil, "off": false, "list": []any{"a", int64(2), []any{}, map[string]any{}},
			"strs": []string{"x"}, "empty": map[string]any{"k": []any(nil)},
			"root": map[string]any{"level": "INFO", "handlers": []any{"console"}},
		},
		"ssl_version":     int64(5),
		"request_timeout": math.Inf(1),
		"proc_name":       "bad\xffutf8",
		"pidfile":         nil,
		"sendfile":        nil,
		"chdir":           dir,
		"umask":           int64(0o22),
		"pythonpath":      "/opt/x,/opt/y",
		"reload_engine":   "poll",
		"header_map":      "Dangerous",
	}}}
	env := map[string]string{
		"WEB_CONCURRENCY":     "5",
		"PORT":                "9000",
		"FORWARDED_ALLOW_IPS": "10.0.0.1",
		"SENDFILE":            "no",
		"GUNICORN_CMD_ARGS":   "--timeout 9 --graceful-timeout 11 --log-level DEBUG -c " + p,
	}
	args := []string{
		"-w", "3", "-b", "127.0.0.1:0", "-b", "unix:/tmp/x.sock", "--threads", "4", "-k", "gthread",
		"--timeout", "7", "--max-requests", "50", "--max-requests-jitter", "5", "-e", "A=1", "-e", "B=2",
		"--forwarded-allow-ips", "*", "--no-sendfile", "--reload", "--access-logfile", "-",
		"--max-worker-memory", "512", "--log-syslog-prefix", "x&<y>", "app:app",
	}
	c, err := Parse(args, envMap(env), loader)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSnapshotRoundTripRich(t *testing.T) {
	c := richConfig(t)
	// The configuration really covers what the snapshot must carry.
	for name, want := range map[string]any{
		"workers": 3, "request_timeout": math.Inf(1), "sendfile": false, "ssl_version": int64(5),
		"bind": []string{"127.0.0.1:0", "unix:/tmp/x.sock"}, "graceful_timeout": 11,
		"forwarded_allow_ips": []string{"*"}, "proc_name": "bad\xffutf8", "pidfile": nil,
	} {
		if got := c.Get(name); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s = %#v, want %#v", name, got, want)
		}
	}
	if c.defaults["workers"] != 5 || c.Source("graceful_timeout") != SourceEnv || c.ConfigFile() == "" {
		t.Fatalf("environment and config file not applied: %v %v %q", c.defaults["workers"], c.Source("graceful_timeout"), c.ConfigFile())
	}

	d, b := roundTrip(t, c)
	sameConfig(t, d, c)
	if d.WorkerClass() != WorkerThreads || d.SendfileEnabled() || d.App() != "app:app" {
		t.Errorf("accessors: %q %v %q", d.WorkerClass(), d.SendfileEnabled(), d.App())
	}
	if _, ok := d.Dict("logconfig_dict")["go_int"].(int); !ok {
		t.Errorf("int in a dict became %T", d.Dict("logconfig_dict")["go_int"])
	}
	if _, ok := d.Dict("logconfig_dict")["version"].(int64); !ok {
		t.Errorf("int64 in a dict became %T", d.Dict("logconfig_dict")["version"])
	}
	// Re-encoding is stable: the master's and the worker's snapshots agree.
	if b2, err := d.Snapshot(); err != nil || string(b2) != string(b) {
		t.Errorf("re-encoded snapshot differs (%v):\n%s\n%s", err, b2, b)
	}
	if len(b) > 2000 {
		t.Errorf("snapshot is %d bytes: %s", len(b), b)
	}
}

// Every setting at its default: only default_proc_name (from APP_MODULE) and
// the process-dependent defaults are written.
func TestSnapshotAllDefaults(t *testing.T) {
	c := mustParse(t, []string{"app:app"}, nil, nil)
	d, b := roundTrip(t, c)
	sameConfig(t, d, c)
	for _, s := range table {
		if d.Source(s.Name) != SourceDefault && s.Name != "default_proc_name" {
			t.Errorf("%s source %v", s.Name, d.Source(s.Name))
		}
	}
	cwd, _ := getcwd()
	want := fmt.Sprintf(`{"app":"app:app","def":{"chdir":%q,"group":%d,"user":%d},`+
		`"set":{"default_proc_name":["cli","app:app"]}}`, cwd, os.Getegid(), os.Geteuid())
	if string(b) != want {
		t.Errorf("snapshot\n got %s\nwant %s", b, want)
	}
}

func TestSnapshotExample(t *testing.T) {
	c := mustParse(t, []string{"-w", "3", "app:app"}, nil, nil)
	b, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	cwd, _ := getcwd()
	want := fmt.Sprintf(`{"app":"app:app","def":{"chdir":%q,"group":%d,"user":%d},`+
		`"set":{"default_proc_name":["cli","app:app"],"workers":["cli",3]}}`, cwd, os.Getegid(), os.Geteuid())
	if string(b) != want {
		t.Errorf("snapshot\n got %s\nwant %s", b, want)
	}
}

// Each setting set alone, with a value of its type other than its default,
// from the config file.
func TestSnapshotEverySetting(t *testing.T) {
	p := tempConfig(t, "conf.py")
	other := map[Type]any{
		TypeString: nil, TypeInt: int64(3), TypeFloat: 1.25, TypeBool: true, TypeOptBool: true,
		TypeStringList: []any{}, TypeDict: map[string]any{"K": int64(1)},
		TypeHook: Hook{Name: "f", Ref: 1}, TypeAny: []any{nil, 1.5},
	}
	for _, s := range table {
		v := other[s.Type]
		switch s.Name {
		case "wsgi_app":
			v = "m:app"
		case "worker_class":
			v = "gevent"
		case "logger_class":
			v = "simple"
		case "reload_engine":
			v = "inotify"
		case "header_map":
			v = "refuse"
		case "loglevel":
			v = "error"
		case "chdir":
			v = "/"
		case "metrics_bind":
			v = "127.0.0.1:1"
		case "forwarded_allow_ips", "proxy_allow_ips", "forwarder_headers":
			v = "*"
		}
		t.Run(s.Name, func(t *testing.T) {
			loader := &fakeLoader{files: map[string]map[string]any{p: {s.Name: v}}}
			c, err := Parse([]string{"-c", p, "app:app"}, nil, loader)
			if err != nil {
				t.Fatal(err)
			}
			if c.Source(s.Name) != SourceFile && s.Name != "config" { // -c wins
				t.Fatalf("source %v", c.Source(s.Name))
			}
			d, _ := roundTrip(t, c)
			if h, ok := c.values[s.Name].(Hook); ok {
				if got := d.Hook(s.Name); got != (Hook{Name: h.Name, Ref: Unresolved{}}) || got.IsDefault() {
					t.Errorf("hook %#v", got)
				}
				d.values[s.Name] = h
			}
			sameConfig(t, d, c)
		})
	}
}

// A hook from the config file comes back by name, to be re-resolved; a
// default hook stays the default.
func TestSnapshotHooks(t *testing.T) {
	p := tempConfig(t, "conf.py")
	loader := &fakeLoader{files: map[string]map[string]any{p: {
		"post_fork":    Hook{Name: "post_fork", Ref: arityRef(2)},
		"when_ready":   "mymod.hooks.ready",
		"post_request": Hook{Name: "post_request", Ref: arityRef(3)},
	}}}
	c := mustParse(t, []string{"-c", p, "app:app"}, nil, loader)
	d, b := roundTrip(t, c)
	for name, want := range map[string]string{
		"post_fork": "post_fork", "when_ready": "ready", "post_request": "validate_post_request.<locals>.<lambda>",
	} {
		h := d.Hook(name)
		if h.Name != want || h.Ref != (Unresolved{}) || h.IsDefault() || d.Source(name) != SourceFile {
			t.Errorf("%s = %#v (%v)", name, h, d.Source(name))
		}
		d.values[name] = c.values[name]
	}
	if h := d.Hook("pre_fork"); !h.IsDefault() || h != c.Hook("pre_fork") {
		t.Errorf("default hook = %#v", h)
	}
	sameConfig(t, d, c)
	if !strings.Contains(string(b), `"post_fork":["file",{"u":"post_fork"}]`) {
		t.Errorf("snapshot %s", b)
	}
	d, _ = FromSnapshot(b)
	if again, _ := roundTrip(t, d); again.Hook("post_fork") != (Hook{Name: "post_fork", Ref: Unresolved{}}) {
		t.Errorf("unresolved hook re-encoded as %#v", again.Hook("post_fork"))
	}
}

// The worker keeps the master's environment and process dependent defaults,
// whatever its own environment and directory.
func TestSnapshotKeepsMasterDefaults(t *testing.T) {
	c := mustParse(t, []string{"app:app"}, map[string]string{
		"WEB_CONCURRENCY": "4", "PORT": "81", "FORWARDED_ALLOW_IPS": "*", "SENDFILE": "0",
	}, nil)
	b, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	d, err := FromSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	sameConfig(t, d, c)
	if d.Int("workers") != 4 || d.Source("workers") != SourceDefault || d.SendfileEnabled() {
		t.Errorf("workers %d %v sendfile %v", d.Int("workers"), d.Source("workers"), d.SendfileEnabled())
	}
}

// processDefault must name every default that depends on the process: the
// others are the same whatever the directory and environment. The exact list
// is a tripwire: a new process-dependent default needs a look at snapshots.
func TestSnapshotProcessDefaults(t *testing.T) {
	var names []string
	for _, s := range table {
		if processDefault(s) {
			names = append(names, s.Name)
		}
	}
	if got := strings.Join(names, " "); got != "chdir user group" {
		t.Errorf("process-dependent defaults: %s", got)
	}
	a := mustParse(t, []string{"a"}, nil, nil)
	t.Chdir(t.TempDir())
	b := mustParse(t, []string{"a"}, map[string]string{
		"WEB_CONCURRENCY": "4", "PORT": "81", "FORWARDED_ALLOW_IPS": "*",
	}, nil)
	for _, s := range table {
		if processDefault(s) || s.envDefault != nil {
			continue
		}
		if !reflect.DeepEqual(a.defaults[s.Name], b.defaults[s.Name]) ||
			!reflect.DeepEqual(a.defaults[s.Name], staticDefault(s)) {
			t.Errorf("%s: default depends on the process: %#v, %#v", s.Name, a.defaults[s.Name], b.defaults[s.Name])
		}
	}
}

func TestFromSnapshotErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, "malformed"},
		{`null`, "want a JSON object"},
		{`[]`, "want a JSON object"},
		{`{} {}`, "data after"},
		{`{"app":"a"`, "malformed"},
		{`{"bogus":1}`, `"bogus": unknown field`},
		{`{"app":1}`, `"app": want a string`},
		{`{"set":[]}`, `"set": want an object`},
		{`{"set":{"nope":["cli",1]}}`, `unknown setting "nope"`},
		{`{"def":{"nope":1}}`, `default of unknown setting "nope"`},
		{`{"set":{"workers":["cli","3"]}}`, "setting workers: want an integer, got a string"},
		{`{"set":{"workers":["cli",1.5]}}`, "setting workers: want an integer, got 1.5"},
		{`{"set":{"workers":["cli",1e99]}}`, "setting workers: want an integer"},
		{`{"set":{"workers":["cli",99999999999999999999]}}`, "setting workers: want an integer"},
		{`{"set":{"workers":["nowhere",3]}}`, `setting workers: invalid source "nowhere"`},
		{`{"set":{"workers":[3]}}`, "setting workers: want [source, value]"},
		{`{"set":{"workers":3}}`, "setting workers: want [source, value]"},
		{`{"def":{"workers":true}}`, "default of workers: want an integer"},
		{`{"set":{"request_timeout":["cli","inf"]}}`, `setting request_timeout: want a float, got "inf"`},
		{`{"set":{"sendfile":["cli","yes"]}}`, "setting sendfile: want a bool"},
		{`{"set":{"reload":["cli",null]}}`, "setting reload: want a bool, got null"},
		{`{"set":{"proc_name":["cli",7]}}`, "setting proc_name: want a string"},
		{`{"set":{"proc_name":["cli",{"x":"!!"}]}}`, "setting proc_name: bad base64"},
		{`{"set":{"bind":["cli","a:1"]}}`, "setting bind: want a list of strings"},
		{`{"set":{"bind":["cli",["a:1",2]]}}`, "setting bind: item 1: want a string"},
		{`{"set":{"logconfig_dict":["file",{"a":1}]}}`, `setting logconfig_dict: unknown tag "a"`},
		{`{"set":{"logconfig_dict":["file",{"m":{"a":1.5}}]}}`, `setting logconfig_dict: key "a": want an integer, got 1.5`},
		{`{"set":{"logconfig_dict":["file",{"m":{"a":{"i":1,"f":2}}}]}}`, "exactly one key"},
		{`{"set":{"logconfig_dict":["file",{"m":[]}]}}`, "setting logconfig_dict: bad dict"},
		{`{"set":{"logconfig_dict":["file",{"mx":[["a"]]}]}}`, "setting logconfig_dict: bad dict item"},
		{`{"set":{"logconfig_dict":["file",[]]}}`, "setting logconfig_dict: want a dict"},
		{`{"set":{"logconfig_dict":["file",{"l":[]}]}}`, "setting logconfig_dict: bad nil list"},
		{`{"set":{"ssl_version":["file",{"i":"3"}]}}`, `setting ssl_version: bad int "3"`},
		{`{"set":{"post_fork":["file","mod.f"]}}`, "setting post_fork: want a hook"},
		{`{"set":{"post_fork":["file",{"u":3}]}}`, "setting post_fork: hook name: want a string"},
	}
	for _, tt := range tests {
		c, err := FromSnapshot([]byte(tt.in))
		if err == nil {
			t.Errorf("FromSnapshot(%s) = %v, want an error", tt.in, c)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "config snapshot: ") {
			t.Errorf("FromSnapshot(%s):\n got %v\nwant %q", tt.in, err, tt.want)
		}
	}
}

// Hand-written snapshots in the non-canonical spellings the decoder accepts.
func TestFromSnapshotAlternatives(t *testing.T) {
	d, err := FromSnapshot([]byte(`{"app":{"x":"YTph"},"set":{"proc_name":["env",{"x":"/w=="}],` +
		`"logconfig_dict":["file",{"mx":[[{"x":"/w=="},{"f":"NaN"}],["b",{"s":null}],["c",{"m":null}]]}],` +
		`"ssl_version":["file",{"l":null}],"pidfile":["default",null]}}`))
	if err != nil {
		t.Fatal(err)
	}
	lc := d.Dict("logconfig_dict")
	if d.App() != "a:a" || d.String("proc_name") != "\xff" || !math.IsNaN(lc["\xff"].(float64)) ||
		lc["b"].([]string) != nil || lc["c"].(map[string]any) != nil || d.Get("ssl_version").([]any) != nil {
		t.Errorf("decoded %q %q %#v %#v", d.App(), d.String("proc_name"), lc, d.Get("ssl_version"))
	}
	if d.Source("pidfile") != SourceDefault {
		t.Errorf("pidfile source %v", d.Source("pidfile"))
	}
	b, err := d.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"logconfig_dict":["file",{"mx":[["b",{"s":null}],["c",{"m":null}],[{"x":"/w=="},{"f":"NaN"}]]}]`) {
		t.Errorf("re-encoded %s", b)
	}
}

func TestSnapshotEncodeErrors(t *testing.T) {
	c := mustParse(t, []string{"app:app"}, nil, nil)
	c.values["logconfig_dict"] = map[string]any{"n": int32(1)}
	if _, err := c.Snapshot(); err == nil || !strings.Contains(err.Error(), "setting logconfig_dict: cannot encode a value of type int32") {
		t.Errorf("Snapshot: %v", err)
	}
	c = mustParse(t, []string{"app:app"}, nil, nil)
	c.values["workers"] = "3"
	if _, err := c.Snapshot(); err == nil || !strings.Contains(err.Error(), "setting workers: value") {
		t.Errorf("Snapshot: %v", err)
	}
}

// FromSnapshot never panics, and what it accepts survives another round trip.
func FuzzFromSnapshot(f *testing.F) {
	small, err := Parse([]string{"-w", "3", "app:app"}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	rich := richConfig(f)
	for _, c := range []*Config{rich, small} {
		b, err := c.Snapshot()
		if err != nil {
			f.Fatal(err)
		}
		// The same seeds in every fuzzing process, whatever its temp dir.
		f.Add(bytes.ReplaceAll(b, []byte(filepath.Dir(rich.ConfigFile())), []byte("/etc/narwhal")))
	}
	f.Add([]byte(`{"set":{"post_fork":["file",{"u":"f"}],"logconfig_dict":["file",{"mx":[[{"x":"/w=="},{"f":"NaN"}]]}]}}`))
	f.Add([]byte(`{"def":{"workers":2},"set":{"ssl_version":["file",[{"i":1},{"l":null},{"s":["a"]},{"h":"x"}]]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := FromSnapshot(b)
		if err != nil {
			return
		}
		b2, err := c.Snapshot()
		if err != nil {
			t.Fatalf("accepted snapshot does not re-encode: %v\n%s", err, b)
		}
		d, err := FromSnapshot(b2)
		if err != nil {
			t.Fatalf("re-encoded snapshot rejected: %v\n%s", err, b2)
		}
		if b3, err := d.Snapshot(); err != nil || string(b3) != string(b2) {
			t.Fatalf("encoding not stable (%v):\n%s\n%s", err, b2, b3)
		}
		if !strings.Contains(string(b2), "NaN") { // NaN != NaN for DeepEqual
			sameConfig(t, d, c)
		}
	})
}
