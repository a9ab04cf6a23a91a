package config

import (
	"fmt"
	"strings"
)

// Source is where a setting's value came from; later sources override
// earlier ones, as in gunicorn's Application.load_config.
type Source int

const (
	SourceDefault Source = iota // the setting's default (possibly from WEB_CONCURRENCY, PORT, ...)
	SourceFile                  // the config file (-c, or ./gunicorn.conf.py)
	SourceEnv                   // GUNICORN_CMD_ARGS
	SourceCLI                   // the command line
)

var sourceNames = [...]string{"default", "file", "env", "cli"}

func (s Source) String() string { return sourceNames[s] }

func (s Source) where() string {
	switch s {
	case SourceFile:
		return "in the config file"
	case SourceEnv:
		return "in GUNICORN_CMD_ARGS"
	case SourceCLI:
		return "on the command line"
	}
	return "by default"
}

// Config holds the resolved value of every setting and where it came from.
// Read values with the typed accessors, named by setting (c.Int("workers"),
// c.Strings("bind"), ...); they panic on an unknown name or the wrong type,
// which are programming errors. A Config is read-only after Parse and safe for
// concurrent use.
type Config struct {
	values      map[string]any
	defaults    map[string]any
	sources     map[string]Source
	app         string
	file        string
	sendfileEnv string
	warnings    []string
}

func newConfig() *Config {
	return &Config{
		values:   make(map[string]any, len(table)),
		defaults: make(map[string]any, len(table)),
		sources:  make(map[string]Source, len(table)),
	}
}

func (c *Config) setting(name string, types ...Type) *Setting {
	s := byName[name]
	if s == nil {
		panic("config: no setting " + name)
	}
	for _, t := range types {
		if s.Type == t {
			return s
		}
	}
	if len(types) > 0 {
		panic(fmt.Sprintf("config: setting %s is a %s, not a %s", name, s.Type, types[0]))
	}
	return s
}

// Get returns the value of a setting as validated: string or nil, int,
// float64, bool (or nil for sendfile), []string, map[string]any or Hook.
func (c *Config) Get(name string) any {
	c.setting(name)
	return c.values[name]
}

// Source returns where the value of a setting came from.
func (c *Config) Source(name string) Source {
	c.setting(name)
	return c.sources[name]
}

// IsNone reports whether a setting is None (nil), e.g. no pidfile.
func (c *Config) IsNone(name string) bool { return c.Get(name) == nil }

// String returns a string setting; "" when it is None.
func (c *Config) String(name string) string {
	c.setting(name, TypeString)
	s, _ := c.values[name].(string)
	return s
}

// Int returns an int setting (workers, timeout, user, ...).
func (c *Config) Int(name string) int {
	c.setting(name, TypeInt)
	return c.values[name].(int)
}

// Float returns a float setting (request_timeout).
func (c *Config) Float(name string) float64 {
	c.setting(name, TypeFloat)
	return c.values[name].(float64)
}

// Bool returns a bool setting; for sendfile, None is false (see SendfileEnabled).
func (c *Config) Bool(name string) bool {
	c.setting(name, TypeBool, TypeOptBool)
	b, _ := c.values[name].(bool)
	return b
}

// Strings returns a copy of a list setting (bind, raw_env, forwarded_allow_ips, ...).
func (c *Config) Strings(name string) []string {
	c.setting(name, TypeStringList)
	return append([]string(nil), c.values[name].([]string)...)
}

// Dict returns a shallow copy of a dict setting (secure_scheme_headers, logconfig_dict).
func (c *Config) Dict(name string) map[string]any {
	c.setting(name, TypeDict)
	m := c.values[name].(map[string]any)
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Hook returns a hook setting; Hook.IsDefault reports gunicorn's built-in default.
func (c *Config) Hook(name string) Hook {
	c.setting(name, TypeHook)
	return c.values[name].(Hook)
}

// App returns the WSGI application to load: APP_MODULE from the command line,
// else the wsgi_app setting, else (with --paste) the absolute paste config URI.
func (c *Config) App() string { return c.app }

// ConfigFile returns the config file that was loaded ("" if none), as given
// to the FileLoader: a path or "python:module".
func (c *Config) ConfigFile() string { return c.file }

// Warnings returns things gunicorn accepts silently or with a warning that
// the server should log at start (e.g. positional arguments in GUNICORN_CMD_ARGS).
func (c *Config) Warnings() []string { return append([]string(nil), c.warnings...) }

// WorkerClass returns narwhal's worker class (WorkerSync, WorkerThreads or
// WorkerAsync) for worker_class; like gunicorn's Config.worker_class, sync
// with threads > 1 means the threaded worker.
func (c *Config) WorkerClass() string {
	class := workerClassAliases[c.String("worker_class")]
	if class == WorkerSync && c.Int("threads") > 1 {
		return WorkerThreads
	}
	return class
}

// SendfileEnabled is gunicorn's Config.sendfile: false if the sendfile
// setting has any value (--no-sendfile; gunicorn treats even True this way),
// else $SENDFILE decides (y, 1, yes, true), else true.
func (c *Config) SendfileEnabled() bool {
	if c.values["sendfile"] != nil {
		return false
	}
	if c.sendfileEnv != "" {
		switch strings.ToLower(c.sendfileEnv) {
		case "y", "1", "yes", "true":
			return true
		}
		return false
	}
	return true
}

// Env returns raw_env as a map (gunicorn's Config.env); later duplicates win.
func (c *Config) Env() map[string]string {
	env := map[string]string{}
	for _, e := range c.Strings("raw_env") {
		k, v, _ := strings.Cut(e, "=")
		env[k] = v
	}
	return env
}

// ProcName is gunicorn's Config.proc_name: proc_name, else default_proc_name.
func (c *Config) ProcName() string {
	if !c.IsNone("proc_name") {
		return c.String("proc_name")
	}
	return c.String("default_proc_name")
}

// Addresses returns the bind addresses, parsed (they were checked by Parse).
func (c *Config) Addresses() []Address {
	var out []Address
	for _, b := range c.Strings("bind") {
		a, err := ParseAddress(b)
		if err != nil {
			panic("config: unchecked bind address " + b)
		}
		out = append(out, a)
	}
	return out
}

// LogLevel returns loglevel in lower case, as gunicorn's glogging reads it.
func (c *Config) LogLevel() string { return strings.ToLower(c.String("loglevel")) }
