package config

import (
	"errors"
	"testing"
)

// Usage errors: argparse's messages (Python 3.11), exit status 2.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--nope"}, "unrecognized arguments: --nope"},
		{[]string{"--nope=1", "a", "-x"}, "unrecognized arguments: --nope=1 -x"},
		{[]string{"a", "b"}, "unrecognized arguments: b"},
		{[]string{"a", "-w", "2", "b"}, "unrecognized arguments: b"},
		{[]string{"-w", "many"}, "argument -w/--workers: invalid int value: 'many'"},
		{[]string{"--workers=0x10"}, "argument -w/--workers: invalid int value: '0x10'"},
		{[]string{"-w"}, "argument -w/--workers: expected one argument"},
		{[]string{"-b", "--reload"}, "argument -b/--bind: expected one argument"},
		{[]string{"--pid", "--", "x"}, "argument -p/--pid: expected one argument"},
		{[]string{"-m", "08"}, "argument -m/--umask: invalid auto_int value: '08'"},
		{[]string{"--request-timeout", "soon"}, "argument --request-timeout: invalid float value: 'soon'"},
		{[]string{"--work", "3"}, "ambiguous option: --work could match --workers, --worker-class, --worker-connections, --worker-tmp-dir"},
		{[]string{"--access-log=x"}, "ambiguous option: --access-log=x could match --access-logfile, --access-logformat, --access-log-json"},
		{[]string{"--pa", "x"}, "ambiguous option: --pa could match --paste, --paster, --paste-global"},
		{[]string{"--reload=true"}, "argument --reload: ignored explicit argument 'true'"},
		{[]string{"-D="}, "argument -D/--daemon: ignored explicit argument ''"},
		{[]string{"-Dx"}, "argument -D/--daemon: ignored explicit argument 'x'"},
		{[]string{"-Dw=4"}, "argument -w/--workers: invalid int value: '=4'"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.args, nil, nil)
		var ue *UsageError
		if !errors.As(err, &ue) || err.Error() != tt.msg || ExitCode(err) != 2 {
			t.Errorf("%q: got %v (exit %d)\nwant %s", tt.args, err, ExitCode(err), tt.msg)
		}
	}
	_, err := Parse([]string{"-w", "many"}, nil, nil)
	want := "usage: narwhal [OPTIONS] [APP_MODULE]\nnarwhal: error: argument -w/--workers: invalid int value: 'many'\n"
	if got := FormatError(err); got != want {
		t.Errorf("FormatError:\n%q\nwant\n%q", got, want)
	}
}

// Validator errors: exit status 1, naming the setting, its flags, where the
// value came from and the allowed values.
func TestValidationErrors(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"a", "--worker-class", "nope"},
			"Invalid value for worker_class (-k/--worker-class) on the command line: 'nope': must be one of sync, threads (alias gthread), gevent-like (aliases gevent, async)"},
		{[]string{"a", "-k", "eventlet"},
			"Invalid value for worker_class (-k/--worker-class) on the command line: 'eventlet': must be one of sync, threads (alias gthread), gevent-like (aliases gevent, async)"},
		{[]string{"a", "--log-level", "verbose"},
			"Invalid value for loglevel (--log-level) on the command line: 'verbose': must be one of debug, info, warning, error, critical"},
		{[]string{"a", "--header-map", "nope"},
			"Invalid value for header_map (--header-map) on the command line: 'nope': must be one of drop, refuse, dangerous"},
		{[]string{"a", "--reload-engine", "fsevents"},
			"Invalid value for reload_engine (--reload-engine) on the command line: 'fsevents': must be one of auto, poll, inotify"},
		{[]string{"a", "--logger-class", "my.Logger"},
			"Invalid value for logger_class (--logger-class) on the command line: 'my.Logger': custom logger classes are not supported; must be gunicorn.glogging.Logger or simple"},
		{[]string{"a", "-w", "-1"},
			"Invalid value for workers (-w/--workers) on the command line: -1: Value must be positive: -1"},
		{[]string{"a", "--cert-reqs", "x"},
			"Invalid value for cert_reqs (--cert-reqs) on the command line: 'x': invalid literal for int() with base 0: 'x'"},
		{[]string{"a", "-b", "host:http"},
			"Invalid value for bind (-b/--bind) on the command line: ['host:http']: 'http' is not a valid port number."},
		{[]string{"a", "-e", "NOEQUALS"},
			"Invalid value for raw_env (-e/--env) on the command line: ['NOEQUALS']: environment setting 'NOEQUALS' invalid"},
		{[]string{"a", "--forwarded-allow-ips", "10.0.0.1/8"},
			"Invalid value for forwarded_allow_ips (--forwarded-allow-ips) on the command line: '10.0.0.1/8': 10.0.0.1/8 has host bits set"},
		{[]string{"a", "--proxy-allow-from", "127.0.0.1,localhost"},
			"Invalid value for proxy_allow_ips (--proxy-allow-from) on the command line: '127.0.0.1,localhost': 'localhost' does not appear to be an IPv4 or IPv6 network"},
		{[]string{"a", "-u", "no-such-user-xyz"},
			"Invalid value for user (-u/--user) on the command line: 'no-such-user-xyz': No such user: 'no-such-user-xyz'"},
		{[]string{"a", "--chdir", "/no/such/dir"},
			"Invalid value for chdir (--chdir) on the command line: '/no/such/dir': can't chdir to '/no/such/dir'"},
		{[]string{"a", "--reload-extra-file", "/no/such/file"},
			"Invalid value for reload_extra_files (--reload-extra-file) on the command line: ['/no/such/file']: File /no/such/file does not exists."},
		{[]string{"a", "--statsd-host", "host:port"},
			"Invalid value for statsd_host (--statsd-host) on the command line: 'host:port': Value must be one of ('host:port', 'unix://PATH')"},
		{[]string{"a", "--request-timeout", "-1"},
			"Invalid value for request_timeout (--request-timeout) on the command line: -1.0: Value must be positive: -1.0"},
		{[]string{"a", "--metrics-bind", "x:y"},
			"Invalid value for metrics_bind (--metrics-bind) on the command line: 'x:y': 'y' is not a valid port number."},
		{nil, "No application module specified."},
	}
	for _, tt := range tests {
		_, err := Parse(tt.args, nil, nil)
		var ce *ConfigError
		if !errors.As(err, &ce) || err.Error() != tt.msg || ExitCode(err) != 1 {
			t.Errorf("%q: got %v (exit %d)\nwant %s", tt.args, err, ExitCode(err), tt.msg)
		}
	}
	_, err := Parse([]string{"a", "--header-map", "nope"}, envMap(map[string]string{}), nil)
	if got := FormatError(err); got != "\nError: "+err.Error()+"\n" {
		t.Errorf("FormatError: %q", got)
	}
	_, err = Parse([]string{"a"}, envMap(map[string]string{"GUNICORN_CMD_ARGS": "-w -3"}), nil)
	if err == nil || err.Error() != "Invalid value for workers (-w/--workers) in GUNICORN_CMD_ARGS: -3: Value must be positive: -3" {
		t.Errorf("env validation: %v", err)
	}
}

// Config file errors: exit status 1, naming the setting, the file and the value.
func TestConfigFileErrors(t *testing.T) {
	p := tempConfig(t, "gunicorn.conf.py")
	tests := []struct {
		globals map[string]any
		msg     string
	}{
		{map[string]any{"workers": "many"},
			"Invalid value for workers (-w/--workers) in config file " + p + ": 'many': invalid literal for int() with base 0: 'many'"},
		{map[string]any{"workers": 2.5},
			"Invalid value for workers (-w/--workers) in config file " + p + ": 2.5: int() can't convert non-string with explicit base: 2.5"},
		{map[string]any{"reload": "yes"},
			"Invalid value for reload (--reload) in config file " + p + ": 'yes': Invalid boolean: yes"},
		{map[string]any{"bind": int64(8000)},
			"Invalid value for bind (-b/--bind) in config file " + p + ": 8000: Not a list of strings: 8000"},
		{map[string]any{"secure_scheme_headers": []any{"X"}},
			"Invalid value for secure_scheme_headers in config file " + p + ": ['X']: Value is not a dictionary: ['X'] "},
		{map[string]any{"forwarded_allow_ips": []any{"*"}},
			"Invalid value for forwarded_allow_ips (--forwarded-allow-ips) in config file " + p + ": ['*']: Not a string: ['*']"},
		{map[string]any{"worker_class": Hook{Name: "MyWorker", Ref: 1}},
			"Invalid value for worker_class (-k/--worker-class) in config file " + p + ": <MyWorker()>: custom worker classes (MyWorker) are not supported; must be one of sync, threads (alias gthread), gevent-like (aliases gevent, async)"},
		{map[string]any{"post_fork": Hook{Name: "post_fork", Ref: arityRef(1)}},
			"Invalid value for post_fork in config file " + p + ": <post_fork()>: Value must have an arity of: 2"},
		{map[string]any{"on_starting": "nodots"},
			"Invalid value for on_starting in config file " + p + ": 'nodots': Value 'nodots' is not import string. Format: module[.submodules...].object"},
		{map[string]any{"on_exit": int64(3)},
			"Invalid value for on_exit in config file " + p + ": 3: Value is not callable: 3"},
		{map[string]any{"header_map": "nope"},
			"Invalid value for header_map (--header-map) in config file " + p + ": 'nope': must be one of drop, refuse, dangerous"},
	}
	for _, tt := range tests {
		loader := &fakeLoader{files: map[string]map[string]any{p: tt.globals}}
		_, err := Parse([]string{"a", "-c", p}, nil, loader)
		var ce *ConfigError
		if !errors.As(err, &ce) || err.Error() != tt.msg || ExitCode(err) != 1 || ce.File != p || ce.Source != SourceFile {
			t.Errorf("%v: got %v (exit %d)\nwant %s", tt.globals, err, ExitCode(err), tt.msg)
		}
	}

	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"a", "-c", "/no/such.py"}, "'/no/such.py' doesn't exist"},
		{[]string{"a", "-c", p}, "Failed to read config file: " + p + ": Traceback (most recent call last): SyntaxError"},
	} {
		_, err := Parse(tt.args, nil, &fakeLoader{})
		if err == nil || err.Error() != tt.msg || ExitCode(err) != 1 {
			t.Errorf("%q: %v", tt.args, err)
		}
	}
	_, err := Parse([]string{"a", "-c", p}, nil, nil)
	if err == nil || ExitCode(err) != 1 {
		t.Errorf("no loader: %v", err)
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want error
	}{
		{[]string{"-v"}, ErrVersion},
		{[]string{"--version"}, ErrVersion},
		{[]string{"--vers"}, ErrVersion},
		{[]string{"-h"}, ErrHelp},
		{[]string{"app", "--help"}, ErrHelp},
		{[]string{"--nope", "-v"}, ErrVersion}, // unknown options are reported only at the end
		{[]string{"-v", "-w", "many"}, ErrVersion},
	} {
		_, err := Parse(tt.args, nil, nil)
		if err != tt.want || ExitCode(err) != 0 || FormatError(err) != "" {
			t.Errorf("%q: %v", tt.args, err)
		}
	}
	// Errors before -v are reported, as argparse consumes in order.
	if _, err := Parse([]string{"-w", "many", "-v"}, nil, nil); ExitCode(err) != 2 {
		t.Errorf("-w many -v: %v", err)
	}
	// argparse classifies all arguments first: ambiguity wins over -v.
	if _, err := Parse([]string{"-v", "--work"}, nil, nil); ExitCode(err) != 2 {
		t.Errorf("-v --work: %v", err)
	}
	if VersionString() != "narwhal (version "+Version+")\n" {
		t.Errorf("VersionString %q", VersionString())
	}
}
