package config

import (
	"reflect"
	"testing"
)

// gunicorn's Application.load_config: defaults < config file <
// GUNICORN_CMD_ARGS < command line, each layer replacing (not merging) values.
func TestPrecedence(t *testing.T) {
	p := tempConfig(t, "gunicorn.conf.py")
	loader := &fakeLoader{files: map[string]map[string]any{p: {
		"workers": int64(2), "threads": int64(2), "timeout": int64(2), "bind": []any{"file:1", "file:2"},
		"loglevel": "warning",
	}}}
	env := map[string]string{"GUNICORN_CMD_ARGS": "--threads 3 --timeout=3 -b env:3 --log-level error"}
	c := mustParse(t, []string{"app", "-c", p, "--timeout", "4", "--keep-alive", "4"}, env, loader)
	for name, want := range map[string]struct {
		v   any
		src Source
	}{
		"backlog":   {2048, SourceDefault},
		"workers":   {2, SourceFile},
		"threads":   {3, SourceEnv},
		"timeout":   {4, SourceCLI},
		"keepalive": {4, SourceCLI},
		"bind":      {[]string{"env:3"}, SourceEnv}, // a list from a later layer replaces the file's
		"loglevel":  {"error", SourceEnv},
	} {
		if got := c.Get(name); !reflect.DeepEqual(got, want.v) || c.Source(name) != want.src {
			t.Errorf("%s = %#v from %v, want %#v from %v", name, got, c.Source(name), want.v, want.src)
		}
	}
}

// -c on the command line beats -c in GUNICORN_CMD_ARGS; without it the
// environment's is used; the other file is not loaded at all.
func TestConfigFileChoice(t *testing.T) {
	cliFile, envFile := tempConfig(t, "cli.py"), tempConfig(t, "env.py")
	loader := &fakeLoader{files: map[string]map[string]any{
		cliFile: {"workers": int64(11)},
		envFile: {"workers": int64(22)},
	}}
	env := map[string]string{"GUNICORN_CMD_ARGS": "-c " + envFile}
	c := mustParse(t, []string{"a", "-c", cliFile}, env, loader)
	if c.Int("workers") != 11 || c.ConfigFile() != cliFile || !reflect.DeepEqual(loader.loaded, []string{cliFile}) {
		t.Errorf("cli -c: workers %d file %q loaded %q", c.Int("workers"), c.ConfigFile(), loader.loaded)
	}
	if c.String("config") != cliFile || c.Source("config") != SourceCLI {
		t.Errorf("config setting %q from %v", c.String("config"), c.Source("config"))
	}
	loader.loaded = nil
	c = mustParse(t, []string{"a"}, env, loader)
	if c.Int("workers") != 22 || c.ConfigFile() != envFile || c.Source("config") != SourceEnv {
		t.Errorf("env -c: workers %d file %q", c.Int("workers"), c.ConfigFile())
	}
}

func TestWebConcurrency(t *testing.T) {
	if c := mustParse(t, []string{"a"}, map[string]string{"WEB_CONCURRENCY": "5"}, nil); c.Int("workers") != 5 || c.Source("workers") != SourceDefault {
		t.Errorf("WEB_CONCURRENCY=5: %d %v", c.Int("workers"), c.Source("workers"))
	}
	if c := mustParse(t, []string{"a"}, map[string]string{"WEB_CONCURRENCY": " 3 "}, nil); c.Int("workers") != 3 {
		t.Errorf("WEB_CONCURRENCY=' 3 ': %d", c.Int("workers"))
	}
	// It is only the default: the file, GUNICORN_CMD_ARGS and -w override it.
	env := map[string]string{"WEB_CONCURRENCY": "5", "GUNICORN_CMD_ARGS": "-w 6"}
	if c := mustParse(t, []string{"a"}, env, nil); c.Int("workers") != 6 {
		t.Errorf("env beats WEB_CONCURRENCY: %d", c.Int("workers"))
	}
	if c := mustParse(t, []string{"a", "-w", "7"}, env, nil); c.Int("workers") != 7 {
		t.Errorf("cli beats WEB_CONCURRENCY: %d", c.Int("workers"))
	}
	for value, msg := range map[string]string{
		"many": "Invalid value for workers (-w/--workers) from environment variable WEB_CONCURRENCY: 'many': invalid literal for int() with base 10: 'many'",
		"0x4":  "Invalid value for workers (-w/--workers) from environment variable WEB_CONCURRENCY: '0x4': invalid literal for int() with base 10: '0x4'",
		"-2":   "Invalid value for workers (-w/--workers) from environment variable WEB_CONCURRENCY: -2: Value must be positive: -2",
	} {
		_, err := Parse([]string{"a"}, envMap(map[string]string{"WEB_CONCURRENCY": value}), nil)
		if err == nil || err.Error() != msg || ExitCode(err) != 1 {
			t.Errorf("WEB_CONCURRENCY=%s: %v", value, err)
		}
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	c := mustParse(t, []string{"a"}, map[string]string{"PORT": "5000", "FORWARDED_ALLOW_IPS": "10.0.0.1,10.0.0.2"}, nil)
	if got := c.Strings("bind"); !reflect.DeepEqual(got, []string{"0.0.0.0:5000"}) {
		t.Errorf("PORT: bind %q", got)
	}
	if got := c.Strings("forwarded_allow_ips"); !reflect.DeepEqual(got, []string{"10.0.0.1", "10.0.0.2"}) {
		t.Errorf("FORWARDED_ALLOW_IPS: %q", got)
	}
	c = mustParse(t, []string{"a", "-b", ":1"}, map[string]string{"PORT": "5000"}, nil)
	if got := c.Strings("bind"); !reflect.DeepEqual(got, []string{":1"}) {
		t.Errorf("-b beats PORT: %q", got)
	}
}

func TestGunicornCmdArgsSplitting(t *testing.T) {
	env := map[string]string{"GUNICORN_CMD_ARGS": `--access-logformat '%(h)s "%(r)s"' -n "my \"app\"" --env=A=b\ c --bind=127.0.0.1 --workers=3 ignored:app`}
	c := mustParse(t, []string{"real:app"}, env, nil)
	if got := c.String("access_log_format"); got != `%(h)s "%(r)s"` {
		t.Errorf("single quotes: %q", got)
	}
	if got := c.String("proc_name"); got != `my "app"` {
		t.Errorf("double quotes: %q", got)
	}
	if got := c.Strings("raw_env"); !reflect.DeepEqual(got, []string{"A=b c"}) {
		t.Errorf("escaped space: %q", got)
	}
	if c.Int("workers") != 3 || c.App() != "real:app" {
		t.Errorf("workers %d app %q", c.Int("workers"), c.App())
	}
	if len(c.Warnings()) != 1 {
		t.Errorf("ignored positional must be reported: %q", c.Warnings())
	}
	_, err := Parse([]string{"a"}, envMap(map[string]string{"GUNICORN_CMD_ARGS": `-n "open`}), nil)
	if err == nil || err.Error() != "GUNICORN_CMD_ARGS: No closing quotation" || ExitCode(err) != 1 {
		t.Errorf("unclosed quote: %v", err)
	}
	_, err = Parse([]string{"a"}, envMap(map[string]string{"GUNICORN_CMD_ARGS": `--nope`}), nil)
	if err == nil || err.Error() != "unrecognized arguments: --nope (in GUNICORN_CMD_ARGS)" || ExitCode(err) != 2 {
		t.Errorf("unknown flag in env: %v", err)
	}
	// Positionals alone in GUNICORN_CMD_ARGS do not name the app (gunicorn ignores them).
	_, err = Parse(nil, envMap(map[string]string{"GUNICORN_CMD_ARGS": "env:app"}), nil)
	if err == nil || err.Error() != "No application module specified." {
		t.Errorf("env positional: %v", err)
	}
}

// A config file's default_proc_name beats APP_MODULE's (gunicorn sets it from
// APP_MODULE before reading the file).
func TestDefaultProcNameOrder(t *testing.T) {
	p := tempConfig(t, "g.py")
	loader := &fakeLoader{files: map[string]map[string]any{p: {"default_proc_name": "fromfile"}}}
	c := mustParse(t, []string{"app:app", "-c", p}, nil, loader)
	if c.String("default_proc_name") != "fromfile" || c.App() != "app:app" {
		t.Errorf("%q %q", c.String("default_proc_name"), c.App())
	}
}

func TestAppFromWsgiApp(t *testing.T) {
	p := tempConfig(t, "g.py")
	loader := &fakeLoader{files: map[string]map[string]any{p: {"wsgi_app": "file:app"}}}
	if c := mustParse(t, []string{"-c", p}, nil, loader); c.App() != "file:app" {
		t.Errorf("wsgi_app: %q", c.App())
	}
	if c := mustParse(t, []string{"-c", p, "cli:app"}, nil, loader); c.App() != "cli:app" {
		t.Errorf("APP_MODULE beats wsgi_app: %q", c.App())
	}
}
