package config

import (
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Parity with Debian's gunicorn 20.1 for everything 20.1 shares with 23.0.

// gunicorn23Additions are the 23.0 settings that 20.1 lacks.
var gunicorn23Additions = []string{
	"logconfig_json", "ssl_context", "permit_obsolete_folding", "permit_unconventional_http_method",
	"permit_unconventional_http_version", "casefold_http_method", "forwarder_headers", "header_map",
}

// changedSince20 are shared settings whose default changed by 23.0
// (23.0 added ::1 to both IP lists).
var changedSince20 = map[string]bool{"forwarded_allow_ips": true, "proxy_allow_ips": true}

type pySetting struct {
	Name    string   `json:"name"`
	Section string   `json:"section"`
	CLI     []string `json:"cli"`
	Meta    *string  `json:"meta"`
	Action  *string  `json:"action"`
	Type    *string  `json:"type"`
	Line    string   `json:"line"`
}

func TestGunicorn20SettingsParity(t *testing.T) {
	var py []pySetting
	runPython(t, `
import json, sys
from gunicorn.config import Config
c = Config()
lines = dict(l.split(" = ", 1)[0].rstrip() and (l.split(" = ", 1)[0].rstrip(), l) for l in str(c).split("\n"))
out = []
for name, s in c.settings.items():
    out.append({"name": name, "section": s.section, "cli": s.cli or [], "meta": s.meta, "action": s.action,
                "type": getattr(s.type, "__name__", None), "line": lines[name]})
json.dump(out, sys.stdout)
`, nil, &py)

	c := mustParse(t, []string{"x"}, nil, nil)
	// default_proc_name is "gunicorn" before APP_MODULE sets it.
	c.values["default_proc_name"] = "gunicorn"
	ours := map[string]string{}
	for _, l := range strings.Split(c.PrintString(), "\n") {
		ours[strings.TrimRight(strings.SplitN(l, " = ", 2)[0], " ")] = l
	}
	// gunicorn pads to its own longest name; compare from " = ".
	value := func(l string) string { return l[strings.Index(l, " = "):] }

	pyNames := map[string]bool{}
	for _, p := range py {
		pyNames[p.Name] = true
		s := Lookup(p.Name)
		if s == nil {
			if p.Name != "tolerate_dangerous_framing" { // Debian's backport of a 22.0-only option
				t.Errorf("%s: in gunicorn 20.1, not in narwhal", p.Name)
			}
			continue
		}
		if s.Section != p.Section {
			t.Errorf("%s: section %q, gunicorn %q", p.Name, s.Section, p.Section)
		}
		if !reflect.DeepEqual(append([]string{}, s.Flags...), p.CLI) {
			t.Errorf("%s: flags %q, gunicorn %q", p.Name, s.Flags, p.CLI)
		}
		meta := ""
		if p.Meta != nil {
			meta = *p.Meta
		}
		if s.Meta != meta {
			t.Errorf("%s: meta %q, gunicorn %q", p.Name, s.Meta, meta)
		}
		action := "store"
		if p.Action != nil {
			action = *p.Action
		}
		if s.Action.String() != action {
			t.Errorf("%s: action %v, gunicorn %s", p.Name, s.Action, action)
		}
		argType := "str"
		if p.Type != nil && *p.Type != "callable" {
			argType = *p.Type
		}
		if s.ArgType.String() != argType {
			t.Errorf("%s: type %v, gunicorn %s", p.Name, s.ArgType, argType)
		}
		if s.Type == TypeDict || changedSince20[p.Name] {
			continue // dict order differs (Go maps); 23.0 changed these defaults
		}
		if value(ours[p.Name]) != value(p.Line) {
			t.Errorf("print-config:\n narwhal  %s\n gunicorn %s", ours[p.Name], p.Line)
		}
	}
	var extra []string
	for _, s := range Settings() {
		if !pyNames[s.Name] {
			extra = append(extra, s.Name)
		}
	}
	want := append(append([]string{}, gunicorn23Additions...), narwhalSettings...)
	sort.Strings(extra)
	sort.Strings(want)
	if !reflect.DeepEqual(extra, want) {
		t.Errorf("settings not in gunicorn 20.1: %q, want %q", extra, want)
	}
}

// argparse behaviour: the same argument lists through gunicorn 20.1's parser
// and narwhal's give the same values or the same error. The cases use only
// flags both know, avoiding prefixes that 23.0's or narwhal's new flags make
// ambiguous.
func TestGunicorn20ArgparseParity(t *testing.T) {
	cases := [][]string{
		{"app:app"},
		{"-w", "4", "app:app"},
		{"app:app", "-w4", "--threads=2", "--bind", "a:1", "-b", "b:2", "-e", "A=1"},
		{"app", "-w", "4", "extra"},
		{"-w4", "a", "b"},
		{"--work", "3"},
		{"--wo", "3"},
		{"--error-log", "x", "app"},
		{"--max-requests", "5", "--max-requests-j", "6"},
		{"--max-req", "5"},
		{"-Dw=4"},
		{"-Dw4"},
		{"-DR", "-w", "2"},
		{"-Dx"},
		{"-D="},
		{"-w", "-1"},
		{"-n", "-x"},
		{"-n", "-x y"},
		{"-n", "-1.5"},
		{"--pid", "--daemon"},
		{"--pid"},
		{"--reload=true"},
		{"--reload", "--preload", "--no-sendfile", "--reuse-port", "--initgroups", "--check-config"},
		{"--nope", "5", "app"},
		{"--nope=1", "-x", "app"},
		{"-w", "010"},
		{"-w", "0x1"},
		{"-w", " 4 "},
		{"-w", "4_0"},
		{"-w", "many"},
		{"-m", "022"},
		{"-m", "0x1F"},
		{"-m", "08"},
		{"-m", "abc"},
		{"--cert-reqs", "2"},
		{"--pa", "x"},
		{"--paste", "x.ini", "--paster=y.ini"},
		{"-b", "a", "-b", "b"},
		{"-e", "A=1", "--env=B=2", "-eC=3"},
		{"--", "-w"},
		{"-w", "2", "--", "app", "-x"},
		{"-v", "--nope"},
		{"--nope", "-v"},
		{"-w", "many", "-v"},
		{"-v", "--work"},
		{"-h"},
		{"--hel"}, // "--he" is ambiguous in 23.0 (--header-map)
		{"--log-file", "l", "--error-logfile=e"},
		{"--access-logformat", "-%(h)s"},
		{"--access-logformat=-%(h)s"},
		{"--access-logformat", "- %(h)s"},
		{"-c", "python:mod", "--chdir", "/tmp", "-k", "gevent", "-t", "0", "--log-level", "debug"},
		{"--limit-request-field_size", "0", "--limit-request-field-size", "1"},
		{"-"},
		{"-b"},
		{"--keep-alive=5", "--graceful-timeout", "9", "--backlog", "+7"},
	}
	type pyOut struct {
		Values map[string]any `json:"values"`
		Error  string         `json:"error"`
		Exit   int            `json:"exit"`
	}
	var want []pyOut
	runPython(t, `
import json, sys, io, contextlib
from gunicorn.config import Config
class Err(Exception): pass
out = []
for argv in json.load(sys.stdin):
    p = Config(prog="gunicorn").parser()
    def error(msg): raise Err(msg)
    p.error = error
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            a = p.parse_args(argv)
        out.append({"values": {k: v for k, v in vars(a).items() if v is not None}, "error": "", "exit": 0})
    except Err as e:
        out.append({"values": None, "error": str(e), "exit": 2})
    except SystemExit as e:
        out.append({"values": None, "error": "exit", "exit": e.code})
json.dump(out, sys.stdout)
`, cases, &want)

	for i, args := range cases {
		w := want[i]
		res, err := cliParser.parse(args, false)
		switch {
		case w.Exit == 0 && w.Error == "exit": // -h / -v
			if !errors.Is(err, ErrHelp) && !errors.Is(err, ErrVersion) {
				t.Errorf("%q: %v, gunicorn exits 0", args, err)
			}
		case w.Error != "":
			if err == nil || err.Error() != w.Error {
				t.Errorf("%q: error %v\n  gunicorn: %s", args, err, w.Error)
			}
		default:
			if err != nil {
				t.Errorf("%q: %v, gunicorn accepts: %v", args, err, w.Values)
				continue
			}
			got := map[string]any{"args": toJSONish(res.positionals)}
			for k, v := range res.values {
				got[k] = toJSONish(v)
			}
			if len(res.positionals) == 0 {
				got["args"] = []any{}
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(w.Values)
			if string(gj) != string(wj) {
				t.Errorf("%q:\n narwhal  %s\n gunicorn %s", args, gj, wj)
			}
		}
	}
}

// toJSONish converts a parsed value to what Python's json would produce.
func toJSONish(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
