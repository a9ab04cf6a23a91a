package accesslog

import (
	"fmt"
	"strings"
)

// DefaultFormat is gunicorn's access_log_format default (the Apache
// "combined" layout).
const DefaultFormat = `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`

// maxWidth bounds a conversion's field width. Python accepts any width that
// fits a Py_ssize_t and would pad every line to it; a width this large is a
// typo, so narwhal refuses it at start instead of writing megabytes a line.
const maxWidth = 4096

// Format is a compiled access_log_format. It is immutable: one Format may be
// used by any number of goroutines at once.
type Format struct {
	src     string
	ops     []op
	envKeys []string
}

// op is one "%(key)…" conversion and the literal text before it. The last op
// of a Format carries only the trailing literal (atom == atomNone).
type op struct {
	lit  string
	atom atom
	name string // header or environ name for {name}i/o/e, ASCII-lowercased
	// jsonKey is name as a JSON object key, `"name":`, and repeat is set
	// when an earlier op reads the same atom and name (AppendJSON).
	jsonKey string
	repeat  bool
	conv    byte // s r a d i u x X o
	flags   uint8
	width   int // -1 when absent
	prec    int // -1 when absent
}

// Conversion flags, Python's F_* in Objects/unicodeobject.c.
const (
	flagLeft  = 1 << iota // '-'
	flagSign              // '+'
	flagBlank             // ' '
	flagAlt               // '#'
	flagZero              // '0'
)

// plain reports whether op is a bare %(key)s, the common case that needs no
// second pass over the value.
func (o *op) plain() bool { return o.conv == 's' && o.width < 0 && o.prec < 0 }

// FormatError is an access_log_format that Python's % operator rejects (or
// that narwhal refuses, see Compile). gunicorn would log a traceback for every
// request instead of the line; narwhal refuses to start.
type FormatError struct {
	Format string
	Offset int // byte offset of the '%' that starts the bad conversion
	Reason string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("access_log_format %q: %s (at byte %d)", e.Format, e.Reason, e.Offset)
}

// Compile parses an access_log_format with the grammar of Python's
// str.__mod__ applied to a mapping (CPython unicode_format_arg_parse):
// "%%", or '%', an optional "(key)" with balanced parentheses, flags from
// "-+ #0", a width, a ".precision", an ignored 'h', 'l' or 'L', and a
// conversion. Unknown keys are not errors: gunicorn's SafeAtoms renders them
// as "-". Errors are those Python raises on every request, plus, deliberately:
//
//   - a conversion without "(key)": Python formats the whole atoms dict,
//     which would write every request header (Authorization, Cookie) and the
//     whole environ into the log;
//   - float and character conversions (e f g c, upper case too), which no
//     access log needs;
//   - a width above 4096.
func Compile(format string) (*Format, error) {
	f := &Format{src: format}
	var lit strings.Builder
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			j := strings.IndexByte(format[i:], '%')
			if j < 0 {
				j = len(format) - i
			}
			lit.WriteString(format[i : i+j])
			i += j
			continue
		}
		if i+1 < len(format) && format[i+1] == '%' {
			lit.WriteByte('%')
			i += 2
			continue
		}
		o, next, err := parseConversion(format, i)
		if err != nil {
			return nil, err
		}
		o.lit = lit.String()
		lit.Reset()
		if o.atom == atomReqHeader || o.atom == atomRespHeader || o.atom == atomEnv {
			o.jsonKey = string(appendJSONString(nil, []byte(o.name))) + ":"
			for j := range f.ops {
				o.repeat = o.repeat || f.ops[j].atom == o.atom && f.ops[j].name == o.name
			}
		}
		f.ops = append(f.ops, o)
		if o.atom == atomEnv && !contains(f.envKeys, o.name) {
			f.envKeys = append(f.envKeys, o.name)
		}
		i = next
	}
	f.ops = append(f.ops, op{lit: lit.String(), atom: atomNone, width: -1, prec: -1})
	return f, nil
}

// parseConversion parses the conversion whose '%' is at format[at] and
// returns it with the index just after it.
func parseConversion(format string, at int) (op, int, error) {
	o := op{width: -1, prec: -1}
	fail := func(reason string, args ...any) (op, int, error) {
		return op{}, 0, &FormatError{Format: format, Offset: at, Reason: fmt.Sprintf(reason, args...)}
	}
	i := at + 1
	if i >= len(format) {
		return fail("incomplete format: a lone %% at the end; write %%%% for a literal %%")
	}
	if format[i] != '(' {
		// Python formats the whole mapping for "%s"; see Compile.
		return fail("conversion without a (name): use %%(name)s, or %%%% for a literal %%")
	}
	depth, start := 1, i+1
	for i++; i < len(format) && depth > 0; i++ {
		switch format[i] {
		case ')':
			depth--
		case '(':
			depth++
		}
	}
	if depth > 0 {
		return fail("incomplete format key")
	}
	key := format[start : i-1]
	var c byte
	read := func() bool {
		if i >= len(format) {
			return false
		}
		c = format[i]
		i++
		return true
	}
	ok := read()
	for ok && strings.IndexByte("-+ #0", c) >= 0 {
		o.flags |= flagOf(c)
		ok = read()
	}
	if ok && c == '*' {
		return fail("%%(%s)*: a width from the arguments is not possible with named atoms", key)
	}
	if ok && c >= '0' && c <= '9' {
		o.width = int(c - '0')
		for ok = read(); ok && c >= '0' && c <= '9'; ok = read() {
			o.width = o.width*10 + int(c-'0')
			if o.width > maxWidth {
				return fail("width too big (narwhal allows at most %d)", maxWidth)
			}
		}
	}
	if ok && c == '.' {
		o.prec = 0
		ok = read()
		if ok && c == '*' {
			return fail("%%(%s).*: a precision from the arguments is not possible with named atoms", key)
		}
		if ok && c >= '0' && c <= '9' {
			o.prec = int(c - '0')
			for ok = read(); ok && c >= '0' && c <= '9'; ok = read() {
				if o.prec > (1<<31-1-int(c-'0'))/10 {
					return fail("precision too big")
				}
				o.prec = o.prec*10 + int(c-'0')
			}
		}
	}
	if ok && (c == 'h' || c == 'l' || c == 'L') {
		ok = read()
	}
	if !ok {
		return fail("incomplete format")
	}
	o.atom, o.name = lookupAtom(key)
	switch c {
	case 's', 'r', 'a':
	case 'd', 'i', 'u', 'x', 'X', 'o':
		if !o.atom.numeric() {
			return fail("%%(%s)%c: %s is a string, Python raises TypeError; use %%(%s)s", key, c, describe(key, o.atom), key)
		}
	case 'e', 'E', 'f', 'F', 'g', 'G', 'c':
		return fail("%%(%s)%c: narwhal does not support the %c conversion in access_log_format; use s", key, c, c)
	default:
		return fail("unsupported format character %q", c)
	}
	o.conv = c
	return o, i, nil
}

func flagOf(c byte) uint8 {
	switch c {
	case '-':
		return flagLeft
	case '+':
		return flagSign
	case ' ':
		return flagBlank
	case '#':
		return flagAlt
	}
	return flagZero
}

func describe(key string, a atom) string {
	if a == atomMissing {
		return fmt.Sprintf("%q is not an atom, so its value \"-\"", key)
	}
	return fmt.Sprintf("atom %s", key)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// String returns the format as given to Compile.
func (f *Format) String() string { return f.src }

// EnvKeys lists, lowercased and without repeats, the environ names the
// format's {var}e atoms read, so the worker fetches only those into
// Record.Env. The slice is shared: do not modify it.
func (f *Format) EnvKeys() []string { return f.envKeys }

// Uses reports whether the format reads the given atom: a letter such as "u"
// or "t", or "i", "o" or "e" for any {name}i, {name}o or {name}e atom. A
// worker can skip collecting what no atom reads (response headers, say).
func (f *Format) Uses(atomName string) bool {
	for i := range f.ops {
		o := &f.ops[i]
		switch {
		case o.atom == atomNone || o.atom == atomMissing:
		case o.atom == atomReqHeader && atomName == "i",
			o.atom == atomRespHeader && atomName == "o",
			o.atom == atomEnv && atomName == "e":
			return true
		case len(atomName) == 1 && o.atom == atomByLetter(atomName[0]):
			return true
		}
	}
	return false
}
