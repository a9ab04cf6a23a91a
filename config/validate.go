package config

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
)

// Validators, one per gunicorn validate_* function (gunicorn/config.py 23.0),
// with the same accepted inputs and normalisation. Inputs are command line
// values after ArgType conversion, config file values converted from Python
// (string, int64, float64, bool, []any, map[string]any, Hook, nil) or
// defaults. Error texts follow gunicorn's where it has one; Parse prefixes
// them with the setting, its flags and the value's origin.

// asInt returns v as an int64 if it is a Go integer (Python int).
func asInt(v any) (int64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint()), true
	}
	return 0, false
}

// asList returns v as a list if it is a Go slice (Python list or tuple).
func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// pyFalsy is Python's "not val" for the value kinds a config file can hold.
func pyFalsy(v any) bool {
	if v == nil {
		return true
	}
	if i, ok := asInt(v); ok {
		return i == 0
	}
	switch x := v.(type) {
	case bool:
		return !x
	case string:
		return x == ""
	case float64:
		return x == 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0
	}
	return false
}

// validateString is validate_string: None stays None, strings are stripped.
func validateString(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("Not a string: %s", pyStr(v))
	}
	return pyStrip(s), nil
}

// validateBool is validate_bool: a bool, or the strings "true"/"false" in
// any case; None stays None.
func validateBool(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(pyStrip(x)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("Invalid boolean: %s", x)
	}
	return nil, fmt.Errorf("Invalid type for casting: %s", pyStr(v))
}

// validatePosInt is validate_pos_int: an int (bools count as 0/1) or a string
// read with int(val, 0), which must not be negative.
func validatePosInt(v any) (any, error) {
	var n int64
	switch x := v.(type) {
	case bool:
		if x {
			n = 1
		}
	case string:
		i, err := pyInt(x, 0)
		if err != nil {
			return nil, err
		}
		n = i
	default:
		i, ok := asInt(v)
		if !ok {
			return nil, fmt.Errorf("int() can't convert non-string with explicit base: %s", pyRepr(v))
		}
		n = i
	}
	if n < 0 {
		return nil, fmt.Errorf("Value must be positive: %d", n)
	}
	return int(n), nil
}

// validateListString is validate_list_string: a falsy value is [], a string
// is a one-element list (legacy syntax), each item is validate_string'ed.
func validateListString(v any) (any, error) {
	if pyFalsy(v) {
		return []string{}, nil
	}
	if s, ok := v.(string); ok {
		return []string{pyStrip(s)}, nil
	}
	items, ok := asList(v)
	if !ok {
		return nil, fmt.Errorf("Not a list of strings: %s", pyRepr(v))
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("Not a string: %s", pyStr(it))
		}
		out = append(out, pyStrip(s))
	}
	return out, nil
}

// validateListOfExistingFiles is validate_list_of_existing_files.
func validateListOfExistingFiles(v any) (any, error) {
	l, err := validateListString(v)
	if err != nil {
		return nil, err
	}
	for _, f := range l.([]string) {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("File %s does not exists.", f)
		}
	}
	return l, nil
}

// validateStringToList is validate_string_to_list: a comma separated string
// (not a list) becomes a list of stripped items; empty items are skipped
// before stripping, as gunicorn does.
func validateStringToList(v any) (any, error) {
	s, err := validateString(v)
	if err != nil {
		return nil, err
	}
	if s == nil || s == "" {
		return []string{}, nil
	}
	out := []string{}
	for _, it := range strings.Split(s.(string), ",") {
		if it != "" {
			out = append(out, pyStrip(it))
		}
	}
	return out, nil
}

// validateDict is validate_dict.
func validateDict(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out, nil
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("Value is not a dictionary: %s ", pyStr(v))
}

// pyIsDigit is str.isdigit() for ASCII input (and false for "").
func pyIsDigit(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// validateUser is validate_user: None means the current effective uid, an int
// or digit string is a uid, anything else a user name looked up in passwd.
func validateUser(v any) (any, error) {
	return validateID(v, os.Geteuid, func(name string) (string, error) {
		u, err := user.Lookup(name)
		if err != nil {
			return "", fmt.Errorf("No such user: %s", pyRepr(name))
		}
		return u.Uid, nil
	}, "user")
}

// validateGroup is validate_group, the group counterpart of validateUser.
func validateGroup(v any) (any, error) {
	return validateID(v, os.Getegid, func(name string) (string, error) {
		g, err := user.LookupGroup(name)
		if err != nil {
			return "", fmt.Errorf("No such group: %s", pyRepr(name))
		}
		return g.Gid, nil
	}, "group")
}

func validateID(v any, current func() int, lookup func(string) (string, error), what string) (any, error) {
	if v == nil {
		return current(), nil
	}
	if b, ok := v.(bool); ok { // Python bools are ints
		if b {
			return 1, nil
		}
		return 0, nil
	}
	if i, ok := asInt(v); ok {
		return int(i), nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("must be a %s name or numeric id, not %s", what, pyRepr(v))
	}
	if pyIsDigit(s) {
		i, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("%s id out of range: %s", what, s)
		}
		return i, nil
	}
	id, err := lookup(s)
	if err != nil {
		return nil, err
	}
	return strconv.Atoi(id)
}

// getcwd is gunicorn's util.getcwd: $PWD when it is the current directory
// (keeping symlinked paths), else os.getcwd().
func getcwd() (string, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	if pwd := os.Getenv("PWD"); pwd != "" {
		a, errA := os.Stat(pwd)
		b, errB := os.Stat(cwd)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return pwd, nil
		}
	}
	return cwd, nil
}

// validateChdir is validate_chdir: a path relative to the current directory,
// made absolute and normalised, which must exist.
func validateChdir(v any) (any, error) {
	s, err := validateString(v)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("Not a string: None")
	}
	p := s.(string)
	if !filepath.IsAbs(p) {
		cwd, err := getcwd()
		if err != nil {
			return nil, err
		}
		p = filepath.Join(cwd, p)
	}
	p = filepath.Clean(p)
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("can't chdir to %s", pyRepr(s))
	}
	return p, nil
}

// validateStatsdAddress is validate_statsd_address: "host:port" (port
// defaulting to 8125), "unix://PATH" or the legacy "unix:PORT". narwhal keeps
// the string; gunicorn keeps the parsed tuple.
func validateStatsdAddress(v any) (any, error) {
	s, err := validateString(v)
	if err != nil || s == nil {
		return s, err
	}
	str := s.(string)
	if rest, ok := strings.CutPrefix(str, "unix:"); ok && pyIsDigit(rest) {
		return str, nil
	}
	if _, err := parseAddress(str, "8125"); err != nil {
		return nil, errors.New("Value must be one of ('host:port', 'unix://PATH')")
	}
	return str, nil
}

// choiceValidator accepts exactly one of choices (no stripping), like
// gunicorn's validate_reload_engine.
func choiceValidator(choices ...string) func(any) (any, error) {
	return func(v any) (any, error) {
		s, ok := v.(string)
		if ok {
			for _, c := range choices {
				if s == c {
					return s, nil
				}
			}
		}
		return nil, fmt.Errorf("must be one of %s", strings.Join(choices, ", "))
	}
}

// validateHeaderMap is validate_header_map_behaviour: drop, refuse or
// dangerous in any case, surrounding spaces ignored; None stays None.
func validateHeaderMap(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("Invalid type for casting: %s", pyStr(v))
	}
	switch l := strings.ToLower(pyStrip(s)); l {
	case "drop", "refuse", "dangerous":
		return l, nil
	}
	return nil, errors.New("must be one of drop, refuse, dangerous")
}

// validateLogLevel is validate_string restricted to the levels gunicorn's
// glogging knows (gunicorn silently falls back to info for others; narwhal
// refuses them). Case is ignored as glogging lowercases; the value is kept.
func validateLogLevel(v any) (any, error) {
	s, err := validateString(v)
	if err != nil {
		return nil, err
	}
	if str, ok := s.(string); ok {
		switch strings.ToLower(str) {
		case "debug", "info", "warning", "error", "critical":
			return str, nil
		}
	}
	return nil, errors.New("must be one of debug, info, warning, error, critical")
}

// validateCallable is validate_callable(arity): a callable from the config
// file (a Hook), or an import string "module.object" resolved by the loader.
// arities lists the accepted arities (nil: any).
func validateCallable(arities ...int) func(any) (any, error) {
	return func(v any) (any, error) {
		if p, ok := v.(*Hook); ok && p != nil {
			v = *p
		}
		switch x := v.(type) {
		case Hook:
			if a, ok := x.Ref.(interface{ Arity() int }); ok && arities != nil {
				n := a.Arity()
				for _, want := range arities {
					if n == want {
						return x, nil
					}
				}
				return nil, fmt.Errorf("Value must have an arity of: %d", arities[len(arities)-1])
			}
			return x, nil
		case string:
			i := strings.LastIndex(x, ".")
			if i < 0 {
				return nil, fmt.Errorf("Value '%s' is not import string. Format: module[.submodules...].object", x)
			}
			return Hook{Name: x[i+1:], Ref: x}, nil
		}
		return nil, fmt.Errorf("Value is not callable: %s", pyStr(v))
	}
}

// validatePostRequest is validate_post_request: arity 2, 3 or 4; gunicorn
// wraps the shorter ones in a lambda, which is what --print-config shows.
func validatePostRequest(v any) (any, error) {
	h, err := validateCallable(2, 3, 4)(v)
	if err != nil {
		return nil, err
	}
	hook := h.(Hook)
	if a, ok := hook.Ref.(interface{ Arity() int }); ok && a.Arity() != 4 {
		hook.Name = "validate_post_request.<locals>.<lambda>"
	}
	return hook, nil
}

// Narwhal's worker classes and the gunicorn spellings that select them.
const (
	WorkerSync    = "sync"        // one request at a time per worker (gunicorn sync)
	WorkerThreads = "threads"     // a thread pool per worker (gunicorn gthread)
	WorkerAsync   = "gevent-like" // cooperative greenlets (gunicorn gevent); aliases gevent, async
)

var workerClassAliases = map[string]string{
	"sync":                                  WorkerSync,
	"egg:gunicorn#sync":                     WorkerSync,
	"gunicorn.workers.sync.SyncWorker":      WorkerSync,
	"threads":                               WorkerThreads,
	"gthread":                               WorkerThreads,
	"egg:gunicorn#gthread":                  WorkerThreads,
	"gunicorn.workers.gthread.ThreadWorker": WorkerThreads,
	"gevent-like":                           WorkerAsync,
	"async":                                 WorkerAsync,
	"gevent":                                WorkerAsync,
	"egg:gunicorn#gevent":                   WorkerAsync,
	"gunicorn.workers.ggevent.GeventWorker": WorkerAsync,
}

const workerClassChoices = "sync, threads (alias gthread), gevent-like (aliases gevent, async)"

// validateWorkerClass is validate_class restricted to narwhal's worker
// classes; the spelling is kept (print-config shows it as given).
func validateWorkerClass(v any) (any, error) {
	if h, ok := v.(Hook); ok {
		return nil, fmt.Errorf("custom worker classes (%s) are not supported; must be one of %s", h.Name, workerClassChoices)
	}
	s, err := validateString(v)
	if err != nil {
		return nil, err
	}
	if str, ok := s.(string); ok {
		if _, ok := workerClassAliases[str]; ok {
			return str, nil
		}
	}
	return nil, fmt.Errorf("must be one of %s", workerClassChoices)
}

const defaultLoggerClass = "gunicorn.glogging.Logger"

// validateLoggerClass is validate_class restricted to gunicorn's own loggers,
// which narwhal reimplements ("simple" is gunicorn's alias of the default).
func validateLoggerClass(v any) (any, error) {
	if h, ok := v.(Hook); ok {
		return nil, fmt.Errorf("custom logger classes (%s) are not supported; must be %s or simple", h.Name, defaultLoggerClass)
	}
	s, err := validateString(v)
	if err != nil {
		return nil, err
	}
	switch s {
	case defaultLoggerClass, "simple", "egg:gunicorn#simple", "gunicorn.instrument.statsd.Statsd":
		return s, nil
	}
	return nil, fmt.Errorf("custom logger classes are not supported; must be %s or simple", defaultLoggerClass)
}

// validateAny keeps the value (gunicorn 23's validate_ssl_version only warns).
func validateAny(v any) (any, error) { return v, nil }

// validateBind is validate_list_string whose items must parse as addresses;
// gunicorn finds a bad address only when binding, with the same message.
func validateBind(v any) (any, error) {
	l, err := validateListString(v)
	if err != nil {
		return nil, err
	}
	for _, a := range l.([]string) {
		if _, err := ParseAddress(a); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// validateRawEnv is validate_list_string whose items must be KEY=VALUE;
// gunicorn finds a bad item only at start, with the same message.
func validateRawEnv(v any) (any, error) {
	l, err := validateListString(v)
	if err != nil {
		return nil, err
	}
	for _, e := range l.([]string) {
		if !strings.Contains(e, "=") {
			return nil, fmt.Errorf("environment setting %s invalid", pyRepr(e))
		}
	}
	return l, nil
}

// validateNonNegFloat accepts a number or numeric string >= 0 (narwhal's
// request_timeout).
func validateNonNegFloat(v any) (any, error) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case string:
		p, err := pyFloat(x)
		if err != nil {
			return nil, err
		}
		f = p
	default:
		i, ok := asInt(v)
		if !ok {
			return nil, fmt.Errorf("must be a number, not %s", pyRepr(v))
		}
		f = float64(i)
	}
	if f < 0 || f != f {
		return nil, fmt.Errorf("Value must be positive: %s", pyReprFloat(f))
	}
	return f, nil
}

// validateOptionalAddress is a string that is "" (off) or a bind address
// (narwhal's metrics_bind).
func validateOptionalAddress(v any) (any, error) {
	s, err := validateString(v)
	if err != nil {
		return nil, err
	}
	if s == nil || s == "" {
		return "", nil
	}
	if _, err := ParseAddress(s.(string)); err != nil {
		return nil, err
	}
	return s, nil
}
