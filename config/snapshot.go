package config

// Snapshots exist because Go cannot fork: narwhal's master re-executes its own
// binary for each worker, and the worker must run with exactly the
// configuration the master resolved, as gunicorn's forked workers inherit it
// (a config file edited on disk takes effect only on HUP). Snapshot encodes a
// Config as compact JSON small enough for an environment variable;
// FromSnapshot rebuilds it with identical values, defaults and sources.
//
// Format: one JSON object with
//
//	"app", "file", "sendfile"  App(), ConfigFile() and $SENDFILE, omitted when ""
//	"set"  setting -> [source, value] for every setting whose source is not
//	       "default" or whose value differs from its default
//	"def"  setting -> value for every default a worker could not recompute
//	       from the table: one that differs from the table's default (the
//	       environment chose it: WEB_CONCURRENCY, PORT, FORWARDED_ALLOW_IPS) or
//	       that depends on the process (chdir: the current directory; user,
//	       group: the effective ids)
//
// Values are written according to their setting's Type: a JSON string or
// null, an integer, a number, a bool or null, an array of strings. Dict
// settings, ssl_version (TypeAny) and hooks use the generic encoding below,
// which keeps the Go type of every value a FileLoader produces:
//
//	null, true, "s", 12, [...]   nil, bool, string, int64 (Python int), []any
//	{"m":{...}}                  map[string]any ({"m":null}: a nil map)
//	{"i":12}                     int
//	{"f":1.5}, {"f":"+Inf"}      float64 (also "-Inf", "NaN")
//	{"s":[...]}                  []string ({"s":null}: a nil []string)
//	{"l":null}                   a nil []any
//	{"h":"Name"}                 Hook{Name: "Name"}: gunicorn's default hook
//	{"u":"Name"}                 Hook{Name: "Name", Ref: Unresolved{}}
//	{"x":"base64"}               a string that is not valid UTF-8 (anywhere a string goes)
//	{"mx":[[key,value],...]}     map[string]any with keys that are not valid UTF-8
//
// A hook set in the config file holds a Python callable, which cannot cross a
// process boundary: it is written with its name only and comes back as an
// Unresolved hook.
//
// Example, for "narwhal -w 3 app:app" run in /srv as root:
//
//	{"app":"app:app","def":{"chdir":"/srv","group":0,"user":0},"set":{"default_proc_name":["cli","app:app"],"workers":["cli",3]}}

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Unresolved is the Ref of a hook defined in the config file that the worker
// must re-resolve by executing the config file itself: a snapshot carries
// only the hook's name, since a Python callable cannot cross a process
// boundary. Hook.IsDefault is false for it.
type Unresolved struct{}

// Snapshot encodes the resolved configuration for a worker process; see
// FromSnapshot. It fails, naming the setting, only for a Config that Parse
// and FromSnapshot never produce: a value of the wrong type, or a Go type the
// encoding has no form for (an int32 inside a dict setting).
func (c *Config) Snapshot() ([]byte, error) {
	out := map[string]any{}
	for k, v := range map[string]string{"app": c.app, "file": c.file, "sendfile": c.sendfileEnv} {
		if v != "" {
			out[k] = encodeString(v)
		}
	}
	set, def := map[string]any{}, map[string]any{}
	for _, s := range table {
		d := c.defaults[s.Name]
		if processDefault(s) || !reflect.DeepEqual(d, staticDefault(s)) {
			e, err := encodeTyped(s, d)
			if err != nil {
				return nil, fmt.Errorf("config snapshot: default of %s: %w", s.Name, err)
			}
			def[s.Name] = e
		}
		v, src := c.values[s.Name], c.sources[s.Name]
		if src != SourceDefault || !reflect.DeepEqual(v, d) {
			if src < SourceDefault || src > SourceCLI {
				return nil, fmt.Errorf("config snapshot: setting %s: invalid source %d", s.Name, src)
			}
			e, err := encodeTyped(s, v)
			if err != nil {
				return nil, fmt.Errorf("config snapshot: setting %s: %w", s.Name, err)
			}
			set[s.Name] = []any{src.String(), e}
		}
	}
	if len(set) > 0 {
		out["set"] = set
	}
	if len(def) > 0 {
		out["def"] = def
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("config snapshot: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// FromSnapshot rebuilds the Config that Snapshot encoded. Defaults not in the
// snapshot come from the table, as Parse computes them without environment.
// Values are checked against their setting's type but not validated again:
// validators are not idempotent (forwarded_allow_ips takes a string and gives
// a list) and some look at the file system, which the master already did.
// Warnings are not carried: the master logs them.
func FromSnapshot(b []byte) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("config snapshot: malformed: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("config snapshot: malformed: data after the JSON object")
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("config snapshot: malformed: want a JSON object, got %s", jsonKind(top))
	}
	c := newConfig()
	var set, def map[string]any
	for k, v := range obj {
		var err error
		switch k {
		case "app":
			c.app, err = decodeString(v)
		case "file":
			c.file, err = decodeString(v)
		case "sendfile":
			c.sendfileEnv, err = decodeString(v)
		case "set", "def":
			m, ok := v.(map[string]any)
			if !ok {
				err = fmt.Errorf("want an object, got %s", jsonKind(v))
			} else if k == "set" {
				set = m
			} else {
				def = m
			}
		default:
			err = errors.New("unknown field")
		}
		if err != nil {
			return nil, fmt.Errorf("config snapshot: %q: %w", k, err)
		}
	}
	for name := range def {
		if byName[name] == nil {
			return nil, fmt.Errorf("config snapshot: default of unknown setting %q", name)
		}
	}
	for name := range set {
		if byName[name] == nil {
			return nil, fmt.Errorf("config snapshot: unknown setting %q", name)
		}
	}
	for _, s := range table {
		var d any
		if e, ok := def[s.Name]; ok {
			v, err := decodeTyped(s, e)
			if err != nil {
				return nil, fmt.Errorf("config snapshot: default of %s: %w", s.Name, err)
			}
			d = v
		} else {
			v, err := s.Validate(s.Default)
			if err != nil {
				return nil, fmt.Errorf("config snapshot: default of %s: %v", s.Name, err)
			}
			d = v
		}
		c.defaults[s.Name], c.values[s.Name], c.sources[s.Name] = d, d, SourceDefault
		e, ok := set[s.Name]
		if !ok {
			continue
		}
		pair, ok := e.([]any)
		if !ok || len(pair) != 2 {
			return nil, fmt.Errorf("config snapshot: setting %s: want [source, value], got %s", s.Name, jsonKind(e))
		}
		src, err := decodeSource(pair[0])
		if err != nil {
			return nil, fmt.Errorf("config snapshot: setting %s: %w", s.Name, err)
		}
		v, err := decodeTyped(s, pair[1])
		if err != nil {
			return nil, fmt.Errorf("config snapshot: setting %s: %w", s.Name, err)
		}
		c.values[s.Name], c.sources[s.Name] = v, src
	}
	return c, nil
}

// processDefault reports whether a setting's default depends on the process
// rather than on the table and the environment: the current directory
// (chdir) or the effective uid and gid (user, group). DefaultDoc documents
// such defaults, and the environment ones; a hook's documents its no-op.
func processDefault(s *Setting) bool {
	return s.DefaultDoc != "" && s.envDefault == nil && s.Type != TypeHook
}

// staticDefault is the default Parse computes without environment variables,
// or nil for a processDefault (never static) or an invalid table default.
func staticDefault(s *Setting) any {
	if processDefault(s) {
		return nil
	}
	v, err := s.Validate(s.Default)
	if err != nil {
		return nil
	}
	return v
}

func decodeSource(v any) (Source, error) {
	if name, ok := v.(string); ok {
		for i, n := range sourceNames {
			if n == name {
				return Source(i), nil
			}
		}
	}
	return 0, fmt.Errorf("invalid source %s (want default, file, env or cli)", jsonText(v))
}

// encodeTyped writes v, the value of setting s, according to s.Type.
func encodeTyped(s *Setting, v any) (any, error) {
	wrong := func() (any, error) { return nil, fmt.Errorf("value %#v is not a %s", v, s.Type) }
	switch s.Type {
	case TypeString:
		if v == nil {
			return nil, nil
		}
		if x, ok := v.(string); ok {
			return encodeString(x), nil
		}
	case TypeInt:
		if x, ok := v.(int); ok {
			return x, nil
		}
	case TypeFloat:
		if x, ok := v.(float64); ok {
			return encodeFloat(x), nil
		}
	case TypeBool, TypeOptBool:
		if _, ok := v.(bool); ok || (v == nil && s.Type == TypeOptBool) {
			return v, nil
		}
	case TypeStringList:
		if x, ok := v.([]string); ok {
			return encodeStrings(x), nil
		}
	case TypeDict:
		if _, ok := v.(map[string]any); ok {
			return encodeAny(v)
		}
	case TypeHook:
		if _, ok := v.(Hook); ok {
			return encodeAny(v)
		}
	case TypeAny:
		return encodeAny(v)
	}
	return wrong()
}

// decodeTyped reads a value of setting s from its JSON form (decoded with
// UseNumber), checking it has s.Type.
func decodeTyped(s *Setting, j any) (any, error) {
	switch s.Type {
	case TypeString:
		if j == nil {
			return nil, nil
		}
		return decodeString(j)
	case TypeInt:
		n, ok := j.(json.Number)
		if !ok {
			return nil, fmt.Errorf("want an integer, got %s", jsonKind(j))
		}
		i, err := strconv.ParseInt(string(n), 10, strconv.IntSize)
		if err != nil {
			return nil, fmt.Errorf("want an integer, got %s", n)
		}
		return int(i), nil
	case TypeFloat:
		return decodeFloat(j)
	case TypeBool, TypeOptBool:
		if b, ok := j.(bool); ok {
			return b, nil
		}
		if j == nil && s.Type == TypeOptBool {
			return nil, nil
		}
		return nil, fmt.Errorf("want a bool, got %s", jsonKind(j))
	case TypeStringList:
		return decodeStrings(j)
	case TypeDict:
		v, err := decodeAny(j)
		if err != nil {
			return nil, err
		}
		if _, ok := v.(map[string]any); !ok {
			return nil, fmt.Errorf("want a dict ({\"m\":...}), got %s", jsonKind(j))
		}
		return v, nil
	case TypeHook:
		v, err := decodeAny(j)
		if err != nil {
			return nil, err
		}
		if _, ok := v.(Hook); !ok {
			return nil, fmt.Errorf("want a hook ({\"h\":...} or {\"u\":...}), got %s", jsonKind(j))
		}
		return v, nil
	}
	return decodeAny(j)
}

// encodeString keeps s as a JSON string when it is valid UTF-8 (which JSON
// would otherwise replace), else tags it base64.
func encodeString(s string) any {
	if utf8.ValidString(s) {
		return s
	}
	return map[string]any{"x": base64.StdEncoding.EncodeToString([]byte(s))}
}

func decodeString(j any) (string, error) {
	switch x := j.(type) {
	case string:
		return x, nil
	case map[string]any:
		if b64, ok := x["x"].(string); ok && len(x) == 1 {
			b, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return "", fmt.Errorf("bad base64 string: %v", err)
			}
			return string(b), nil
		}
	}
	return "", fmt.Errorf("want a string, got %s", jsonKind(j))
}

// encodeStrings writes a []string as an array (null when nil).
func encodeStrings(l []string) any {
	if l == nil {
		return nil
	}
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = encodeString(s)
	}
	return out
}

func decodeStrings(j any) ([]string, error) {
	if j == nil {
		return nil, nil
	}
	items, ok := j.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of strings, got %s", jsonKind(j))
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, err := decodeString(it)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		out[i] = s
	}
	return out, nil
}

// encodeFloat writes a float as a JSON number, or as a string for the
// values JSON has no number for.
func encodeFloat(f float64) any {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return f
}

func decodeFloat(j any) (float64, error) {
	switch x := j.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err == nil {
			return f, nil
		}
	case string:
		switch x {
		case "+Inf":
			return math.Inf(1), nil
		case "-Inf":
			return math.Inf(-1), nil
		case "NaN":
			return math.NaN(), nil
		}
	}
	return 0, fmt.Errorf("want a float, got %s", jsonText(j))
}

// encodeAny writes a value of any Go type a FileLoader or validator produces
// with the generic encoding described at the top of this file.
func encodeAny(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, int64:
		return x, nil
	case string:
		return encodeString(x), nil
	case int:
		return map[string]any{"i": x}, nil
	case float64:
		return map[string]any{"f": encodeFloat(x)}, nil
	case []string:
		return map[string]any{"s": encodeStrings(x)}, nil
	case []any:
		if x == nil {
			return map[string]any{"l": nil}, nil
		}
		out := make([]any, len(x))
		for i, it := range x {
			e, err := encodeAny(it)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case map[string]any:
		if x == nil {
			return map[string]any{"m": nil}, nil
		}
		m, valid := make(map[string]any, len(x)), true
		for k, it := range x {
			e, err := encodeAny(it)
			if err != nil {
				return nil, err
			}
			m[k] = e
			valid = valid && utf8.ValidString(k)
		}
		if valid {
			return map[string]any{"m": m}, nil
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		pairs := make([]any, len(keys))
		for i, k := range keys {
			pairs[i] = []any{encodeString(k), m[k]}
		}
		return map[string]any{"mx": pairs}, nil
	case Hook:
		tag := "u"
		if x.Ref == nil {
			tag = "h"
		}
		return map[string]any{tag: encodeString(x.Name)}, nil
	}
	return nil, fmt.Errorf("cannot encode a value of type %T", v)
}

// decodeAny reads the generic encoding.
func decodeAny(j any) (any, error) {
	switch x := j.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		i, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("want an integer, got %s (floats are written {\"f\":...})", x)
		}
		return i, nil
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			v, err := decodeAny(it)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case map[string]any:
		if len(x) != 1 {
			return nil, fmt.Errorf("a tagged value must have exactly one key, got %d", len(x))
		}
		var tag string
		var e any
		for tag, e = range x {
		}
		return decodeTagged(tag, e)
	}
	return nil, fmt.Errorf("unexpected JSON %s", jsonKind(j))
}

func decodeTagged(tag string, e any) (any, error) {
	switch tag {
	case "x":
		return decodeString(map[string]any{"x": e})
	case "i":
		n, ok := e.(json.Number)
		if ok {
			if i, err := strconv.ParseInt(string(n), 10, strconv.IntSize); err == nil {
				return int(i), nil
			}
		}
		return nil, fmt.Errorf("bad int %s", jsonText(e))
	case "f":
		return decodeFloat(e)
	case "s":
		return decodeStrings(e)
	case "l":
		if e != nil {
			return nil, fmt.Errorf("bad nil list %s", jsonText(e))
		}
		return []any(nil), nil
	case "h", "u":
		name, err := decodeString(e)
		if err != nil {
			return nil, fmt.Errorf("hook name: %w", err)
		}
		if tag == "h" {
			return Hook{Name: name}, nil
		}
		return Hook{Name: name, Ref: Unresolved{}}, nil
	case "m":
		if e == nil {
			return map[string]any(nil), nil
		}
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("bad dict %s", jsonKind(e))
		}
		out := make(map[string]any, len(m))
		for k, it := range m {
			v, err := decodeAny(it)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			out[k] = v
		}
		return out, nil
	case "mx":
		pairs, ok := e.([]any)
		if !ok {
			return nil, fmt.Errorf("bad dict %s", jsonKind(e))
		}
		out := make(map[string]any, len(pairs))
		for _, p := range pairs {
			kv, ok := p.([]any)
			if !ok || len(kv) != 2 {
				return nil, fmt.Errorf("bad dict item %s", jsonKind(p))
			}
			k, err := decodeString(kv[0])
			if err != nil {
				return nil, fmt.Errorf("dict key: %w", err)
			}
			v, err := decodeAny(kv[1])
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown tag %q", tag)
}

// jsonKind names the kind of a decoded JSON value for error messages.
func jsonKind(j any) string {
	switch x := j.(type) {
	case nil:
		return "null"
	case bool:
		return "a bool"
	case json.Number:
		return "the number " + string(x)
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", j)
}

// jsonText shows a small decoded JSON value, or its kind.
func jsonText(j any) string {
	switch x := j.(type) {
	case string:
		return strconv.Quote(x)
	case json.Number:
		return string(x)
	}
	return jsonKind(j)
}
