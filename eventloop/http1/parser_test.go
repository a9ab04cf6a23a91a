package http1

import (
	"strings"
	"testing"
)

func TestParseSpans(t *testing.T) {
	in := "\r\nPOST http://h.example:81/p/q?x=1&y HTTP/1.1\r\nHost: other\r\nX-A:  v1 \r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabcGET"
	var r Request
	n, err := NewParser(DefaultLimits()).Parse([]byte(in), &r)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Index(in, "abc"); n != want {
		t.Fatalf("n = %d, want %d", n, want)
	}
	if len(r.Raw) != n {
		t.Errorf("len(Raw) = %d, want %d", len(r.Raw), n)
	}
	checks := []struct{ name, got, want string }{
		{"method", string(r.Bytes(r.Method)), "POST"},
		{"target", string(r.Bytes(r.Target)), "http://h.example:81/p/q?x=1&y"},
		{"path", string(r.Bytes(r.Path)), "/p/q"},
		{"query", string(r.Bytes(r.Query)), "x=1&y"},
		{"host", string(r.Bytes(r.Host)), "h.example:81"},
		{"field0 name", string(r.Bytes(r.Fields[0].Name)), "Host"},
		{"field1 value", string(r.Bytes(r.Fields[1].Value)), "v1"},
		{"field3 name", string(r.Bytes(r.Fields[3].Name)), "Expect"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if r.Form != FormAbsolute || r.Minor != 1 || r.ContentLength != 3 || !r.ExpectContinue || !r.KeepAlive || r.Chunked || len(r.Fields) != 4 {
		t.Errorf("flags: %+v", r)
	}
	if !r.MethodIs("POST") {
		t.Error("MethodIs(POST) = false")
	}
}

// TestParseStatus covers rules with a table of (input, limits, status);
// status 0 means accepted. Every case is also checked for split invariance.
func TestParseStatus(t *testing.T) {
	def := DefaultLimits()
	fold := def
	fold.PermitObsFold = true
	tests := []struct {
		name   string
		lim    Limits
		in     string
		status int
	}{
		{"ok", def, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0},
		{"http10 no fields", def, "GET / HTTP/1.0\r\n\r\n", 0},
		{"options absolute", def, "OPTIONS http://a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n", 0},
		{"ipvfuture host", def, "GET / HTTP/1.1\r\nHost: [v1.fe80::a+en1]\r\n\r\n", 0},
		{"ipv6 literal without colon", def, "GET / HTTP/1.1\r\nHost: [abcd]\r\n\r\n", 400},
		{"ipv6 literal unclosed", def, "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400},
		{"host port too long", def, "GET / HTTP/1.1\r\nHost: a:123456\r\n\r\n", 400},
		{"host empty with port", def, "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", 400},
		{"host pct truncated", def, "GET / HTTP/1.1\r\nHost: a%4\r\n\r\n", 400},
		{"connect empty port", def, "CONNECT a: HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"absolute host invalid on 1.1", def, "GET http://a/ HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"absolute without Host on 1.1", def, "GET http://a/ HTTP/1.1\r\n\r\n", 400},
		{"scheme with digit first", def, "GET 1http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"scheme only", def, "GET http: HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"method only", def, "GET\r\n\r\n", 400},
		{"method then space", def, "GET \r\n\r\n", 400},
		{"version 8 bytes bad", def, "GET / HTTPS1.1\r\nHost: a\r\n\r\n", 400},
		{"version 3.0", def, "GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505},
		{"505 wins over target form", def, "GET * HTTP/2.0\r\nHost: a\r\n\r\n", 505},
		{"connection close keeps 1.1 flags", def, "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", 0},
		{"cl max int64", def, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n", 0},
		{"cl max int64 plus one", def, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", 400},
		{"cl list conflicting dup field", def, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\nContent-Length: 6\r\n\r\n", 400},
		{"cl list with empty element", def, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,,5\r\n\r\n", 400},
		{"te then cl in later field", def, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 400},
		{"te trailing comma", def, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n", 400},
		{"te split fields ok", def, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
		{"te unknown alone", def, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo\r\n\r\n", 400},
		{"underscore dropped still counts", Limits{Fields: 2}, "GET / HTTP/1.1\r\nHost: a\r\nA_B: 1\r\n\r\n", 0},
		{"underscore over limit", Limits{Fields: 2}, "GET / HTTP/1.1\r\nHost: a\r\nA_B: 1\r\nC: 1\r\n\r\n", 431},
		{"fieldsize zero uses budget", Limits{Fields: 1, FieldSize: 0}, "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 8190) + "\r\nHost: a\r\n\r\n", 431},
		{"fieldsize zero budget ok", Limits{Fields: 2, FieldSize: 0}, "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 9000) + "\r\nHost: a\r\n\r\n", 0},
		{"fieldsize exact", Limits{FieldSize: 10}, "GET / HTTP/1.1\r\nHost: 1234\r\n\r\n", 0},
		{"fieldsize exceeded by one", Limits{FieldSize: 10}, "GET / HTTP/1.1\r\nHost: 12345\r\n\r\n", 431},
		{"requestline exact", Limits{RequestLine: 14}, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0},
		{"requestline exceeded by one", Limits{RequestLine: 13}, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 414},
		{"requestline clamped", Limits{RequestLine: 100000}, "GET /" + strings.Repeat("a", 8190) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},
		{"too long line beats bad content", Limits{RequestLine: 10}, "GET /\x00abcdefghijk HTTP/1.1\r\n\r\n", 414},
		{"fold joins", fold, "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", 0},
		{"fold into host adds a space", fold, "GET / HTTP/1.1\r\nHost: a\r\n .b\r\n\r\n", 400},
		{"fold into empty host", fold, "GET / HTTP/1.1\r\nHost:\r\n a.b\r\n\r\n", 0},
		{"fold nul in continuation", fold, "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n \x00\r\n\r\n", 400},
		{"fold blank continuation", fold, "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n \t \r\n\r\n", 0},
		{"fold content-length", fold, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n 2\r\n\r\n", 400},
		{"fold after dropped", fold, "GET / HTTP/1.1\r\nHost: a\r\nA_B: 1\r\n 2\r\n\r\n", 0},
		{"refuse underscore", Limits{HeaderMap: HeaderMapRefuse}, "GET / HTTP/1.1\r\nHost: a\r\nA_B: 1\r\n\r\n", 400},
		{"five leading CRLF", def, "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
		{"leading bare CR", def, "\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseWhole(tt.lim, []byte(tt.in))
			if got.Status != tt.status {
				t.Fatalf("got %v, want status %d", got, tt.status)
			}
			checkSplits(t, tt.lim, []byte(tt.in), got)
		})
	}
}

// TestParseEarlyError checks that an invalid or over-limit prefix is
// rejected without waiting for more bytes.
func TestParseEarlyError(t *testing.T) {
	tests := []struct {
		name   string
		lim    Limits
		in     string
		status int
	}{
		{"tls hello first byte", DefaultLimits(), "\x16", 400},
		{"leading space", DefaultLimits(), " ", 400},
		{"bare lf first", DefaultLimits(), "\n", 400},
		{"request line over limit", Limits{RequestLine: 8}, "GET /abcd", 414},
		{"field over limit", Limits{FieldSize: 8}, "GET / HTTP/1.1\r\nX: 1234567", 431},
		{"too many fields", Limits{Fields: 1}, "GET / HTTP/1.1\r\nHost: a\r\nX", 431},
		{"obs-fold", DefaultLimits(), "GET / HTTP/1.1\r\nHost: a\r\n ", 400},
		{"bare cr", DefaultLimits(), "GET / HTTP/1.1\rX", 400},
		{"bad request line", DefaultLimits(), "GET  / HTTP/1.1\r\n", 400},
		{"bad field", DefaultLimits(), "GET / HTTP/1.1\r\nX : y\r\n", 400},
		{"duplicate cl", DefaultLimits(), "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseWhole(tt.lim, []byte(tt.in))
			if got.Status != tt.status {
				t.Fatalf("got %v, want status %d", got, tt.status)
			}
		})
	}
}

func TestParseNeedMore(t *testing.T) {
	in := "GET /x HTTP/1.1\r\nHost: a\r\nX-Y: z\r\n\r\n"
	for i := 0; i < len(in); i++ {
		if got := parseWhole(DefaultLimits(), []byte(in[:i])); got.Status != -1 {
			t.Fatalf("prefix %q: got %v, want need more", in[:i], got)
		}
	}
}

func TestLimitsNormalize(t *testing.T) {
	tests := []struct {
		in, want Limits
	}{
		{Limits{}, Limits{RequestLine: 8190, Fields: 32768, FieldSize: 0}},
		{Limits{RequestLine: -1, Fields: -1, FieldSize: -1}, Limits{RequestLine: 8190, Fields: 32768, FieldSize: 8190}},
		{Limits{RequestLine: 9000, Fields: 40000, FieldSize: 100}, Limits{RequestLine: 8190, Fields: 32768, FieldSize: 100}},
		{DefaultLimits(), Limits{RequestLine: 4094, Fields: 100, FieldSize: 8190}},
	}
	for _, tt := range tests {
		if got := tt.in.normalize(); got != tt.want {
			t.Errorf("normalize(%+v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestHeaderMap(t *testing.T) {
	in := "GET / HTTP/1.1\r\nHost: a\r\nX_Y: 1\r\nX-Y: 2\r\n\r\n"
	tests := []struct {
		hm     HeaderMap
		status int
		fields int
	}{
		{HeaderMapDrop, 0, 2},
		{HeaderMapRefuse, 400, 0},
		{HeaderMapDangerous, 0, 3},
	}
	for _, tt := range tests {
		got := parseWhole(Limits{HeaderMap: tt.hm}, []byte(in))
		if got.Status != tt.status || len(got.Req.Fields) != tt.fields {
			t.Errorf("HeaderMap %d: got %v, want status %d with %d fields", tt.hm, got, tt.status, tt.fields)
		}
	}
}

func TestObsFoldRewrite(t *testing.T) {
	lim := DefaultLimits()
	lim.PermitObsFold = true
	in := []byte("GET / HTTP/1.1\r\nHost: a\r\nX: one \r\n\t two\r\n   \r\n three\r\n\r\n")
	var r Request
	p := NewParser(lim)
	n, err := p.Parse(in, &r)
	if err != nil || n != len(in) {
		t.Fatalf("Parse = %d, %v", n, err)
	}
	if got := string(r.Bytes(r.Fields[1].Value)); got != "one two three" {
		t.Errorf("value = %q, want %q", got, "one two three")
	}
	// The rewritten buffer parses to the same value.
	var r2 Request
	if _, err := p.Parse(in, &r2); err != nil {
		t.Fatal(err)
	}
	if got := string(r2.Bytes(r2.Fields[1].Value)); got != "one two three" {
		t.Errorf("re-parse value = %q", got)
	}
}

func TestParsePipelined(t *testing.T) {
	in := []byte("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
	p := NewParser(DefaultLimits())
	var r Request
	n, err := p.Parse(in, &r)
	if err != nil || string(r.Bytes(r.Path)) != "/1" {
		t.Fatalf("first: %d %v", n, err)
	}
	n2, err := p.Parse(in[n:], &r) // no Reset needed after a final result
	if err != nil || n+n2 != len(in) || string(r.Bytes(r.Path)) != "/2" {
		t.Fatalf("second: %d %v %q", n2, err, r.Bytes(r.Path))
	}
}

func TestParseRestart(t *testing.T) {
	in := []byte("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n")
	p := NewParser(DefaultLimits())
	var r1, r2 Request
	if _, err := p.Parse(in[:20], &r1); err != ErrNeedMore {
		t.Fatal(err)
	}
	// A different Request restarts the parse from the beginning.
	if n, err := p.Parse(in, &r2); err != nil || n != len(in) || len(r2.Fields) != 1 {
		t.Fatalf("other request: %d %v %+v", n, err, r2)
	}
	// So does Reset, and a shorter buffer.
	if _, err := p.Parse(in[:20], &r1); err != ErrNeedMore {
		t.Fatal(err)
	}
	p.Reset()
	if n, err := p.Parse(in, &r1); err != nil || n != len(in) || len(r1.Fields) != 1 {
		t.Fatalf("after Reset: %d %v", n, err)
	}
	if _, err := p.Parse(in[:25], &r1); err != ErrNeedMore {
		t.Fatal(err)
	}
	if _, err := p.Parse(in[:10], &r1); err != ErrNeedMore {
		t.Fatal(err)
	}
	if n, err := p.Parse(in, &r1); err != nil || n != len(in) || len(r1.Fields) != 1 {
		t.Fatalf("after shorter buffer: %d %v", n, err)
	}
}

func TestZeroValueParser(t *testing.T) {
	var p Parser
	var r Request
	long := "GET /" + strings.Repeat("a", 4094) + " HTTP/1.1\r\n"
	if _, err := p.Parse([]byte(long), &r); err != errRequestLineLong {
		t.Fatalf("zero Parser should use DefaultLimits, got %v", err)
	}
}

func TestCopyTo(t *testing.T) {
	in := []byte("GET /a HTTP/1.1\r\nHost: a\r\n\r\n")
	var r, c Request
	if _, err := NewParser(DefaultLimits()).Parse(in, &r); err != nil {
		t.Fatal(err)
	}
	r.CopyTo(&c)
	in[5] = 'X'
	if string(c.Bytes(c.Path)) != "/a" || len(c.Fields) != 1 {
		t.Errorf("copy not independent: %q", c.Bytes(c.Path))
	}
}

const browserGET = "GET /products/list?page=2&sort=price HTTP/1.1\r\n" +
	"Host: shop.example.com\r\n" +
	"Connection: keep-alive\r\n" +
	"sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n" +
	"sec-ch-ua-mobile: ?0\r\n" +
	"sec-ch-ua-platform: \"Linux\"\r\n" +
	"Upgrade-Insecure-Requests: 1\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n" +
	"Sec-Fetch-Site: same-origin\r\n" +
	"Sec-Fetch-Mode: navigate\r\n" +
	"Sec-Fetch-User: ?1\r\n" +
	"Sec-Fetch-Dest: document\r\n" +
	"Referer: https://shop.example.com/products/list?page=1\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Accept-Language: en-US,en;q=0.9,fr;q=0.8\r\n" +
	"Cookie: session=3f9a2b7c1d; theme=dark; _ga=GA1.2.123456789.1700000000\r\n\r\n"

func TestParseZeroAllocs(t *testing.T) {
	in := []byte(browserGET)
	p := NewParser(DefaultLimits())
	var r Request
	if _, err := p.Parse(in, &r); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := p.Parse(in, &r); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Parse allocates %v times per run, want 0", allocs)
	}
	// Errors are preallocated too.
	bad := []byte("GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n")
	allocs = testing.AllocsPerRun(1000, func() {
		if _, err := p.Parse(bad, &r); err == nil {
			t.Fatal("accepted")
		}
	})
	if allocs != 0 {
		t.Errorf("rejecting Parse allocates %v times per run, want 0", allocs)
	}
}

// TestValidValue checks the word-at-a-time value check against the
// byte-wise definition for every byte value at every position of a word.
func TestValidValue(t *testing.T) {
	ref := func(v []byte) bool {
		for _, c := range v {
			if c != '\t' && (c < 0x20 || c == 0x7f) {
				return false
			}
		}
		return true
	}
	base := []byte("abcdefghijklmnopqrstuvwxyz") // 26: three words and a tail
	for pos := 0; pos < len(base); pos++ {
		for c := 0; c < 256; c++ {
			v := append([]byte(nil), base...)
			v[pos] = byte(c)
			if got, want := validValue(v), ref(v); got != want {
				t.Fatalf("validValue with %#x at %d = %v, want %v", c, pos, got, want)
			}
		}
	}
}
