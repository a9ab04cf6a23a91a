package http1

import (
	"regexp"
	"strings"
	"testing"
)

// dateRE matches the Date line so expected heads can be written literally.
var dateRE = regexp.MustCompile(`Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n`)

func stripDate(t *testing.T, s string) string {
	t.Helper()
	if !dateRE.MatchString(s) {
		t.Fatalf("no Date line in %q", s)
	}
	return dateRE.ReplaceAllString(s, "Date: *\r\n")
}

func TestAppendHead(t *testing.T) {
	hdr := []byte("Content-Type: text/plain\r\n")
	tests := []struct {
		name string
		ri   ResponseInfo
		want string
		f    Framing
		keep bool
	}{
		{"length 1.1", ResponseInfo{Minor: 1, Status: 200, KeepAlive: true, ContentLength: 5, Headers: hdr},
			"HTTP/1.1 200 OK\r\nDate: *\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n", FramingLength, true},
		{"chunked 1.1", ResponseInfo{Minor: 1, Status: 200, KeepAlive: true, ContentLength: -1},
			"HTTP/1.1 200 OK\r\nDate: *\r\nTransfer-Encoding: chunked\r\n\r\n", FramingChunked, true},
		{"close 1.0 unknown length", ResponseInfo{Minor: 0, Status: 200, KeepAlive: true, ContentLength: -1},
			"HTTP/1.0 200 OK\r\nDate: *\r\nConnection: close\r\n\r\n", FramingClose, false},
		{"keep-alive 1.0", ResponseInfo{Minor: 0, Status: 200, KeepAlive: true, ContentLength: 0},
			"HTTP/1.0 200 OK\r\nDate: *\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", FramingLength, true},
		{"close 1.1", ResponseInfo{Minor: 1, Status: 404, ContentLength: 3, Server: []byte("narwhal")},
			"HTTP/1.1 404 Not Found\r\nServer: narwhal\r\nDate: *\r\nConnection: close\r\nContent-Length: 3\r\n\r\n", FramingLength, false},
		{"head keeps length", ResponseInfo{Minor: 1, Status: 200, Head: true, KeepAlive: true, ContentLength: 1234},
			"HTTP/1.1 200 OK\r\nDate: *\r\nContent-Length: 1234\r\n\r\n", FramingNone, true},
		{"head unknown length", ResponseInfo{Minor: 1, Status: 200, Head: true, KeepAlive: true, ContentLength: -1},
			"HTTP/1.1 200 OK\r\nDate: *\r\n\r\n", FramingNone, true},
		{"head 1.0 unknown length stays open", ResponseInfo{Minor: 0, Status: 200, Head: true, KeepAlive: true, ContentLength: -1},
			"HTTP/1.0 200 OK\r\nDate: *\r\nConnection: keep-alive\r\n\r\n", FramingNone, true},
		{"204 drops length", ResponseInfo{Minor: 1, Status: 204, KeepAlive: true, ContentLength: 10},
			"HTTP/1.1 204 No Content\r\nDate: *\r\n\r\n", FramingNone, true},
		{"100 continue", ResponseInfo{Minor: 1, Status: 100, KeepAlive: true, ContentLength: -1},
			"HTTP/1.1 100 Continue\r\nDate: *\r\n\r\n", FramingNone, true},
		{"304 keeps length", ResponseInfo{Minor: 1, Status: 304, KeepAlive: true, ContentLength: 7},
			"HTTP/1.1 304 Not Modified\r\nDate: *\r\nContent-Length: 7\r\n\r\n", FramingNone, true},
		{"304 unknown length", ResponseInfo{Minor: 1, Status: 304, KeepAlive: true, ContentLength: -1},
			"HTTP/1.1 304 Not Modified\r\nDate: *\r\n\r\n", FramingNone, true},
		{"custom reason sanitized", ResponseInfo{Minor: 1, Status: 299, Reason: []byte("Fine\r\nX: y"), KeepAlive: true, ContentLength: 0},
			"HTTP/1.1 299 Fine  X: y\r\nDate: *\r\nContent-Length: 0\r\n\r\n", FramingLength, true},
		{"unknown status", ResponseInfo{Minor: 1, Status: 299, KeepAlive: true, ContentLength: 0},
			"HTTP/1.1 299 Unknown\r\nDate: *\r\nContent-Length: 0\r\n\r\n", FramingLength, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, f, keep := AppendHead([]byte("prefix"), &tt.ri)
			if !strings.HasPrefix(string(out), "prefix") {
				t.Fatalf("dst prefix lost: %q", out)
			}
			if got := stripDate(t, string(out[len("prefix"):])); got != tt.want {
				t.Errorf("head:\n got %q\nwant %q", got, tt.want)
			}
			if f != tt.f || keep != tt.keep {
				t.Errorf("framing, keepAlive = %d, %v; want %d, %v", f, keep, tt.f, tt.keep)
			}
		})
	}
}

func TestAppendChunk(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"hello", "5\r\nhello\r\n"},
		{strings.Repeat("z", 255), "ff\r\n" + strings.Repeat("z", 255) + "\r\n"},
	}
	for _, tt := range tests {
		if got := string(AppendChunk(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("AppendChunk(%d bytes) = %q, want %q", len(tt.in), got, tt.want)
		}
	}
	if got := string(AppendLastChunk([]byte("x"))); got != "x0\r\n\r\n" {
		t.Errorf("AppendLastChunk = %q", got)
	}
	// Round trip through the decoder.
	var enc []byte
	enc = AppendChunk(enc, []byte("hello "))
	enc = AppendChunk(enc, []byte(strings.Repeat("w", 300)))
	enc = AppendLastChunk(enc)
	var d ChunkedDecoder
	body, n, done, err := d.Decode(nil, enc)
	if err != nil || !done || n != len(enc) || string(body) != "hello "+strings.Repeat("w", 300) {
		t.Errorf("round trip: n=%d done=%v err=%v", n, done, err)
	}
}

func TestAppendHeader(t *testing.T) {
	if got := string(AppendHeader(nil, []byte("X-A"), []byte("b c"))); got != "X-A: b c\r\n" {
		t.Errorf("AppendHeader = %q", got)
	}
}

func TestAppendError(t *testing.T) {
	tests := []struct {
		status int
		reason string
		want   string
	}{
		{400, "invalid header name", "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 33\r\nConnection: close\r\nDate: *\r\n\r\nBad Request: invalid header name\n"},
		{431, "", "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 32\r\nConnection: close\r\nDate: *\r\n\r\nRequest Header Fields Too Large\n"},
	}
	for _, tt := range tests {
		got := stripDate(t, string(AppendError(nil, tt.status, tt.reason)))
		if got != tt.want {
			t.Errorf("AppendError(%d):\n got %q\nwant %q", tt.status, got, tt.want)
		}
		head, body, _ := strings.Cut(got, "\r\n\r\n")
		if !strings.Contains(head, "Content-Length: "+itoa(len(body))+"\r\n") {
			t.Errorf("Content-Length does not match body of %d bytes", len(body))
		}
	}
}

func itoa(n int) string { return string(appendInt(nil, n)) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func TestStatusText(t *testing.T) {
	tests := map[int]string{200: "OK", 404: "Not Found", 413: "Content Too Large", 414: "URI Too Long",
		431: "Request Header Fields Too Large", 501: "Not Implemented", 505: "HTTP Version Not Supported", 999: "Unknown", -1: "Unknown"}
	for code, want := range tests {
		if got := StatusText(code); got != want {
			t.Errorf("StatusText(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestErrorString(t *testing.T) {
	if got := errSpaceColon.Error(); got != "http1: whitespace before colon" {
		t.Errorf("Error() = %q", got)
	}
}

func TestAppendHeadZeroAllocs(t *testing.T) {
	ri := ResponseInfo{Minor: 1, Status: 200, KeepAlive: true, ContentLength: 42,
		Headers: []byte("Content-Type: text/html; charset=utf-8\r\nX-Frame-Options: DENY\r\n"), Server: []byte("narwhal")}
	buf := make([]byte, 0, 512)
	AppendHead(buf, &ri)
	allocs := testing.AllocsPerRun(1000, func() {
		AppendHead(buf[:0], &ri)
	})
	if allocs != 0 {
		t.Errorf("AppendHead allocates %v times per run, want 0", allocs)
	}
}
