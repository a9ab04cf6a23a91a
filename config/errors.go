package config

import (
	"errors"
	"fmt"
)

// Prog is the program name used in usage, errors and --version.
const Prog = "narwhal"

var (
	// ErrHelp is returned by Parse for -h/--help: print Usage() to stdout and exit 0.
	ErrHelp = errors.New("help requested")
	// ErrVersion is returned by Parse for -v/--version: print VersionString() to stdout and exit 0.
	ErrVersion = errors.New("version requested")
)

// UsageError is a command line error that gunicorn's argparse reports with
// the usage line and exit status 2: an unknown or ambiguous option, a missing
// or unexpected option argument, a value of the wrong type (-w many), or
// extra positional arguments.
type UsageError struct {
	Msg string
	Env bool // the error is in GUNICORN_CMD_ARGS, not the command line
}

func (e *UsageError) Error() string {
	if e.Env {
		return e.Msg + " (in GUNICORN_CMD_ARGS)"
	}
	return e.Msg
}

// ConfigError is a value rejected by a setting's validator, wherever it came
// from, or a config file or application that cannot be found or loaded.
// gunicorn reports these as "Error: ..." with exit status 1.
type ConfigError struct {
	Setting string // the setting's name; "" for errors not about one setting
	Source  Source // where the value came from
	File    string // the config file, for SourceFile
	EnvVar  string // the environment variable a default was read from, if any
	Value   any    // the rejected value, as given
	Err     error  // the reason
}

func (e *ConfigError) Error() string {
	if e.Setting == "" {
		return e.Err.Error()
	}
	name := e.Setting
	if s := Lookup(e.Setting); s != nil && len(s.Flags) > 0 {
		name += " (" + s.FlagNames() + ")"
	}
	var where string
	switch e.Source {
	case SourceDefault:
		where = "as default"
		if e.EnvVar != "" {
			where = "from environment variable " + e.EnvVar
		}
	case SourceFile:
		where = "in config file " + e.File
	case SourceEnv:
		where = "in GUNICORN_CMD_ARGS"
	case SourceCLI:
		where = "on the command line"
	}
	return fmt.Sprintf("Invalid value for %s %s: %s: %v", name, where, pyRepr(e.Value), e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// UnsupportedError is a setting narwhal does not honour (Planned or Refused)
// given a value other than its default; see Config.CheckSupport.
type UnsupportedError struct {
	Setting string
	Source  Source
	Support Support
}

func (e *UnsupportedError) Error() string {
	name := e.Setting
	if s := Lookup(e.Setting); s != nil && len(s.Flags) > 0 {
		name += " (" + s.FlagNames() + ")"
	}
	what := "not supported by " + Prog
	if e.Support.Level == Planned {
		what = "not supported by " + Prog + " yet"
	}
	return fmt.Sprintf("setting %s, set %s, is %s: %s", name, e.Source.where(), what, e.Support.Reason)
}

// ExitCode maps an error from Parse or Config.CheckSupport to gunicorn's exit
// status: 0 for ErrHelp and ErrVersion (and nil), 2 for usage errors, 1 for
// everything else.
func ExitCode(err error) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, ErrHelp), errors.Is(err, ErrVersion):
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// FormatError renders err for stderr the way gunicorn does: usage errors as
// argparse does ("usage: ..." then "narwhal: error: ..."), others as
// "\nError: ...\n" (BaseApplication.do_load_config). It returns "" for
// ErrHelp and ErrVersion, whose output goes to stdout.
func FormatError(err error) string {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, ErrHelp), errors.Is(err, ErrVersion):
		return ""
	case errors.As(err, &ue):
		return usageLine + "\n" + Prog + ": error: " + ue.Error() + "\n"
	}
	return "\nError: " + err.Error() + "\n"
}
