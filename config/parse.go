package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FileLoader executes a gunicorn config file (a path, or "python:module") and
// returns its module globals that are settings: name -> value converted to Go
// (string, int64, float64, bool, []any, map[string]any, nil for None, or Hook
// for callables and classes). Other globals may be returned too; Parse
// ignores names that are not settings, as gunicorn does.
type FileLoader interface {
	Load(spec string) (map[string]any, error)
}

// Parse resolves the configuration the way gunicorn's Application.load_config
// does, with the same precedence, lowest first:
//
//  1. defaults (workers from WEB_CONCURRENCY, bind from PORT,
//     forwarded_allow_ips from FORWARDED_ALLOW_IPS);
//  2. the config file: -c on the command line, else -c in GUNICORN_CMD_ARGS,
//     else ./gunicorn.conf.py if it exists; "python:module" loads a module;
//  3. GUNICORN_CMD_ARGS, split like a POSIX shell (Python's shlex.split);
//     its positional arguments are ignored, as gunicorn does;
//  4. the command line args (without the program name); its positional
//     argument is APP_MODULE, else the wsgi_app setting names the app.
//
// Every value is validated by its setting's validator. env reads environment
// variables (os.Getenv; an empty value counts as unset); file may be nil when
// no config file is used. The returned error is ErrHelp, ErrVersion, a
// *UsageError or a *ConfigError; ExitCode and FormatError map it to gunicorn's
// exit status and message.
func Parse(args []string, env func(string) string, file FileLoader) (*Config, error) {
	if env == nil {
		env = func(string) string { return "" }
	}
	c := newConfig()
	c.sendfileEnv = env("SENDFILE")
	if err := c.setDefaults(env); err != nil {
		return nil, err
	}

	// gunicorn parses the command line first, so its usage errors win.
	cli, err := cliParser.parse(args, true)
	if err != nil {
		return nil, err
	}
	var envArgs *cliResult
	if raw := env("GUNICORN_CMD_ARGS"); raw != "" {
		words, err := shlexSplit(raw)
		if err != nil {
			return nil, &ConfigError{Err: fmt.Errorf("GUNICORN_CMD_ARGS: %v", err)}
		}
		envArgs, err = cliParser.parse(words, false)
		if err != nil {
			var ue *UsageError
			if errors.As(err, &ue) {
				ue.Env = true
			}
			return nil, err
		}
		if len(envArgs.positionals) > 0 {
			c.warnings = append(c.warnings, fmt.Sprintf(
				"positional arguments in GUNICORN_CMD_ARGS are ignored, as by gunicorn: %s",
				strings.Join(envArgs.positionals, " ")))
		}
	} else {
		envArgs = &cliResult{values: map[string]any{}}
	}

	// WSGIApplication.init: --paste (command line only) or APP_MODULE names
	// the app and the default process name, before the config file is read.
	if paste, ok := cli.values["paste"].(string); ok {
		abs, err := filepath.Abs(paste)
		if err != nil {
			return nil, &ConfigError{Err: err}
		}
		cfgFile, _, _ := strings.Cut(abs, "#")
		if _, err := os.Stat(cfgFile); err != nil {
			return nil, &ConfigError{Err: fmt.Errorf("%s not found", pyRepr(cfgFile))}
		}
		c.app = abs
		if err := c.set("default_proc_name", cfgFile, SourceCLI, ""); err != nil {
			return nil, err
		}
	} else if len(cli.positionals) > 0 {
		c.app = cli.positionals[0]
		if err := c.set("default_proc_name", c.app, SourceCLI, ""); err != nil {
			return nil, err
		}
	}

	if err := c.loadFile(cli, envArgs, file); err != nil {
		return nil, err
	}
	for _, layer := range []struct {
		res *cliResult
		src Source
	}{{envArgs, SourceEnv}, {cli, SourceCLI}} {
		for _, s := range table {
			if v, ok := layer.res.values[s.Name]; ok {
				if err := c.set(s.Name, v, layer.src, ""); err != nil {
					return nil, err
				}
			}
		}
	}

	if c.app == "" {
		if app, ok := c.values["wsgi_app"].(string); ok && app != "" {
			c.app = app
		} else {
			return nil, &ConfigError{Err: errors.New("No application module specified.")}
		}
	}
	return c, nil
}

// setDefaults validates every default, as gunicorn's Setting.__init__ does.
func (c *Config) setDefaults(env func(string) string) error {
	for _, s := range table {
		v, envVar := s.Default, ""
		if s.envDefault != nil {
			ev, ok, err := s.envDefault(env)
			if err != nil {
				return &ConfigError{Setting: s.Name, Source: SourceDefault, EnvVar: s.envVar, Value: env(s.envVar), Err: err}
			}
			if ok {
				v, envVar = ev, s.envVar
			}
		}
		if err := c.set(s.Name, v, SourceDefault, ""); err != nil {
			err.(*ConfigError).EnvVar = envVar
			return err
		}
		c.defaults[s.Name] = c.values[s.Name]
	}
	return nil
}

// set validates v and stores it as the value of the setting name.
func (c *Config) set(name string, v any, src Source, file string) error {
	s := byName[name]
	val, err := s.Validate(v)
	if err != nil {
		return &ConfigError{Setting: name, Source: src, File: file, Value: v, Err: err}
	}
	c.values[name] = val
	c.sources[name] = src
	return nil
}

// loadFile finds, loads and applies the config file (Application.load_config
// and load_config_from_module_name_or_filename).
func (c *Config) loadFile(cli, envArgs *cliResult, loader FileLoader) error {
	spec, _ := cli.values["config"].(string)
	if spec == "" {
		spec, _ = envArgs.values["config"].(string)
	}
	if spec == "" {
		// get_default_config_file: ./gunicorn.conf.py, made absolute.
		cwd, err := os.Getwd()
		if err != nil {
			return &ConfigError{Err: err}
		}
		p := filepath.Join(cwd, "gunicorn.conf.py")
		if _, err := os.Stat(p); err != nil {
			return nil
		}
		spec = p
	}
	load := spec
	if !strings.HasPrefix(spec, "python:") {
		load = strings.TrimPrefix(spec, "file:")
		if _, err := os.Stat(load); err != nil {
			return &ConfigError{Err: fmt.Errorf("%s doesn't exist", pyRepr(load))}
		}
		if ext := filepath.Ext(load); ext != ".py" && ext != ".pyc" {
			c.warnings = append(c.warnings, "configuration file should have a valid Python extension: "+load)
		}
	}
	if loader == nil {
		return &ConfigError{Err: fmt.Errorf("Failed to read config file: %s: no config file loader available", load)}
	}
	values, err := loader.Load(load)
	if err != nil {
		return &ConfigError{Err: fmt.Errorf("Failed to read config file: %s: %w", load, err)}
	}
	c.file = load
	names := make([]string, 0, len(values))
	for name := range values {
		if byName[name] != nil { // unknown names are ignored, as gunicorn does
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if err := c.set(name, values[name], SourceFile, load); err != nil {
			return err
		}
	}
	return nil
}
