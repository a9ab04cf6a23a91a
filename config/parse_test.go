package config

import (
	"os"
	"reflect"
	"testing"
)

// Command line parsing of each kind of setting, with argparse's syntax.
func TestParseCommandLineValues(t *testing.T) {
	cwd, _ := getcwd()
	tests := []struct {
		name string
		args []string
		want map[string]any
	}{
		{"int short separate", []string{"-w", "4"}, map[string]any{"workers": 4}},
		{"int short glued", []string{"-w4"}, map[string]any{"workers": 4}},
		{"int short equals", []string{"-w=4"}, map[string]any{"workers": 4}},
		{"int long equals", []string{"--workers=4"}, map[string]any{"workers": 4}},
		{"int long separate", []string{"--workers", "4"}, map[string]any{"workers": 4}},
		{"int python syntax", []string{"-w", " 010 "}, map[string]any{"workers": 10}},
		{"int underscores", []string{"--backlog", "4_096"}, map[string]any{"backlog": 4096}},
		{"last one wins", []string{"-w", "2", "-w", "3"}, map[string]any{"workers": 3}},
		{"unique abbreviation", []string{"--error-log", "e.log", "--max-requests-j", "5"},
			map[string]any{"errorlog": "e.log", "max_requests_jitter": 5}},
		{"second long name", []string{"--log-file", "x.log"}, map[string]any{"errorlog": "x.log"}},
		{"auto_int octal", []string{"-m", "022"}, map[string]any{"umask": 0o22}},
		{"auto_int hex", []string{"--umask=0x1F"}, map[string]any{"umask": 31}},
		{"auto_int decimal", []string{"-m", "18"}, map[string]any{"umask": 18}},
		{"str pos int base 0", []string{"--cert-reqs", "0x2"}, map[string]any{"cert_reqs": 2}},
		{"float", []string{"--request-timeout", "2.5"}, map[string]any{"request_timeout": 2.5}},
		{"float int", []string{"--request-timeout=3"}, map[string]any{"request_timeout": 3.0}},
		{"string stripped", []string{"--log-level", " DEBUG "}, map[string]any{"loglevel": "DEBUG"}},
		{"string looks negative", []string{"-n", "-1"}, map[string]any{"proc_name": "-1"}},
		{"string with space and dash", []string{"--access-logformat", "-%(h)s %(r)s"},
			map[string]any{"access_log_format": "-%(h)s %(r)s"}},
		{"string equals dash", []string{"--access-logformat=-x"}, map[string]any{"access_log_format": "-x"}},
		{"append", []string{"-b", "127.0.0.1:1", "--bind=[::1]:2", "-b", "unix:/tmp/s"},
			map[string]any{"bind": []string{"127.0.0.1:1", "[::1]:2", "unix:/tmp/s"}}},
		{"append env", []string{"-e", "A=1", "--env", "B=x=y", "-eC="},
			map[string]any{"raw_env": []string{"A=1", "B=x=y", "C="}}},
		{"store_true", []string{"--reload", "--preload", "-D", "-R"},
			map[string]any{"reload": true, "preload_app": true, "daemon": true, "enable_stdio_inheritance": true}},
		{"store_true combined", []string{"-DR"}, map[string]any{"daemon": true, "enable_stdio_inheritance": true}},
		{"store_true then valued short", []string{"-Dw4"}, map[string]any{"daemon": true, "workers": 4}},
		{"store_true then valued short separate", []string{"-Dw", "5"}, map[string]any{"daemon": true, "workers": 5}},
		{"store_const false", []string{"--no-sendfile"}, map[string]any{"sendfile": false}},
		{"choice normalised", []string{"--header-map", "Refuse"}, map[string]any{"header_map": "refuse"}},
		{"worker class alias kept", []string{"-k", "gthread"}, map[string]any{"worker_class": "gthread"}},
		{"comma list", []string{"--forwarded-allow-ips", "10.0.0.1, ::1,*"},
			map[string]any{"forwarded_allow_ips": []string{"10.0.0.1", "::1", "*"}}},
		{"forwarder headers", []string{"--forwarder-headers", "SCRIPT_NAME,REMOTE_USER"},
			map[string]any{"forwarder_headers": []string{"SCRIPT_NAME", "REMOTE_USER"}}},
		{"user and group ids", []string{"-u", "1000", "-g", "0"}, map[string]any{"user": 1000, "group": 0}},
		{"user name", []string{"-u", "root", "-g", "root"}, map[string]any{"user": 0, "group": 0}},
		{"chdir relative", []string{"--chdir", "."}, map[string]any{"chdir": cwd}},
		{"chdir absolute", []string{"--chdir", "/"}, map[string]any{"chdir": "/"}},
		{"statsd", []string{"--statsd-host", "localhost"}, map[string]any{"statsd_host": "localhost"}},
		{"ssl version kept", []string{"--ssl-version", "TLSv1_2"}, map[string]any{"ssl_version": "TLSv1_2"}},
		{"narwhal", []string{"--metrics-bind", "127.0.0.1:9100", "--max-worker-memory", "512", "--access-log-json"},
			map[string]any{"metrics_bind": "127.0.0.1:9100", "max_worker_memory": 512, "access_log_json": true}},
		{"double dash", []string{"-w", "2", "--", "-app"}, map[string]any{"workers": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"app:app"}, tt.args...)
			if tt.name == "double dash" {
				args = tt.args
			}
			c := mustParse(t, args, nil, nil)
			for name, want := range tt.want {
				if got := c.Get(name); !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", name, got, want)
				}
				if c.Source(name) != SourceCLI {
					t.Errorf("%s source = %v, want cli", name, c.Source(name))
				}
			}
		})
	}
}

func TestPositionalAppModule(t *testing.T) {
	for _, args := range [][]string{
		{"app:app", "-w", "2"},
		{"-w", "2", "app:app"},
		{"-w2", "app:app", "--reload"},
	} {
		c := mustParse(t, args, nil, nil)
		if c.App() != "app:app" || c.String("default_proc_name") != "app:app" || c.Source("default_proc_name") != SourceCLI {
			t.Errorf("%q: app %q, default_proc_name %q", args, c.App(), c.String("default_proc_name"))
		}
	}
	c := mustParse(t, []string{"--", "-weird:app"}, nil, nil)
	if c.App() != "-weird:app" {
		t.Errorf("after --: app %q", c.App())
	}
}

func TestDerivedValues(t *testing.T) {
	c := mustParse(t, []string{"app", "-k", "sync", "--threads", "4", "-e", "A=1", "-e", "A=2", "-e", "B=",
		"-b", "[::1]:80", "-b", "unix:///tmp/s", "-b", "fd://3", "-b", "example.com", "-n", "web"}, nil, nil)
	if c.WorkerClass() != WorkerThreads {
		t.Errorf("sync with 4 threads: %s", c.WorkerClass())
	}
	if got := c.Env(); !reflect.DeepEqual(got, map[string]string{"A": "2", "B": ""}) {
		t.Errorf("Env = %v", got)
	}
	want := []Address{
		{Network: "tcp", Host: "::1", Port: 80},
		{Network: "unix", Path: "/tmp/s"},
		{Network: "fd", FD: 3},
		{Network: "tcp", Host: "example.com", Port: 8000},
	}
	if got := c.Addresses(); !reflect.DeepEqual(got, want) {
		t.Errorf("Addresses = %+v", got)
	}
	if c.ProcName() != "web" {
		t.Errorf("ProcName = %q", c.ProcName())
	}
	for class, want := range map[string]string{"gevent": WorkerAsync, "async": WorkerAsync, "threads": WorkerThreads,
		"gunicorn.workers.sync.SyncWorker": WorkerSync, "egg:gunicorn#gthread": WorkerThreads} {
		if got := mustParse(t, []string{"a", "-k", class}, nil, nil).WorkerClass(); got != want {
			t.Errorf("-k %s: %s, want %s", class, got, want)
		}
	}
	d := mustParse(t, []string{"a"}, nil, nil)
	if d.WorkerClass() != WorkerSync || d.ProcName() != "a" || d.LogLevel() != "info" {
		t.Errorf("defaults: %s %s", d.WorkerClass(), d.ProcName())
	}
}

func TestSendfile(t *testing.T) {
	tests := []struct {
		args    []string
		env     string
		file    map[string]any
		enabled bool
	}{
		{nil, "", nil, true},
		{[]string{"--no-sendfile"}, "", nil, false},
		{nil, "yes", nil, true},
		{nil, "0", nil, false},
		{nil, "TRUE", nil, true},
		{[]string{"--no-sendfile"}, "1", nil, false},
		// gunicorn's Config.sendfile: any value, even True, disables it.
		{nil, "", map[string]any{"sendfile": true}, false},
	}
	for _, tt := range tests {
		var loader FileLoader
		args := append([]string{"a"}, tt.args...)
		if tt.file != nil {
			p := tempConfig(t, "g.py")
			loader = &fakeLoader{files: map[string]map[string]any{p: tt.file}}
			args = append(args, "-c", p)
		}
		c := mustParse(t, args, map[string]string{"SENDFILE": tt.env}, loader)
		if c.SendfileEnabled() != tt.enabled {
			t.Errorf("%v SENDFILE=%q file=%v: enabled %v", tt.args, tt.env, tt.file, c.SendfileEnabled())
		}
	}
}

func TestConfigFileValuesAreValidated(t *testing.T) {
	p := tempConfig(t, "gunicorn.conf.py")
	hook := Hook{Name: "post_fork", Ref: arityRef(2)}
	post := Hook{Name: "post_request", Ref: arityRef(3)}
	loader := &fakeLoader{files: map[string]map[string]any{p: {
		"workers":               int64(3),
		"timeout":               "0x10", // validate_pos_int: int(val, 0)
		"bind":                  "0.0.0.0:80",
		"raw_env":               []any{"A=1"},
		"reload":                "True",
		"secure_scheme_headers": map[string]any{"X-PROTO": "https"},
		"logconfig_dict":        map[string]any{"version": int64(1), "root": map[string]any{"level": "INFO"}},
		"post_fork":             hook,
		"post_request":          post,
		"when_ready":            "mymod.hooks.ready",
		"forwarded_allow_ips":   "*",
		"request_timeout":       int64(5),
		"wsgi_app":              "pkg.wsgi:application",
		"user":                  nil,
		"sendfile":              nil,
		"not_a_setting":         42,   // ignored, as gunicorn ignores unknown names
		"WORKERS":               "??", // names are case-sensitive
		"os":                    Hook{Name: "os", Ref: 1},
	}}}
	c := mustParse(t, []string{"-c", p}, nil, loader)
	want := map[string]any{
		"workers": 3, "timeout": 16, "bind": []string{"0.0.0.0:80"}, "raw_env": []string{"A=1"},
		"reload": true, "secure_scheme_headers": map[string]any{"X-PROTO": "https"},
		"post_fork": hook, "when_ready": Hook{Name: "ready", Ref: "mymod.hooks.ready"},
		"post_request":        Hook{Name: "validate_post_request.<locals>.<lambda>", Ref: arityRef(3)},
		"forwarded_allow_ips": []string{"*"}, "request_timeout": 5.0, "user": os.Geteuid(), "sendfile": nil,
	}
	for name, w := range want {
		if got := c.Get(name); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", name, got, w)
		}
		if c.Source(name) != SourceFile {
			t.Errorf("%s source %v", name, c.Source(name))
		}
	}
	if c.App() != "pkg.wsgi:application" || c.ConfigFile() != p {
		t.Errorf("app %q file %q", c.App(), c.ConfigFile())
	}
	if c.Dict("logconfig_dict")["version"] != int64(1) {
		t.Errorf("logconfig_dict %v", c.Dict("logconfig_dict"))
	}
}

func TestConfigFileSpecs(t *testing.T) {
	p := tempConfig(t, "conf.py")
	loader := &fakeLoader{files: map[string]map[string]any{
		p:                   {"workers": int64(2)},
		"python:myapp.conf": {"workers": int64(5)},
	}}
	if c := mustParse(t, []string{"a", "-c", "file:" + p}, nil, loader); c.Int("workers") != 2 || c.ConfigFile() != p {
		t.Errorf("file: prefix: %d %q", c.Int("workers"), c.ConfigFile())
	}
	if c := mustParse(t, []string{"a", "--config=python:myapp.conf"}, nil, loader); c.Int("workers") != 5 {
		t.Errorf("python: module: %d", c.Int("workers"))
	}
	if c := mustParse(t, []string{"a", "-c", p}, nil, loader); c.String("config") != p || c.Source("config") != SourceCLI {
		t.Errorf("config setting %q %v", c.String("config"), c.Source("config"))
	}

	// Without -c, ./gunicorn.conf.py is loaded when it exists.
	dir := t.TempDir()
	t.Chdir(dir)
	c := mustParse(t, []string{"a"}, nil, loader)
	if c.ConfigFile() != "" {
		t.Errorf("no default file: loaded %q", c.ConfigFile())
	}
	if err := os.WriteFile("gunicorn.conf.py", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	def, _ := os.Getwd()
	def += "/gunicorn.conf.py"
	loader.files[def] = map[string]any{"workers": int64(7)}
	c = mustParse(t, []string{"a"}, nil, loader)
	if c.ConfigFile() != def || c.Int("workers") != 7 || c.String("config") != "./gunicorn.conf.py" {
		t.Errorf("default file: %q %d %q", c.ConfigFile(), c.Int("workers"), c.String("config"))
	}

	// A file without a .py extension is loaded with a warning.
	txt := tempConfig(t, "conf.txt")
	loader.files[txt] = map[string]any{}
	c = mustParse(t, []string{"a", "-c", txt}, nil, loader)
	if len(c.Warnings()) != 1 {
		t.Errorf("warnings %q", c.Warnings())
	}
}

func TestPaste(t *testing.T) {
	ini := tempConfig(t, "prod.ini")
	c := mustParse(t, []string{"--paster", ini + "#admin", "ignored:app"}, nil, nil)
	if c.App() != ini+"#admin" || c.String("default_proc_name") != ini || c.String("paste") != ini+"#admin" {
		t.Errorf("paste: app %q proc %q", c.App(), c.String("default_proc_name"))
	}
	_, err := Parse([]string{"--paste", ini + ".missing"}, nil, nil)
	if err == nil || err.Error() != "'"+ini+".missing' not found" || ExitCode(err) != 1 {
		t.Errorf("missing paste file: %v", err)
	}
}
