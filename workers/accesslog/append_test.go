package accesslog

import (
	"encoding/base64"
	"testing"
	"time"
)

// sample is a typical request: every atom has a value.
func sample() *Record {
	return &Record{
		RemoteAddr: []byte("192.0.2.10"),
		Method:     []byte("GET"),
		RawURI:     []byte("/search/caf%C3%A9?q=go&page=2"),
		PathInfo:   []byte("/search/caf\xc3\xa9"),
		Query:      []byte("q=go&page=2"),
		Protocol:   []byte("HTTP/1.1"),
		Status:     []byte("200 OK"),
		Code:       200,
		Sent:       5120,
		ReqHeaders: []Field{
			h("Host", "example.com"),
			h("User-Agent", "Mozilla/5.0"),
			h("Referer", "https://example.com/"),
			h("Authorization", "Basic YWxpY2U6c2VjcmV0"), // alice:secret
			h("X-Request-Id", "abc-123"),
		},
		RespHeaders: []Field{h("Content-Type", "text/html"), h("Content-Length", "5120"), h("X-Cache", "HIT")},
		Env:         []Field{h("wsgi.url_scheme", "https"), h("REMOTE_USER", "alice")},
		Time:        time.Date(2000, time.October, 10, 13, 55, 36, 0, time.FixedZone("", -7*3600)),
		Duration:    1500*time.Millisecond + 250*time.Microsecond,
		Pid:         4321,
	}
}

func render(t *testing.T, format string, r *Record) string {
	t.Helper()
	f, err := Compile(format)
	if err != nil {
		t.Fatalf("Compile(%q): %v", format, err)
	}
	return string(f.Append(nil, r))
}

func TestAtoms(t *testing.T) {
	tests := []struct {
		name, format, want string
	}{
		{"h remote address", "%(h)s", "192.0.2.10"},
		{"l is always a dash", "%(l)s", "-"},
		{"u basic-auth user", "%(u)s", "alice"},
		{"t clf date", "%(t)s", "[10/Oct/2000:13:55:36 -0700]"},
		{"r request line from RAW_URI", "%(r)s", "GET /search/caf%C3%A9?q=go&page=2 HTTP/1.1"},
		{"s status code", "%(s)s", "200"},
		{"m method", "%(m)s", "GET"},
		{"U PATH_INFO, latin-1 as UTF-8", "%(U)s", "/search/cafÃ©"},
		{"q query", "%(q)s", "q=go&page=2"},
		{"H protocol", "%(H)s", "HTTP/1.1"},
		{"b length", "%(b)s", "5120"},
		{"B length", "%(B)s", "5120"},
		{"f referer", "%(f)s", "https://example.com/"},
		{"a user agent", "%(a)s", "Mozilla/5.0"},
		{"T seconds", "%(T)s", "1"},
		{"M milliseconds", "%(M)s", "1500"},
		{"D microseconds", "%(D)s", "1500250"},
		{"L decimal seconds", "%(L)s", "1.500250"},
		{"p pid", "%(p)s", "<4321>"},
		{"request header", "%({x-request-id}i)s", "abc-123"},
		{"request header, any case", "%({X-REQUEST-ID}I)s", "abc-123"},
		{"response header", "%({x-cache}o)s", "HIT"},
		{"content-length is a response header", "%({Content-Length}o)s", "5120"},
		{"environ", "%({wsgi.url_scheme}e)s", "https"},
		{"environ, any case", "%({remote_user}E)s", "alice"},
		{"default format", DefaultFormat,
			`192.0.2.10 - alice [10/Oct/2000:13:55:36 -0700] "GET /search/caf%C3%A9?q=go&page=2 HTTP/1.1" 200 5120 "https://example.com/" "Mozilla/5.0"`},
		{"literal percent", "100%% %(s)s", "100% 200"},
		{"no atoms", "plain text", "plain text"},
		{"empty format", "", ""},
	}
	r := sample()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, tt.format, r); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.format, got, tt.want)
			}
		})
	}
}

func TestMissingValuesAreDashes(t *testing.T) {
	r := &Record{Status: []byte("404 Not Found"), Time: time.Unix(0, 0).UTC()}
	tests := []struct{ name, format, want string }{
		{"absent request header", "%({x-request-id}i)s", "-"},
		{"absent response header", "%({x-cache}o)s", "-"},
		{"server headers are not logged", "%({date}o)s %({server}o)s", "- -"},
		{"absent environ key", "%({wsgi.url_scheme}e)s", "-"},
		{"no referer", "%(f)s", "-"},
		{"no user agent", "%(a)s", "-"},
		{"no authorization", "%(u)s", "-"},
		{"unknown letter", "%(x)s", "-"},
		{"letters are case-sensitive", "%(S)s", "-"},
		{"unknown word", "%(host)s", "-"},
		{"empty key", "%()s", "-"},
		{"braces without a suffix", "%({host})s", "-"},
		{"unknown suffix", "%({host}x)s", "-"},
		// A header present with an empty value is "", not "-".
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, tt.format, r); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.format, got, tt.want)
			}
		})
	}
	r.ReqHeaders = []Field{h("Referer", ""), h("X-Empty", "")}
	if got := render(t, "%(f)s|%({x-empty}i)s", r); got != "|" {
		t.Errorf("empty header values: got %q, want %q", got, "|")
	}
}

func TestEscaping(t *testing.T) {
	r := sample()
	r.ReqHeaders = []Field{
		h("User-Agent", `Evil "agent" \ ok`),
		h("Referer", `"`),
		h("X-Latin", "caf\xe9"),
		h("X-UTF8", "caf\xc3\xa9"),
		h("Authorization", "Basic "+b64(`bob"by:pw`)),
	}
	r.RespHeaders = []Field{h("X-Q", `a"b`)}
	r.Env = []Field{h("note", `ünï "q"`)}
	r.RawURI = []byte(`/p"q`)
	r.Status = []byte(`200 "OK"`)
	tests := []struct{ name, format, want string }{
		{"quotes in user agent", "%(a)s", `Evil \"agent\" \ ok`},
		{"lone quote", "%(f)s", `\"`},
		{"request line", "%(r)s", `GET /p\"q HTTP/1.1`},
		{"response header", "%({x-q}o)s", `a\"b`},
		{"environ UTF-8 kept", "%({note}e)s", `ünï \"q\"`},
		{"user", "%(u)s", `bob\"by`},
		{"latin-1 header byte becomes UTF-8", "%({x-latin}i)s", "café"},
		{"UTF-8 header bytes are read as latin-1", "%({x-utf8}i)s", "cafÃ©"},
		{"repr of an escaped value", "%(a)r", `'Evil \\"agent\\" \\ ok'`},
		{"ascii of a latin-1 value", "%({x-latin}i)a", `'caf\xe9'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, tt.format, r); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.format, got, tt.want)
			}
		})
	}
}

func TestRepeatedHeaders(t *testing.T) {
	r := sample()
	r.ReqHeaders = []Field{
		h("X-Forwarded-For", "10.0.0.1"), h("x-forwarded-for", "10.0.0.2"),
		h("User-Agent", "a"), h("USER-AGENT", "b"),
		h("Referer", "r1"), h("Referer", "r2"),
	}
	r.RespHeaders = []Field{h("Set-Cookie", "a=1"), h("Set-Cookie", "b=2")}
	tests := []struct{ name, format, want string }{
		// gunicorn builds {name}i with a dict comprehension: last wins.
		{"request header: last value", "%({x-forwarded-for}i)s", "10.0.0.2"},
		{"response header: last value", "%({set-cookie}o)s", "b=2"},
		// f and a come from the environ, where repeats are joined.
		{"user agent: joined", "%(a)s", "a,b"},
		{"referer: joined", "%(f)s", "r1,r2"},
		{"the same header as {}i", "%({user-agent}i)s", "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, tt.format, r); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.format, got, tt.want)
			}
		})
	}
}

func TestBasicAuthUser(t *testing.T) {
	tests := []struct {
		name   string
		values []string // Authorization headers
		want   string
	}{
		{"user and password", []string{"Basic " + b64("alice:secret")}, "alice"},
		{"scheme is case-insensitive", []string{"bAsIc " + b64("alice:secret")}, "alice"},
		{"no colon: the whole credential (gunicorn 21+)", []string{"Basic " + b64("alice")}, "alice"},
		{"password with colons", []string{"Basic " + b64("alice:a:b")}, "alice"},
		{"empty user", []string{"Basic " + b64(":secret")}, "-"},
		{"UTF-8 user", []string{"Basic " + b64("jörg:pw")}, "jörg"},
		{"invalid UTF-8 user", []string{"Basic " + b64("j\xf6rg:pw")}, "-"},
		{"invalid UTF-8 password is fine", []string{"Basic " + b64("alice:\xff")}, "alice"},
		{"bearer token", []string{"Bearer abc.def"}, "-"},
		{"no space after the scheme", []string{"Basic"}, "-"},
		{"junk between base64 characters is skipped", []string{"Basic YWxp!Y2U6c2VjcmV0"}, "alice"},
		{"missing padding", []string{"Basic YWxpY2U"}, "-"},
		{"data after padding is ignored", []string{"Basic YWxpY2U=garbage"}, "alice"},
		{"one dangling character", []string{"Basic YWxpY2U6c2VjcmV0Y"}, "-"},
		{"repeated header: values joined with a comma", []string{"Basic YWxp", "Y2U6c2VjcmV0"}, "alice"},
		{"second header only joins", []string{"Bearer x", "Basic " + b64("alice:pw")}, "-"},
		{"extra spaces", []string{"Basic   " + b64("alice:pw") + "  "}, "alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Record{Status: []byte("200 OK")}
			for _, v := range tt.values {
				r.ReqHeaders = append(r.ReqHeaders, h("Authorization", v))
			}
			if got := render(t, "%(u)s", r); got != tt.want {
				t.Errorf("Authorization %q: got %q, want %q", tt.values, got, tt.want)
			}
		})
	}
}

func TestSentBytes(t *testing.T) {
	tests := []struct {
		name string
		sent int64
		want string
	}{
		// gunicorn's Response starts with sent = 0, so b is "0", never the
		// CLF "-", even for an empty body.
		{"empty body", 0, "0 0"},
		{"body", 17, "17 17"},
		{"large", 1 << 40, "1099511627776 1099511627776"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Record{Status: []byte("204 No Content"), Sent: tt.sent}
			if got := render(t, "%(b)s %(B)s", r); got != tt.want {
				t.Errorf("sent %d: got %q, want %q", tt.sent, got, tt.want)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name   string
		status string
		code   int
		want   string
	}{
		{"code and reason", "200 OK", 200, "200"},
		{"code only", "503", 503, "503"},
		{"leading whitespace", " \t404  Not Found", 404, "404"},
		{"first word, whatever it is", "0200 OK", 200, "0200"},
		{"no status text: the code", "", 502, "502"},
		{"blank status text: the code", "   ", 502, "502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Record{Status: []byte(tt.status), Code: tt.code}
			if got := render(t, "%(s)s", r); got != tt.want {
				t.Errorf("status %q: got %q, want %q", tt.status, got, tt.want)
			}
		})
	}
}

func TestTimeAtoms(t *testing.T) {
	tests := []struct {
		name     string
		at       time.Time
		duration time.Duration
		want     string
	}{
		{"utc", time.Date(2024, time.January, 2, 3, 4, 5, 0, time.UTC), 0,
			"[02/Jan/2024:03:04:05 +0000] 0 0 0 0.000000"},
		{"half-hour zone", time.Date(2024, time.December, 31, 23, 59, 59, 999, time.FixedZone("", 5*3600+1800)), time.Microsecond,
			"[31/Dec/2024:23:59:59 +0530] 0 0 1 0.000001"},
		{"negative zone", time.Date(1999, time.July, 4, 0, 0, 0, 0, time.FixedZone("", -(9*3600+30*60))), 999 * time.Microsecond,
			"[04/Jul/1999:00:00:00 -0930] 0 0 999 0.000999"},
		{"sub-microsecond is truncated", time.Unix(0, 0).UTC(), 1999 * time.Nanosecond,
			"[01/Jan/1970:00:00:00 +0000] 0 0 1 0.000001"},
		{"milliseconds truncate", time.Unix(0, 0).UTC(), 2*time.Second + 999999*time.Microsecond,
			"[01/Jan/1970:00:00:00 +0000] 2 2999 2999999 2.999999"},
		// timedelta.seconds drops whole days.
		{"a day and a second", time.Unix(0, 0).UTC(), 24*time.Hour + time.Second + 5*time.Microsecond,
			"[01/Jan/1970:00:00:00 +0000] 1 1000 1000005 1.000005"},
		{"negative duration counts as zero", time.Unix(0, 0).UTC(), -time.Second,
			"[01/Jan/1970:00:00:00 +0000] 0 0 0 0.000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Record{Status: []byte("200 OK"), Time: tt.at, Duration: tt.duration}
			if got := render(t, "%(t)s %(T)s %(M)s %(D)s %(L)s", r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConversions(t *testing.T) {
	r := sample()
	r.Sent = 42
	tests := []struct{ name, format, want string }{
		{"width", "[%(m)6s]", "[   GET]"},
		{"left-justified", "[%(m)-6s]", "[GET   ]"},
		{"precision truncates characters", "[%(U).12s]", "[/search/cafÃ]"},
		{"zero flag ignored for strings", "[%(m)06s]", "[   GET]"},
		{"repr", "%(m)r", "'GET'"},
		{"repr uses double quotes around a single quote", "%(q)r", "'q=go&page=2'"},
		{"int as string", "%(B)s", "42"},
		{"int", "%(B)d", "42"},
		{"zero-padded", "%(B)05d", "00042"},
		{"signed", "%(B)+d", "+42"},
		{"hex", "%(B)#x", "0x2a"},
		{"octal", "%(B)o", "52"},
		{"precision on ints pads digits", "%(B).4i", "0042"},
		{"length modifier ignored", "%(B)ld %(m)hs", "42 GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, tt.format, r); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.format, got, tt.want)
			}
		})
	}
}

func TestAppendReusesBuffer(t *testing.T) {
	f, err := Compile(DefaultFormat)
	if err != nil {
		t.Fatal(err)
	}
	prefix := []byte("prefix ")
	got := string(f.Append(prefix, sample()))
	want := "prefix " + render(t, DefaultFormat, sample())
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestAppendDoesNotAllocate(t *testing.T) {
	formats := map[string]string{
		"default": DefaultFormat,
		"every atom": `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(m)s %(U)s %(q)s %(H)s %(b)s %(B)s %(f)s %(a)s ` +
			`%(T)s %(M)s %(D)s %(L)s %(p)s %({x-request-id}i)s %({x-cache}o)s %({wsgi.url_scheme}e)s`,
		"conversions": `%(a)-30r %(u)10.3a %(B)#010x %(D)+d %(U).5s`,
	}
	r := sample()
	r.ReqHeaders = append(r.ReqHeaders, h("X-Quote", `"q"`))
	for name, format := range formats {
		f, err := Compile(format)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 4096)
		if n := testing.AllocsPerRun(100, func() { buf = f.Append(buf[:0], r) }); n != 0 {
			t.Errorf("%s: Append allocates %v times per line", name, n)
		}
		if n := testing.AllocsPerRun(100, func() { buf = f.AppendJSON(buf[:0], r) }); n != 0 {
			t.Errorf("%s: AppendJSON allocates %v times per line", name, n)
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
