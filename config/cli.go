package config

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/pflag"
)

// Command line parsing with gunicorn's argparse semantics (Python 3.11):
//
//   - options and positionals may be interleaved; "--" ends options;
//   - long options may be abbreviated to any unique prefix (--work is
//     ambiguous, --error-log means --error-logfile);
//   - -w4, -w=4, --workers=4 and --workers 4 are equivalent; store_true
//     short options combine (-DR, -Dw4);
//   - an option value must not look like an option: "--pid --daemon" is an
//     error, while negative numbers and strings containing a space are
//     values ("-w -1" gives the validator -1);
//   - unknown options and stray positionals are collected and reported
//     together at the end; -h and -v act as soon as they are reached.
//
// The tokenizer below decides what each argument is; the values are then set
// through a pflag.FlagSet whose flag values convert them like argparse's
// type= and record them.

// optSpec is one option string ("-w", "--workers") and what it sets.
type optSpec struct {
	opt     string
	setting *Setting // nil for -h/--help and -v/--version
	special string   // "help" or "version"
}

// argParser is the option table: argparse's _option_string_actions.
type argParser struct {
	options []*optSpec // registration order: -h, --help, -v, --version, then the table
	byOpt   map[string]*optSpec
}

var cliParser = newArgParser()

func newArgParser() *argParser {
	p := &argParser{byOpt: map[string]*optSpec{}}
	add := func(o *optSpec) {
		p.options = append(p.options, o)
		p.byOpt[o.opt] = o
	}
	add(&optSpec{opt: "-h", special: "help"})
	add(&optSpec{opt: "--help", special: "help"})
	add(&optSpec{opt: "-v", special: "version"})
	add(&optSpec{opt: "--version", special: "version"})
	for _, s := range table {
		for _, f := range s.Flags {
			if p.byOpt[f] != nil {
				panic("config: duplicate flag " + f)
			}
			add(&optSpec{opt: f, setting: s})
		}
	}
	return p
}

// cliResult is what one argument list sets: converted values by setting name
// (before validation), and the positional arguments.
type cliResult struct {
	values      map[string]any
	positionals []string
	err         error // a conversion error recorded by flagValue.Set
}

// flagValue is the pflag.Value of one setting: Set converts like argparse's
// type= and records the value (appending for action=append).
type flagValue struct {
	s   *Setting
	res *cliResult
}

func (v *flagValue) String() string { return "" }

func (v *flagValue) Type() string {
	if !v.s.Action.takesValue() {
		return "bool"
	}
	return v.s.ArgType.String()
}

func (v *flagValue) Set(raw string) error {
	s := v.s
	var val any = raw
	switch s.Action {
	case ActionStoreTrue:
		val = true
	case ActionStoreFalse:
		val = false
	default:
		var err error
		switch s.ArgType {
		case ArgInt:
			val, err = pyInt(raw, 10)
		case ArgAutoInt:
			val, err = pyAutoInt(raw)
		case ArgFloat:
			val, err = pyFloat(raw)
		}
		if err != nil {
			v.res.err = &UsageError{Msg: fmt.Sprintf("argument %s: invalid %s value: %s", s.FlagNames(), s.ArgType, pyRepr(raw))}
			return v.res.err
		}
	}
	if s.Action == ActionAppend {
		prev, _ := v.res.values[s.Name].([]string)
		val = append(prev, raw)
	}
	v.res.values[s.Name] = val
	return nil
}

// flagSet registers every setting's flags on a fresh pflag.FlagSet bound to res.
func (p *argParser) flagSet(res *cliResult) *pflag.FlagSet {
	fs := pflag.NewFlagSet(Prog, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, s := range table {
		var short string
		var longs []string
		for _, f := range s.Flags {
			if strings.HasPrefix(f, "--") {
				longs = append(longs, f[2:])
			} else {
				short = f[1:]
			}
		}
		val := &flagValue{s: s, res: res}
		for i, l := range longs {
			sh := ""
			if i == 0 {
				sh = short
			}
			f := fs.VarPF(val, l, sh, s.Short)
			if !s.Action.takesValue() {
				f.NoOptDefVal = "true"
			}
		}
	}
	return fs
}

// longName is the pflag name of a setting: its first long option without "--".
func longName(s *Setting) string {
	for _, f := range s.Flags {
		if strings.HasPrefix(f, "--") {
			return f[2:]
		}
	}
	panic("config: setting " + s.Name + " has no long option")
}

// argKind classifies an argument as argparse's _parse_optional does.
type argKind int

const (
	argPositional argKind = iota // 'A'
	argOption                    // 'O', a known option
	argUnknown                   // 'O', not a known option
	argDashDash                  // "--"
)

type classified struct {
	kind     argKind
	spec     *optSpec
	explicit *string // value attached with = or, for short options, glued on
}

var negativeNumber = regexp.MustCompile(`^-\d+$|^-\d*\.\d+$`)

func (p *argParser) classify(a string) (classified, error) {
	if a == "" || a[0] != '-' {
		return classified{kind: argPositional}, nil
	}
	if spec := p.byOpt[a]; spec != nil {
		return classified{kind: argOption, spec: spec}, nil
	}
	if len(a) == 1 {
		return classified{kind: argPositional}, nil
	}
	if opt, val, ok := strings.Cut(a, "="); ok {
		if spec := p.byOpt[opt]; spec != nil {
			return classified{kind: argOption, spec: spec, explicit: &val}, nil
		}
	}
	var matches []classified
	if a[1] == '-' {
		prefix, val, hasVal := strings.Cut(a, "=")
		for _, o := range p.options {
			if strings.HasPrefix(o.opt, prefix) {
				m := classified{kind: argOption, spec: o}
				if hasVal {
					m.explicit = &val
				}
				matches = append(matches, m)
			}
		}
	} else {
		short, rest := a[:2], a[2:]
		for _, o := range p.options {
			if o.opt == short {
				matches = append(matches, classified{kind: argOption, spec: o, explicit: &rest})
			} else if strings.HasPrefix(o.opt, a) {
				matches = append(matches, classified{kind: argOption, spec: o})
			}
		}
	}
	switch {
	case len(matches) > 1:
		names := make([]string, len(matches))
		for i, m := range matches {
			names[i] = m.spec.opt
		}
		return classified{}, &UsageError{Msg: fmt.Sprintf("ambiguous option: %s could match %s", a, strings.Join(names, ", "))}
	case len(matches) == 1:
		return matches[0], nil
	case negativeNumber.MatchString(a), strings.Contains(a, " "):
		return classified{kind: argPositional}, nil
	}
	return classified{kind: argUnknown}, nil
}

// parse parses one argument list. With onePositional, only one positional
// argument is accepted (the command line's APP_MODULE; gunicorn silently
// ignores any further ones); otherwise all are returned (GUNICORN_CMD_ARGS,
// whose positionals gunicorn ignores).
func (p *argParser) parse(args []string, onePositional bool) (*cliResult, error) {
	res := &cliResult{values: map[string]any{}}
	fs := p.flagSet(res)

	// argparse classifies every argument before consuming any, so an
	// ambiguous option is reported even after -v.
	kinds := make([]classified, len(args))
	for i, a := range args {
		if a == "--" {
			kinds[i] = classified{kind: argDashDash}
			break
		}
		k, err := p.classify(a)
		if err != nil {
			return nil, err
		}
		kinds[i] = k
	}

	var extras []string
	runs, inRun := 0, false
	positional := func(a string) {
		if !inRun {
			runs, inRun = runs+1, true
		}
		// argparse consumes positionals once, at their first run.
		if runs == 1 && (!onePositional || len(res.positionals) == 0) {
			res.positionals = append(res.positionals, a)
		} else {
			extras = append(extras, a)
		}
	}
	set := func(s *Setting, raw string) error {
		if err := fs.Set(longName(s), raw); err != nil {
			if res.err != nil {
				return res.err
			}
			return &UsageError{Msg: err.Error()}
		}
		return nil
	}

	for i := 0; i < len(args); i++ {
		k := kinds[i]
		switch k.kind {
		case argDashDash:
			for _, a := range args[i+1:] {
				positional(a)
			}
			i = len(args)
			continue
		case argPositional:
			positional(args[i])
			continue
		case argUnknown:
			inRun = false
			extras = append(extras, args[i])
			continue
		}
		inRun = false
		spec, explicit := k.spec, k.explicit
		for {
			if spec.special == "help" {
				return nil, ErrHelp
			}
			if spec.special == "version" {
				return nil, ErrVersion
			}
			s := spec.setting
			if s.Action.takesValue() {
				if explicit != nil {
					if err := set(s, *explicit); err != nil {
						return nil, err
					}
				} else {
					if i+1 >= len(args) || kinds[i+1].kind != argPositional {
						return nil, &UsageError{Msg: fmt.Sprintf("argument %s: expected one argument", s.FlagNames())}
					}
					i++
					if err := set(s, args[i]); err != nil {
						return nil, err
					}
				}
				break
			}
			if err := set(s, "true"); err != nil {
				return nil, err
			}
			if explicit == nil {
				break
			}
			// A store_true short option with text glued on: the text is
			// more short options (-DR, -Dw4), as argparse does.
			if spec.opt[1] != '-' && *explicit != "" {
				next := p.byOpt["-"+(*explicit)[:1]]
				if next != nil {
					rest := (*explicit)[1:]
					spec, explicit = next, nil
					if rest != "" {
						explicit = &rest
					}
					continue
				}
			}
			return nil, &UsageError{Msg: fmt.Sprintf("argument %s: ignored explicit argument %s", s.FlagNames(), pyRepr(*explicit))}
		}
	}
	if len(extras) > 0 {
		return nil, &UsageError{Msg: "unrecognized arguments: " + strings.Join(extras, " ")}
	}
	return res, nil
}
