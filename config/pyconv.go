package config

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file reproduces the few pieces of Python semantics that gunicorn's
// settings depend on: int() parsing (argparse's type=int, validate_pos_int's
// int(val, 0) and gunicorn's auto_int), str.strip(), and str()/repr() of
// values, which is what --print-config prints.

// pyIsSpace reports whether r is whitespace for Python's str.strip() and
// int(): unicode whitespace plus the ASCII separators \x1c-\x1f.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyStrip is Python's str.strip() with no argument.
func pyStrip(s string) string { return strings.TrimFunc(s, pyIsSpace) }

// pyInt is Python's int(s, base) for base 10 or 0, limited to the int64 range.
// Base 0 takes a 0x/0o/0b prefix and refuses other leading zeros; both allow
// surrounding whitespace, a sign and single underscores between digits.
func pyInt(s string, base int) (int64, error) {
	bad := fmt.Errorf("invalid literal for int() with base %d: %s", base, pyRepr(s))
	t := pyStrip(s)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	b := 10
	if base == 0 && len(t) > 1 && t[0] == '0' {
		switch t[1] {
		case 'x', 'X':
			b, t = 16, t[2:]
		case 'o', 'O':
			b, t = 8, t[2:]
		case 'b', 'B':
			b, t = 2, t[2:]
		}
		if b != 10 && strings.HasPrefix(t, "_") { // "0x_1f" is valid
			t = t[1:]
		}
	}
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return 0, bad
	}
	digits := strings.ReplaceAll(t, "_", "")
	for _, r := range digits {
		if r > unicode.MaxASCII {
			return 0, bad
		}
	}
	if base == 0 && b == 10 && len(digits) > 1 && digits[0] == '0' && strings.Trim(digits, "0") != "" {
		return 0, bad // int("010", 0) is an error in Python 3
	}
	u, err := strconv.ParseUint(digits, b, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("integer out of range: %s", pyRepr(s))
		}
		return 0, bad
	}
	if neg {
		if u > 1<<63 {
			return 0, fmt.Errorf("integer out of range: %s", pyRepr(s))
		}
		return -int64(u), nil
	}
	if u > math.MaxInt64 {
		return 0, fmt.Errorf("integer out of range: %s", pyRepr(s))
	}
	return int64(u), nil
}

// pyAutoInt is gunicorn's auto_int (the --umask type): a leading 0 followed by
// a digit means octal, as in "022"; otherwise int(x, 0).
func pyAutoInt(s string) (int64, error) {
	if len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9' {
		return pyInt("0o"+s[1:], 0)
	}
	return pyInt(s, 0)
}

// pyFloat is Python's float(s) for the usual spellings.
func pyFloat(s string) (float64, error) {
	t := strings.ReplaceAll(pyStrip(s), "_", "")
	switch strings.ToLower(strings.TrimLeft(t, "+-")) {
	case "inf", "infinity", "nan":
		return 0, fmt.Errorf("could not convert string to float: %s", pyRepr(s))
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || t == "" {
		return 0, fmt.Errorf("could not convert string to float: %s", pyRepr(s))
	}
	return f, nil
}

// pyStr renders v as Python's str(v): strings verbatim, everything else as repr.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyRepr(v)
}

// pyRepr renders v as Python's repr(v) for the value kinds a setting can hold.
// Dicts are printed with sorted keys (Go maps have no insertion order).
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return pyReprString(x)
	case float64:
		return pyReprFloat(x)
	case float32:
		return pyReprFloat(float64(x))
	case Hook:
		return "<" + x.Name + "()>"
	case *Hook:
		return "<" + x.Name + "()>"
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Slice, reflect.Array:
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = pyRepr(rv.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool {
			return fmt.Sprint(keys[i].Interface()) < fmt.Sprint(keys[j].Interface())
		})
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k.Interface()) + ": " + pyRepr(rv.MapIndex(k).Interface())
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyReprString is Python 3's repr() of a str.
func pyReprString(s string) string {
	quote := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteRune(quote)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			// Not valid UTF-8: Python would hold a surrogate escape.
			fmt.Fprintf(&b, `\udc%02x`, s[i])
			i++
			continue
		}
		i += n
		switch {
		case r == quote || r == '\\':
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == ' ' || (r > ' ' && r < 0x7f):
			b.WriteRune(r)
		case r < 0x100 && !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case !unicode.IsPrint(r) && r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		case !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteRune(quote)
	return b.String()
}

// pyReprFloat is Python's repr() of a float: the shortest round-tripping
// digits, exponent form outside [1e-4, 1e16).
func pyReprFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64) // "1e+16", "1e-05", as Python
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}
