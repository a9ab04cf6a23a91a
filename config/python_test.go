package config

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Debian's python3 and gunicorn 20.1 serve as references for the Python
// semantics narwhal reproduces. Tests using them skip when they are missing.
const refPython = "/usr/bin/python3"

// runPython runs script with input as JSON on stdin and decodes its JSON
// stdout into out. The environment is cleared of the variables gunicorn
// reads at import time.
func runPython(t *testing.T, script string, input, out any) {
	t.Helper()
	if _, err := os.Stat(refPython); err != nil {
		t.Skip("no " + refPython)
	}
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(refPython, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "GUNICORN_CMD_ARGS", "SENDFILE", "PYTHONPATH":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "No module named 'gunicorn'") {
			t.Skip("Debian's gunicorn is not installed")
		}
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("python output: %v\n%s", err, stdout)
	}
}

// pyResult is a Python computation's result or the text of its exception.
type pyResult struct {
	Val any    `json:"val"`
	Err string `json:"err"`
}

const pyHarness = `
import json, sys, shlex, re
def auto_int(x):
    if re.match(r'0(\d)', x, re.IGNORECASE):
        x = x.replace('0', '0o', 1)
    return int(x, 0)
def run(f, x):
    try:
        return {"val": f(x), "err": ""}
    except Exception as e:
        return {"val": None, "err": str(e)}
`

func TestPythonIntParsing(t *testing.T) {
	inputs := []string{"4", " 4 ", "+4", "-4", "010", "0", "00", "0_0", "4_000", "4__0", "_4", "4_",
		"0x1f", "0X1F", "0x_1f", "0o17", "0b101", "0b2", "08", "022", "0022", "many", "", " ", "1e3",
		"4.0", "\t7\n", "99999999999999999999", "-0", "0x", "--1", "+-1", "1 2"}
	var want map[string][3]pyResult
	runPython(t, pyHarness+`
out = {}
for s in json.load(sys.stdin):
    out[s] = [run(int, s), run(lambda x: int(x, 0), s), run(auto_int, s)]
json.dump(out, sys.stdout)
`, inputs, &want)
	for _, s := range inputs {
		got := [3]func() (int64, error){
			func() (int64, error) { return pyInt(s, 10) },
			func() (int64, error) { return pyInt(s, 0) },
			func() (int64, error) { return pyAutoInt(s) },
		}
		for i, f := range got {
			n, err := f()
			w := want[s][i]
			if strings.Contains(w.Err, "out of range") || s == "99999999999999999999" {
				if err == nil {
					t.Errorf("%q #%d: want an error for a huge value", s, i)
				}
				continue
			}
			if (err != nil) != (w.Err != "") {
				t.Errorf("%q #%d: got %d, %v; python %v %q", s, i, n, err, w.Val, w.Err)
				continue
			}
			if err != nil {
				if err.Error() != w.Err && i < 2 {
					t.Errorf("%q #%d: message %q, python %q", s, i, err, w.Err)
				}
				continue
			}
			if float64(n) != w.Val.(float64) {
				t.Errorf("%q #%d: %d, python %v", s, i, n, w.Val)
			}
		}
	}
}

func TestPythonShlex(t *testing.T) {
	inputs := []string{`a b  c`, `'a b' "c d"`, `a\ b`, `"a\"b"`, `"a\b"`, `'a\b'`, `a'b'c`, `''`, `a '' b`,
		`"$HOME" \$x`, `--x="1 2" -y '3'`, "a\tb\nc", `#notcomment`, `"unclosed`, `trailing\`, `'un`, `""a`,
		`\\`, `"\\"`, `é 'ü'`}
	var want map[string]pyResult
	runPython(t, pyHarness+`
json.dump({s: run(shlex.split, s) for s in json.load(sys.stdin)}, sys.stdout)
`, inputs, &want)
	for _, s := range inputs {
		got, err := shlexSplit(s)
		w := want[s]
		if w.Err != "" {
			if err == nil || err.Error() != w.Err {
				t.Errorf("%q: got %q, %v; python error %q", s, got, err, w.Err)
			}
			continue
		}
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(w.Val)
		if err != nil || (string(gotJSON) != string(wantJSON) && !(len(got) == 0 && string(wantJSON) == "[]")) {
			t.Errorf("%q: got %s, %v; python %s", s, gotJSON, err, wantJSON)
		}
	}
}

func TestPythonReprAndFloat(t *testing.T) {
	strs := []string{"plain", "it's", `say "hi"`, `both ' and "`, "back\\slash", "tab\tnl\ncr\r", "\x00\x1f\x7f",
		"é ü", "\u00a0nbsp", "\u200b", "emoji 🦭", "%(h)s"}
	floats := []float64{0, 1.5, 2, 0.1, 1e16, 1e-5, 123456789.125, 1e15, 0.0001, 3.0e-4}
	var want struct {
		Strs   []string `json:"strs"`
		Floats []string `json:"floats"`
	}
	runPython(t, `
import json, sys
d = json.load(sys.stdin)
json.dump({"strs": [repr(s) for s in d["strs"]], "floats": [repr(float(f)) for f in d["floats"]]}, sys.stdout)
`, map[string]any{"strs": strs, "floats": floats}, &want)
	for i, s := range strs {
		if got := pyReprString(s); got != want.Strs[i] {
			t.Errorf("repr(%q) = %s, python %s", s, got, want.Strs[i])
		}
	}
	for i, f := range floats {
		if got := pyReprFloat(f); got != want.Floats[i] {
			t.Errorf("repr(%v) = %s, python %s", f, got, want.Floats[i])
		}
	}
}

func TestPythonParseAddress(t *testing.T) {
	inputs := []string{"127.0.0.1:8000", "localhost", "LOCALHOST:80", "[::1]:8000", "[::1]", ":80", "",
		"unix:/tmp/x.sock", "unix:///tmp/x.sock", "unix:", "fd://3", "fd://x", "tcp://1.2.3.4:5",
		"host:http", "a:1:2", "0.0.0.0: 81", "[fe80::1%eth0]:1"}
	var want map[string]pyResult
	runPython(t, pyHarness+`
from gunicorn.util import parse_address
json.dump({s: run(parse_address, s) for s in json.load(sys.stdin)}, sys.stdout)
`, inputs, &want)
	for _, s := range inputs {
		a, err := ParseAddress(s)
		w := want[s]
		if w.Err != "" {
			if err == nil || err.Error() != w.Err {
				t.Errorf("%q: got %+v, %v; python error %q", s, a, err, w.Err)
			}
			continue
		}
		var got any
		switch a.Network {
		case "unix":
			got = a.Path
		case "fd":
			got = float64(a.FD)
		default:
			got = []any{a.Host, float64(a.Port)}
		}
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(w.Val)
		if err != nil || string(gotJSON) != string(wantJSON) {
			t.Errorf("%q: got %s, %v; python %s", s, gotJSON, err, wantJSON)
		}
	}
}
