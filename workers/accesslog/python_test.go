package accesslog

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"math/rand"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The differential tests render the same records with gunicorn's own
// Logger.atoms and SafeAtoms (testdata/gunicorn_atoms.py, run by Debian's
// python3 with Debian's gunicorn) and with Format.Append, and require the
// same bytes, or an error on both sides.

// testZone is a fixed zone with a non-hour offset, so %z is really checked.
// Python gets the same zone through TZ (POSIX: the sign is inverted).
var testZone = time.FixedZone("ABC", 5*3600+30*60)

const testTZ = "ABC-05:30"

func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// fullEnviron is the environ gunicorn builds for r (http/wsgi.py create()),
// plus extra: what a worker would hand over in Record.Env for {var}e. Values
// are the UTF-8 text of Python's latin-1 strings.
func fullEnviron(r *Record, extra []Field) []Field {
	env := []Field{
		{[]byte("REQUEST_METHOD"), []byte(latin1(r.Method))},
		{[]byte("RAW_URI"), []byte(latin1(r.RawURI))},
		{[]byte("SERVER_PROTOCOL"), []byte(latin1(r.Protocol))},
		{[]byte("PATH_INFO"), []byte(latin1(r.PathInfo))},
		{[]byte("QUERY_STRING"), []byte(latin1(r.Query))},
		{[]byte("REMOTE_ADDR"), []byte(latin1(r.RemoteAddr))},
	}
	index := map[string]int{}
	for _, h := range r.ReqHeaders {
		name := strings.ToUpper(string(h.Name))
		if name == "CONTENT-TYPE" || name == "CONTENT-LENGTH" {
			continue
		}
		key := "HTTP_" + strings.ReplaceAll(name, "-", "_")
		if i, ok := index[key]; ok {
			env[i].Value = append(append(env[i].Value, ','), latin1(h.Value)...)
			continue
		}
		index[key] = len(env)
		env = append(env, Field{[]byte(key), []byte(latin1(h.Value))})
	}
	return append(env, extra...)
}

type pyRecord struct {
	Status      string      `json:"status"`
	Sent        int64       `json:"sent"`
	RespHeaders [][2]string `json:"resp_headers"`
	ReqHeaders  [][2]string `json:"req_headers"`
	Method      string      `json:"method"`
	RawURI      string      `json:"raw_uri"`
	Protocol    string      `json:"protocol"`
	PathInfo    string      `json:"path_info"`
	Query       string      `json:"query"`
	RemoteAddr  string      `json:"remote_addr"`
	Env         [][2]string `json:"env"`
	Unix        int64       `json:"unix"`
	Micros      int64       `json:"micros"`
	Pid         int         `json:"pid"`
}

type pyResult struct {
	Out   *string `json:"out"`
	Error string  `json:"error"`
}

// gunicornRender runs the Python side for every record × format.
func gunicornRender(t *testing.T, formats []string, recs []*Record, extras [][]Field) [][]pyResult {
	t.Helper()
	python := gunicornPython(t)
	in := struct {
		Formats []string   `json:"formats"`
		Records []pyRecord `json:"records"`
	}{Formats: formats}
	for i, r := range recs {
		p := pyRecord{
			Status: latin1(r.Status), Sent: r.Sent,
			Method: latin1(r.Method), RawURI: latin1(r.RawURI), Protocol: latin1(r.Protocol),
			PathInfo: latin1(r.PathInfo), Query: latin1(r.Query), RemoteAddr: latin1(r.RemoteAddr),
			Unix: r.Time.Unix(), Micros: int64(r.Duration / time.Microsecond), Pid: r.Pid,
			ReqHeaders: [][2]string{}, RespHeaders: [][2]string{}, Env: [][2]string{},
		}
		for _, h := range r.ReqHeaders {
			p.ReqHeaders = append(p.ReqHeaders, [2]string{latin1(h.Name), latin1(h.Value)})
		}
		for _, h := range r.RespHeaders {
			p.RespHeaders = append(p.RespHeaders, [2]string{latin1(h.Name), latin1(h.Value)})
		}
		for _, e := range extras[i] {
			p.Env = append(p.Env, [2]string{string(e.Name), string(e.Value)})
		}
		in.Records = append(in.Records, p)
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "testdata/gunicorn_atoms.py")
	cmd.Env = []string{"TZ=" + testTZ, "PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8"}
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("gunicorn_atoms.py: %v\n%s", err, stderr.String())
	}
	var out [][]pyResult
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("gunicorn_atoms.py output: %v", err)
	}
	return out
}

// gunicornPython is Debian's python3 if it can import gunicorn.
func gunicornPython(t *testing.T) string {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import gunicorn.glogging").Run(); err != nil {
		t.Skipf("skipping: %s cannot import gunicorn (install Debian's python3-gunicorn): %v", python, err)
	}
	return python
}

// deliberate reports whether err is one of the formats narwhal refuses
// although Python formats them (see Compile).
func deliberate(err error) bool {
	fe, ok := err.(*FormatError)
	return ok && (strings.Contains(fe.Reason, "narwhal") || strings.Contains(fe.Reason, "without a (name)"))
}

func h(name, value string) Field { return Field{[]byte(name), []byte(value)} }

// differentialRecords covers the atoms' corner cases.
func differentialRecords() ([]*Record, [][]Field) {
	at := time.Unix(1700000000, 0).In(testZone)
	recs := []*Record{{
		RemoteAddr: []byte("203.0.113.7"), Method: []byte("GET"),
		RawURI: []byte("/caf%C3%A9/x?q=1&r=%22z%22"), PathInfo: []byte("/caf\xc3\xa9/x"),
		Query: []byte("q=1&r=%22z%22"), Protocol: []byte("HTTP/1.1"),
		Status: []byte("200 OK"), Code: 200, Sent: 1234,
		ReqHeaders: []Field{h("Host", "example.com"), h("User-Agent", `curl/8 "quoted"`),
			h("Referer", "http://example.com/from"), h("Authorization", "Basic dXNlcjpwYXNz"),
			h("X-Dup", "1"), h("x-dup", "2"), h("X-Latin", "caf\xe9 \xa0\xad\xff")},
		RespHeaders: []Field{h("Content-Type", "text/plain"), h("Content-Length", "1234"),
			h("X-Resp", `say "hi"`), h("X-Dup", "a"), h("X-Dup", "b")},
		Time: at, Duration: 1234567 * time.Microsecond, Pid: 4242,
	}, {
		RemoteAddr: []byte(""), Method: []byte("HEAD"), RawURI: []byte("*"), PathInfo: []byte(""),
		Protocol: []byte("HTTP/1.0"), Status: []byte("204 No Content"), Code: 204,
		Time: at.Add(36 * 24 * time.Hour), Duration: (90061*1_000_000 + 1) * time.Microsecond, Pid: 1,
	}, {
		RemoteAddr: []byte("::1"), Method: []byte("POST"), RawURI: []byte("http://h/p'q\"r"),
		PathInfo: []byte("/p'q\"r"), Protocol: []byte("HTTP/1.1"),
		Status: []byte(" \t404   Not Found"), Code: 404, Sent: 99999999999,
		ReqHeaders: []Field{h("AUTHORIZATION", "basic "+base64.StdEncoding.EncodeToString([]byte("jös\"é:pw:x"))),
			h("User-Agent", "a\tb"), h("user-agent", "c\\d\x01\x7f'"),
			h("Referer", "it's")},
		Time: at.Add(-200 * 24 * time.Hour), Duration: 999 * time.Microsecond, Pid: 99999,
	}, {
		RemoteAddr: []byte("10.0.0.1"), Method: []byte("GET"), RawURI: []byte("/"), PathInfo: []byte("/"),
		Protocol: []byte("HTTP/1.1"), Status: []byte("500"), Code: 500,
		ReqHeaders: []Field{h("Authorization", "Basic dXNl"), h("Authorization", "cjpwYXNz"),
			h("Referer", ""), h("X-Both", `'"`)},
		Time: at, Duration: 59*time.Second + 999999*time.Microsecond, Pid: 7,
	}}
	extras := [][]Field{
		{h("wsgi.url_scheme", "http"), h("narwhal.note", "ünï \"q\" \u2028 😀")},
		{h("wsgi.url_scheme", "https")},
		nil,
		{h("Mixed.Case", "m")},
	}
	for i, r := range recs {
		r.Env = fullEnviron(r, extras[i])
	}
	return recs, extras
}

var differentialFormats = []string{
	DefaultFormat,
	`%(h)s|%(l)s|%(u)s|%(t)s|%(r)s|%(s)s|%(m)s|%(U)s|%(q)s|%(H)s|%(b)s|%(B)s|%(f)s|%(a)s|%(T)s|%(M)s|%(D)s|%(L)s|%(p)s`,
	`%({x-dup}i)s %({X-DUP}I)s %({x-dup}o)s %({x-resp}o)s %({content-length}o)s %({missing}i)s %({date}o)s`,
	`%({request_method}e)s %({HTTP_USER_AGENT}e)s %({wsgi.url_scheme}e)s %({narwhal.note}e)s %({mixed.case}e)s %({nope}e)s`,
	`%(h)r %(u)r %(f)r %(a)r %({x-latin}i)r %({x-latin}i)a %({narwhal.note}e)r %({narwhal.note}e)a %({x-both}i)r %(U)a`,
	`%(B)d %(B)5d %(B)-5d| %(B)05d %(B)+d %(B) d %(B).8d %(B)x %(B)#X %(B)#o %(B)#012x %(B)-#8x| %(T)i %(D)u %(M)d`,
	`%(T)+05d %(T) 5d %(T)-+5d| %(T)#5x %(T)#.3x %(T).0d %(M)#-08o| %(B)r %(B)a %(B).2s %(B)05s %(B)+s`,
	`%(a).5s|%(a)20s|%(a)-20s|%(a)20.3s|%(u)3.1s|%(t).1s|%(r)-40r|%({narwhal.note}e)12.4s|%({narwhal.note}e).3r`,
	`%(zz)s %()s %(a(b)c)s %({a}x)s %({}i)s %(X)s %(hh)s %(H)20s`,
	`100%% %(s)s%%`,
	`%(h)hs %(h)ls %(h)Ls`,
	`no atoms at all`,
	``,
	`%(s)d`, `%(h)i`, `%(zz)d`, `%({x-dup}i)x`, `%(h`, `%(h)`, `%(h)5`, `%(h).`, `%(h)5.`, `%`, `x%`,
	`%(h)z`, `%(h)%`, `%-%`, `%5%`, `%(h)lls`, `%(h)*s`, `%(h).*s`, `%(a(b)s`,
	`%s`, `%(h)s %s`, `%-s`, `%(B)f`, `%(B)e`, `%(B)g`, `%(l)c`, `%(h)5000s`,
}

func TestDifferentialAgainstGunicorn(t *testing.T) {
	formats := append([]string(nil), differentialFormats...)
	formats = append(formats, randomFormats(rand.New(rand.NewSource(1)), 3000)...)
	recs, extras := differentialRecords()
	want := gunicornRender(t, formats, recs, extras)
	mismatches, compared, bothErr, refused := 0, 0, 0, 0
	for fi, format := range formats {
		f, err := Compile(format)
		for ri, r := range recs {
			py := want[ri][fi]
			switch {
			case err != nil && py.Out == nil:
				bothErr++
			case err != nil && deliberate(err):
				refused++
			case err != nil:
				t.Errorf("Compile(%q) = %v; gunicorn wrote %q", format, err, *py.Out)
			case py.Out == nil:
				t.Errorf("Compile(%q) succeeded; gunicorn raised %s", format, py.Error)
			default:
				compared++
				if got := string(f.Append(nil, r)); got != *py.Out {
					t.Errorf("record %d, format %q:\n got %q\nwant %q", ri, format, got, *py.Out)
				}
			}
			if t.Failed() {
				if mismatches++; mismatches > 20 {
					t.Fatal("too many mismatches")
				}
			}
		}
	}
	t.Logf("%d lines identical, %d errors on both sides, %d deliberately refused", compared, bothErr, refused)
}

// randomFormats builds format strings from the grammar of Python's %
// operator. Most conversions are valid for their key (numeric ones on the
// int atoms), so most lines are compared, not just errors.
func randomFormats(rng *rand.Rand, n int) []string {
	keys := []string{"h", "l", "u", "t", "r", "s", "m", "U", "q", "H", "b", "f", "a", "L", "p",
		"{x-dup}i", "{X-Resp}O", "{user-agent}i", "{x-latin}i", "{wsgi.url_scheme}e", "{narwhal.note}e",
		"{missing}o", "zz", "", "(x)", "{x-both}i"}
	numeric := []string{"B", "T", "M", "D"}
	pick := func(s string) byte { return s[rng.Intn(len(s))] }
	var out []string
	for len(out) < n {
		var b strings.Builder
		for parts := rng.Intn(4) + 1; parts > 0; parts-- {
			if rng.Intn(3) == 0 {
				b.WriteString([]string{" ", "|", `"`, "é", "%%", "ab"}[rng.Intn(6)])
			}
			b.WriteByte('%')
			isNum := rng.Intn(3) == 0
			switch {
			case rng.Intn(40) == 0:
			case isNum:
				b.WriteString("(" + numeric[rng.Intn(len(numeric))] + ")")
			default:
				b.WriteString("(" + keys[rng.Intn(len(keys))] + ")")
			}
			for i := rng.Intn(3); i > 0; i-- {
				b.WriteByte(pick("-+ #0"))
			}
			if rng.Intn(2) == 0 {
				b.WriteString([]string{"1", "5", "12", "30", "0", "09"}[rng.Intn(6)])
			}
			if rng.Intn(3) == 0 {
				b.WriteString([]string{".", ".0", ".2", ".10", ".1"}[rng.Intn(5)])
			}
			if rng.Intn(20) == 0 {
				b.WriteByte(pick("hlL"))
			}
			switch {
			case rng.Intn(25) == 0:
				b.WriteByte(pick("zfc%dx*"))
			case isNum:
				b.WriteByte(pick("diuxXosra"))
			default:
				b.WriteByte(pick("sssssra"))
			}
		}
		s := b.String()
		if rng.Intn(15) == 0 {
			// A config value is a Python str: cut at a character boundary.
			s = strings.ToValidUTF8(s[:rng.Intn(len(s)+1)], "")
		}
		out = append(out, s)
	}
	return out
}

// TestUserDifferential throws Authorization values at gunicorn 23's
// _get_user (base64 in non-strict mode, UTF-8, the ':' split).
func TestUserDifferential(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	prefixes := []string{"Basic ", "basic ", "BASIC  ", "Basic", "Basicx ", "Bearer ", "Basi", "", "Basic\t", "Basic ,"}
	var recs []*Record
	var extras [][]Field
	for i := 0; i < 3000; i++ {
		// A credential, sometimes without a colon or with invalid UTF-8,
		// base64-encoded and then often damaged.
		cred := []byte{}
		for j := rng.Intn(8); j > 0; j-- {
			chars := []string{"a", "b", "c", ":", "é", "\"", "\xff", "\x00", " "}
			cred = append(cred, chars[rng.Intn(len(chars))]...)
		}
		v := []byte(base64.StdEncoding.EncodeToString(cred))
		for j := rng.Intn(4); j > 0; j-- {
			const noise = "QWx=====  ,\xe9\n+/"
			k := rng.Intn(len(v) + 1)
			switch rng.Intn(3) {
			case 0: // insert
				v = append(v[:k], append([]byte{noise[rng.Intn(len(noise))]}, v[k:]...)...)
			case 1: // delete
				if k < len(v) {
					v = append(v[:k], v[k+1:]...)
				}
			default: // truncate
				v = v[:k]
			}
		}
		prefix := prefixes[0]
		if rng.Intn(3) == 0 {
			prefix = prefixes[rng.Intn(len(prefixes))]
		}
		r := &Record{Status: []byte("200 OK"), Time: time.Unix(0, 0).In(testZone)}
		r.ReqHeaders = append(r.ReqHeaders, Field{[]byte("Authorization"), append([]byte(prefix), v...)})
		if rng.Intn(8) == 0 {
			r.ReqHeaders = append(r.ReqHeaders, Field{[]byte("authorization"), []byte("Y2Q=")})
		}
		recs, extras = append(recs, r), append(extras, nil)
	}
	formats := []string{`%(u)s`, `%(u)r`}
	want := gunicornRender(t, formats, recs, extras)
	users := 0
	for _, row := range want {
		if row[0].Out != nil && *row[0].Out != "-" {
			users++
		}
	}
	t.Logf("%d of %d Authorization values give a user", users, len(recs))
	for fi, format := range formats {
		f, err := Compile(format)
		if err != nil {
			t.Fatal(err)
		}
		for ri, r := range recs {
			if got := string(f.Append(nil, r)); want[ri][fi].Out == nil || got != *want[ri][fi].Out {
				t.Errorf("Authorization %q, %s: got %q, gunicorn %+v", r.ReqHeaders, format, got, want[ri][fi])
			}
		}
	}
}
