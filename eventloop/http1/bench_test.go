package http1

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

func benchParse(b *testing.B, in string) { benchParseWith(b, DefaultLimits(), in) }

func benchParseWith(b *testing.B, lim Limits, in string) {
	buf := []byte(in)
	p := NewParser(lim)
	var r Request
	if _, err := p.Parse(buf, &r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Parse(buf, &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBrowserGET(b *testing.B) { benchParse(b, browserGET) }

// BenchmarkParseBrowserGETLenient is BenchmarkParseBrowserGET with every
// gunicorn leniency switch on.
func BenchmarkParseBrowserGETLenient(b *testing.B) {
	lim := DefaultLimits()
	lim.PermitObsFold, lim.StripHeaderSpaces, lim.CasefoldMethod = true, true, true
	lim.PermitUnconventionalMethod, lim.PermitUnconventionalVersion = true, true
	benchParseWith(b, lim, browserGET)
}

func BenchmarkParseSmallGET(b *testing.B) {
	benchParse(b, "GET /health HTTP/1.1\r\nHost: localhost:8000\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n")
}

// BenchmarkParseBrowserGETSplit feeds the head in 64-byte pieces.
func BenchmarkParseBrowserGETSplit(b *testing.B) {
	in := []byte(browserGET)
	p := NewParser(DefaultLimits())
	var r Request
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for i := 0; i < b.N; i++ {
		for k := 64; ; k += 64 {
			if k > len(in) {
				k = len(in)
			}
			_, err := p.Parse(in[:k], &r)
			if err == nil {
				break
			}
			if err != ErrNeedMore {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkNetHTTPReadRequest is the net/http twin of BenchmarkParseBrowserGET.
func BenchmarkNetHTTPReadRequest(b *testing.B) {
	in := []byte(browserGET)
	rd := bytes.NewReader(in)
	br := bufio.NewReader(rd)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for i := 0; i < b.N; i++ {
		rd.Reset(in)
		br.Reset(rd)
		if _, err := http.ReadRequest(br); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChunkedDecode(b *testing.B) {
	var src []byte
	for i := 0; i < 16; i++ {
		src = AppendChunk(src, []byte(strings.Repeat("x", 4096)))
	}
	src = append(src, "3;ext=\"v\"\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n"...)
	var d ChunkedDecoder
	dst := make([]byte, 0, 70000)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		d.Reset()
		if _, _, done, err := d.Decode(dst[:0], src); err != nil || !done {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendHead(b *testing.B) {
	ri := ResponseInfo{Minor: 1, Status: 200, KeepAlive: true, ContentLength: 1234,
		Headers: []byte("Content-Type: text/html; charset=utf-8\r\nX-Frame-Options: DENY\r\n"), Server: []byte("narwhal")}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf, _, _ = AppendHead(buf[:0], &ri)
	}
}
