package config

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

// gunicorn23Settings is the name of every setting in gunicorn 23.0.0's
// gunicorn/config.py (KNOWN_SETTINGS), in definition order: 93 settings.
// (22.0's temporary tolerate_dangerous_framing was removed in 23.0.)
var gunicorn23Settings = []string{
	"config", "wsgi_app", "bind", "backlog",
	"workers", "worker_class", "threads", "worker_connections", "max_requests",
	"max_requests_jitter", "timeout", "graceful_timeout", "keepalive",
	"limit_request_line", "limit_request_fields", "limit_request_field_size",
	"reload", "reload_engine", "reload_extra_files", "spew", "check_config", "print_config",
	"preload_app", "sendfile", "reuse_port", "chdir", "daemon", "raw_env", "pidfile",
	"worker_tmp_dir", "user", "group", "umask", "initgroups", "tmp_upload_dir",
	"secure_scheme_headers", "forwarded_allow_ips",
	"accesslog", "disable_redirect_access_to_syslog", "access_log_format", "errorlog",
	"loglevel", "capture_output", "logger_class", "logconfig", "logconfig_dict",
	"logconfig_json", "syslog_addr", "syslog", "syslog_prefix", "syslog_facility",
	"enable_stdio_inheritance", "statsd_host", "dogstatsd_tags", "statsd_prefix",
	"proc_name", "default_proc_name", "pythonpath", "paste",
	"on_starting", "on_reload", "when_ready", "pre_fork", "post_fork", "post_worker_init",
	"worker_int", "worker_abort", "pre_exec", "pre_request", "post_request", "child_exit",
	"worker_exit", "nworkers_changed", "on_exit", "ssl_context",
	"proxy_protocol", "proxy_allow_ips",
	"keyfile", "certfile", "ssl_version", "cert_reqs", "ca_certs", "suppress_ragged_eofs",
	"do_handshake_on_connect", "ciphers",
	"raw_paste_global_conf", "permit_obsolete_folding", "strip_header_spaces",
	"permit_unconventional_http_method", "permit_unconventional_http_version",
	"casefold_http_method", "forwarder_headers", "header_map",
}

var narwhalSettings = []string{"metrics_bind", "request_timeout", "max_worker_memory", "access_log_json"}

func TestTableHasExactlyGunicorn23SettingsPlusNarwhals(t *testing.T) {
	if len(gunicorn23Settings) != 93 {
		t.Fatalf("test list has %d gunicorn settings, want 93", len(gunicorn23Settings))
	}
	var got []string
	for _, s := range Settings() {
		got = append(got, s.Name)
	}
	want := append(append([]string(nil), gunicorn23Settings...), narwhalSettings...)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings (in order) differ\n got %q\nwant %q", got, want)
	}
	for _, s := range Settings() {
		if Lookup(s.Name) != s || (s.Section == "narwhal") != contains(narwhalSettings, s.Name) {
			t.Errorf("%s: section %q", s.Name, s.Section)
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestTableEntriesAreWellFormed(t *testing.T) {
	sections := map[string]bool{"Config File": true, "Server Socket": true, "Worker Processes": true,
		"Security": true, "Debugging": true, "Server Mechanics": true, "Logging": true,
		"Process Naming": true, "Server Hooks": true, "SSL": true, "narwhal": true}
	flags := map[string]string{}
	c := mustParse(t, []string{"app:app"}, nil, nil)
	for _, s := range Settings() {
		if !sections[s.Section] {
			t.Errorf("%s: unknown section %q", s.Name, s.Section)
		}
		if s.Validate == nil || s.Short == "" {
			t.Errorf("%s: missing validator or help", s.Name)
		}
		if strings.Contains(s.Short, "\n") || strings.HasSuffix(s.Desc, "\n") {
			t.Errorf("%s: Short must be one line", s.Name)
		}
		if (s.Support.Level == Honoured) != (s.Support.Reason == "") {
			t.Errorf("%s: %v support needs a reason exactly when not honoured", s.Name, s.Support.Level)
		}
		if (s.Type == TypeHook) != (s.Section == "Server Hooks") || (s.Type == TypeHook && len(s.Flags) > 0) {
			t.Errorf("%s: hooks are exactly the config-file-only Server Hooks", s.Name)
		}
		for _, f := range s.Flags {
			if prev, dup := flags[f]; dup {
				t.Errorf("flag %s on %s and %s", f, prev, s.Name)
			}
			flags[f] = s.Name
			if !(strings.HasPrefix(f, "--") && len(f) > 3) && !(len(f) == 2 && f[0] == '-') {
				t.Errorf("%s: bad flag %q", s.Name, f)
			}
		}
		if len(s.Flags) > 0 && !strings.HasPrefix(s.Flags[len(s.Flags)-1], "--") {
			t.Errorf("%s: needs a long flag", s.Name)
		}
		if s.Action != ActionStore && s.ArgType != ArgString {
			t.Errorf("%s: ArgType only applies to store", s.Name)
		}
		// The resolved default has the Go type the accessors expect.
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: accessor panics on default: %v", s.Name, r)
				}
			}()
			switch s.Type {
			case TypeString:
				c.String(s.Name)
			case TypeInt:
				c.Int(s.Name)
			case TypeFloat:
				c.Float(s.Name)
			case TypeBool, TypeOptBool:
				c.Bool(s.Name)
			case TypeStringList:
				c.Strings(s.Name)
			case TypeDict:
				c.Dict(s.Name)
			case TypeHook:
				if !c.Hook(s.Name).IsDefault() {
					t.Errorf("%s: default hook has a Ref", s.Name)
				}
			}
		}()
		if c.Source(s.Name) != SourceDefault && s.Name != "default_proc_name" {
			t.Errorf("%s: source %v without any input", s.Name, c.Source(s.Name))
		}
	}
}

func TestAccessorsPanicOnMisuse(t *testing.T) {
	c := mustParse(t, []string{"app:app"}, nil, nil)
	for _, f := range []func(){
		func() { c.Int("nope") },
		func() { c.Int("bind") },
		func() { c.String("workers") },
		func() { c.Strings("workers") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

// Narwhal's flags must not make a previously unique abbreviation of a
// gunicorn 23 flag ambiguous (argparse accepts unique prefixes).
func TestNarwhalFlagsKeepGunicornAbbreviations(t *testing.T) {
	var gunicornFlags, all []string
	for _, s := range Settings() {
		for _, f := range s.Flags {
			if strings.HasPrefix(f, "--") {
				all = append(all, f)
				if s.Section != "narwhal" {
					gunicornFlags = append(gunicornFlags, f)
				}
			}
		}
	}
	gunicornFlags = append(gunicornFlags, "--help", "--version")
	all = append(all, "--help", "--version")
	count := func(l []string, p string) int {
		n := 0
		for _, f := range l {
			if strings.HasPrefix(f, p) {
				n++
			}
		}
		return n
	}
	sort.Strings(gunicornFlags)
	for _, f := range gunicornFlags {
		for i := 3; i <= len(f); i++ {
			p := f[:i]
			if count(gunicornFlags, p) == 1 && count(all, p) != 1 {
				t.Errorf("%s is a unique abbreviation of %s for gunicorn but ambiguous in narwhal", p, f)
			}
		}
	}
}
