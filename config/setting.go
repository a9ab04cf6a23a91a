package config

import "strings"

// Setting describes one configuration setting: its gunicorn name, command line
// flags, value type, default, validator, help text and whether narwhal honours
// it. The table of all settings is Settings(); it mirrors gunicorn 23.0's
// KNOWN_SETTINGS (gunicorn/config.py) plus narwhal's own settings.
type Setting struct {
	Name    string   // gunicorn's name, as used in gunicorn.conf.py, e.g. "workers"
	Section string   // gunicorn's section, e.g. "Worker Processes"
	Flags   []string // exact option strings, e.g. {"-w", "--workers"}; empty: config file only
	Meta    string   // gunicorn's metavar, e.g. "INT"; "" when gunicorn has none (argparse then shows NAME)
	Type    Type     // kind of the resolved value
	Action  Action   // how a flag on the command line sets the value (argparse action)
	ArgType ArgType  // how a command line value is converted before validation (argparse type=)
	Default any      // default before validation; see DefaultDoc when it depends on the environment
	// DefaultDoc documents a default that depends on the environment or machine
	// (WEB_CONCURRENCY, PORT, FORWARDED_ALLOW_IPS, cwd, euid); "" if static.
	DefaultDoc string
	// Choices lists the accepted spellings for enumerated settings (documentation
	// and error messages; Validate enforces them).
	Choices []string
	// Validate checks and normalises a value coming from a default, the config
	// file or the command line, with gunicorn's validator semantics. Its error
	// is the reason only; Parse wraps it in a *ConfigError naming the setting.
	Validate func(v any) (any, error)
	Short    string  // one line help
	Desc     string  // full description (Markdown), without the Short line
	Support  Support // whether narwhal honours the setting

	// envDefault computes the default from the environment (gunicorn reads
	// these at import time); ok=false means "use Default".
	envDefault func(getenv func(string) string) (v any, ok bool, err error)
	envVar     string // the environment variable envDefault reads, for errors
}

// Type is the kind of a setting's resolved value, as returned by Config.Get.
type Type int

const (
	TypeString     Type = iota // string, or nil for gunicorn's None (Config.String gives "")
	TypeInt                    // int (gunicorn's validate_pos_int: never negative)
	TypeFloat                  // float64
	TypeBool                   // bool
	TypeOptBool                // nil, true or false (sendfile: None means "decide from $SENDFILE")
	TypeStringList             // []string
	TypeDict                   // map[string]any
	TypeHook                   // Hook: a Python callable, config file only
	TypeAny                    // kept as given (ssl_version: int or string)
)

var typeNames = [...]string{"string", "int", "float", "bool", "bool or None", "list of strings", "dict", "callable", "any"}

func (t Type) String() string { return typeNames[t] }

// Action is how a command line flag sets its setting (argparse's action=).
type Action int

const (
	ActionStore      Action = iota // takes one value: -w 4, -w4, --workers=4, --workers 4
	ActionStoreTrue                // takes no value, sets true (store_true)
	ActionStoreFalse               // takes no value, sets false (store_const const=False: --no-sendfile)
	ActionAppend                   // repeatable, each occurrence appends (append: -b, -e)
)

var actionNames = [...]string{"store", "store_true", "store_const", "append"}

func (a Action) String() string { return actionNames[a] }

// takesValue reports whether a flag with this action consumes an argument.
func (a Action) takesValue() bool { return a == ActionStore || a == ActionAppend }

// ArgType is how a command line value is converted before validation
// (argparse's type=). Conversion failures are usage errors (exit 2).
type ArgType int

const (
	ArgString  ArgType = iota // kept as a string
	ArgInt                    // Python int(s): base 10, "010" is 10, "0x1" is an error
	ArgAutoInt                // gunicorn's auto_int: "022" is octal, "0x12" hex
	ArgFloat                  // Python float(s)
)

var argTypeNames = [...]string{"str", "int", "auto_int", "float"}

func (a ArgType) String() string { return argTypeNames[a] }

// Level says what narwhal does with a setting.
type Level int

const (
	// Honoured: narwhal implements the setting as gunicorn does.
	Honoured Level = iota
	// Inert: accepted, but has no effect in narwhal (the reason says why); a
	// non-default value produces a start-up notice, never silence.
	Inert
	// Planned: not implemented yet; a non-default value is refused at start.
	Planned
	// Refused: will not be implemented; a non-default value is refused at start.
	Refused
)

var levelNames = [...]string{"honoured", "inert", "planned", "refused"}

func (l Level) String() string { return levelNames[l] }

// Support is narwhal's support status of a setting, with a one-line reason
// for anything not Honoured.
type Support struct {
	Level  Level
	Reason string
}

func honoured() Support             { return Support{Level: Honoured} }
func inert(reason string) Support   { return Support{Level: Inert, Reason: reason} }
func planned(reason string) Support { return Support{Level: Planned, Reason: reason} }
func refused(reason string) Support { return Support{Level: Refused, Reason: reason} }

// Hook is an opaque reference to a Python callable taken from the config file
// (server hooks such as post_fork, or a class given as worker_class). The
// FileLoader creates it and keeps the callable alive; Ref is whatever the
// loader needs to call it. A Hook with a nil Ref is gunicorn's built-in
// default for that hook (a no-op, except pre_request which logs the request at
// debug level). If Ref implements interface{ Arity() int }, Parse checks the
// arity gunicorn requires.
type Hook struct {
	Name string // the callable's __qualname__, shown by --print-config as <Name()>
	Ref  any
}

// IsDefault reports whether h is gunicorn's built-in default for its hook.
func (h Hook) IsDefault() bool { return h.Ref == nil }

// FlagNames returns the setting's option strings joined as argparse names
// them in errors, e.g. "-w/--workers"; "" for config-file-only settings.
func (s *Setting) FlagNames() string { return strings.Join(s.Flags, "/") }

// metavar is what argparse shows for the value: Meta, or NAME in upper case.
func (s *Setting) metavar() string {
	if s.Meta != "" {
		return s.Meta
	}
	return strings.ToUpper(s.Name)
}
