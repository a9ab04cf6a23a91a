package wsgi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/narwhalhq/narwhal/config"
)

// Config files (gunicorn's -c/--config) are Python modules whose globals
// name settings. LoadConfigFile executes one with the embedded interpreter
// (configfile.py does the Python side) and returns its globals as the Go
// values config's validators take:
//
//	None, bool, str, float     nil, bool, string, float64
//	int (IntEnum too)          int64; beyond int64 an Object
//	list, tuple, set           []any
//	dict                       map[string]any (non-str keys as str(key))
//	function, class, callable  config.Hook{Name: __qualname__, Ref: *Callable}
//	anything else              Object (str() of the value)
//
// worker_class and logger_class follow gunicorn's validate_class: a
// function there is called for its value, and a class from gunicorn itself
// becomes its import path ("gunicorn.workers.gthread.ThreadWorker"), the
// spelling narwhal's validators accept.

// ConfigLoader is the config.FileLoader of the embedded interpreter.
type ConfigLoader struct{}

// Load is LoadConfigFile.
func (ConfigLoader) Load(spec string) (map[string]any, error) { return LoadConfigFile(spec) }

// Callable is a Python callable from a config file, the Ref of its
// config.Hook. It keeps the callable alive until the Callable is garbage
// collected.
type Callable struct {
	obj   pyObj
	arity int
}

// Arity is the number of positional parameters, as gunicorn's
// util.get_arity counts them (validate_callable checks it); -1 when Python
// cannot tell (a builtin without a signature).
func (c *Callable) Arity() int { return c.arity }

// Object is a config file value that has no Go counterpart (a module, a
// class instance, bytes, an int beyond int64). Validators reject it, and
// their messages show it as gunicorn's do, by its str().
type Object struct {
	Type string // the value's type, e.g. "bytes"
	Str  string // str(value)
}

func (o Object) String() string { return o.Str }

// ConfigFileError is a config file that could not be executed: a syntax
// error or an exception (including SystemExit) raised while running it, or
// a python: module that could not be imported. File and Line locate the
// failure: the config file's own line when it is in the traceback, else the
// innermost frame ("" and 0 when there is none, as for a missing module).
type ConfigFileError struct {
	Spec      string // the config file or python:module as given
	File      string
	Line      int
	Msg       string // the exception, e.g. "SyntaxError: invalid syntax"
	Traceback string // Python's traceback, without importlib's frames
}

// Error gives the place and the exception on the first line, then Python's
// traceback when it says more than that line.
func (e *ConfigFileError) Error() string {
	msg := e.Msg
	if e.File != "" {
		msg = fmt.Sprintf("%s, line %d: %s", e.File, e.Line, e.Msg)
	}
	if tb := strings.TrimRight(e.Traceback, "\n"); strings.Contains(tb, "\n") {
		msg += "\n" + tb
	}
	return msg
}

// applyConfigResult decodes what configfile.py's load returned: the
// globals, or a *ConfigFileError. The environment variables the file set or
// removed in os.environ are applied to the Go process too, so worker
// processes started later inherit them as gunicorn's forked workers do.
func applyConfigResult(spec string, enc []byte, objs []*Callable) (map[string]any, error) {
	d := configDecoder{buf: enc, objs: objs}
	v, err := d.value(0)
	if err == nil && len(d.buf) != 0 {
		err = errors.New("trailing bytes")
	}
	top, _ := v.([]any)
	if err != nil || len(top) == 0 {
		return nil, fmt.Errorf("wsgi: config file %s: bad result from the loader: %v", spec, err)
	}
	switch top[0] {
	case "ok":
		globals, ok1 := top[1].(map[string]any)
		env, ok2 := top[2].(map[string]any)
		if len(top) == 3 && ok1 && ok2 {
			for k, v := range env {
				if s, ok := v.(string); ok {
					os.Setenv(k, s)
				} else {
					os.Unsetenv(k)
				}
			}
			return globals, nil
		}
	case "error":
		if len(top) == 5 {
			e := &ConfigFileError{Spec: spec}
			e.File, _ = top[1].(string)
			line, _ := top[2].(int64)
			e.Line = int(line)
			e.Msg, _ = top[3].(string)
			e.Traceback, _ = top[4].(string)
			return nil, e
		}
	}
	return nil, fmt.Errorf("wsgi: config file %s: bad result from the loader", spec)
}

// configDecoder reads the encoding documented in configfile.py.
type configDecoder struct {
	buf  []byte
	objs []*Callable
}

var errShort = errors.New("truncated")

// maxConfigDepth bounds nesting (the encoder already breaks cycles).
const maxConfigDepth = 1000

func (d *configDecoder) take(n int) ([]byte, error) {
	if n < 0 || len(d.buf) < n {
		return nil, errShort
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b, nil
}

func (d *configDecoder) u32() (int, error) {
	b, err := d.take(4)
	if err != nil {
		return 0, err
	}
	return int(binary.LittleEndian.Uint32(b)), nil
}

func (d *configDecoder) str() (string, error) {
	n, err := d.u32()
	if err != nil {
		return "", err
	}
	b, err := d.take(n)
	return string(b), err
}

func (d *configDecoder) value(depth int) (any, error) {
	if depth > maxConfigDepth {
		return nil, errors.New("nested too deeply")
	}
	tag, err := d.take(1)
	if err != nil {
		return nil, err
	}
	switch tag[0] {
	case 'N':
		return nil, nil
	case 'T':
		return true, nil
	case 'F':
		return false, nil
	case 'i':
		b, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return int64(binary.LittleEndian.Uint64(b)), nil
	case 'f':
		b, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	case 's':
		return d.str()
	case 'l':
		n, err := d.u32()
		if err != nil || n > len(d.buf) {
			return nil, errShort
		}
		l := make([]any, n)
		for i := range l {
			if l[i], err = d.value(depth + 1); err != nil {
				return nil, err
			}
		}
		return l, nil
	case 'd':
		n, err := d.u32()
		if err != nil || n > len(d.buf) {
			return nil, errShort
		}
		m := make(map[string]any, n)
		for range n {
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			if m[k], err = d.value(depth + 1); err != nil {
				return nil, err
			}
		}
		return m, nil
	case 'c':
		i, err := d.u32()
		if err != nil {
			return nil, err
		}
		name, err := d.str()
		if err != nil {
			return nil, err
		}
		b, err := d.take(4)
		if err != nil {
			return nil, err
		}
		if i >= len(d.objs) {
			return nil, fmt.Errorf("callable %d of %d", i, len(d.objs))
		}
		c := d.objs[i]
		c.arity = int(int32(binary.LittleEndian.Uint32(b)))
		return config.Hook{Name: name, Ref: c}, nil
	case 'o':
		typ, err := d.str()
		if err != nil {
			return nil, err
		}
		s, err := d.str()
		return Object{Type: typ, Str: s}, err
	}
	return nil, fmt.Errorf("unknown tag %q", tag[0])
}
