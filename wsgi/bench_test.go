//go:build !nopython && cgo

package wsgi

import (
	"testing"
)

// nopSink discards the response.
type nopSink struct{}

func (nopSink) WriteHead(int, []byte, []byte, int64, bool) error { return nil }
func (nopSink) Write([]byte) error                               { return nil }
func (nopSink) SendFile(int, int64, int64) error                 { return nil }

// BenchmarkCallHello is one request through the shim to a list-of-bytes
// app: one cgo crossing, no callback.
func BenchmarkCallHello(b *testing.B) {
	th := thread(b, "apps:hello")
	req := get("/")
	benchCall(b, th, req)
}

// BenchmarkCallEnvironSmall is the same with eight typical browser headers.
func BenchmarkCallEnvironSmall(b *testing.B) {
	th := thread(b, "apps:hello")
	req := get("/some/path?a=1&b=2")
	req.Headers = []Header{
		{Name: []byte("Host"), Value: []byte("example.com:8000")},
		{Name: []byte("User-Agent"), Value: []byte("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")},
		{Name: []byte("Accept"), Value: []byte("text/html,application/xhtml+xml,*/*;q=0.8")},
		{Name: []byte("Accept-Language"), Value: []byte("en-US,en;q=0.5")},
		{Name: []byte("Accept-Encoding"), Value: []byte("gzip, deflate, br")},
		{Name: []byte("Connection"), Value: []byte("keep-alive")},
		{Name: []byte("Cookie"), Value: []byte("session=abcdef0123456789; theme=dark")},
		{Name: []byte("Upgrade-Insecure-Requests"), Value: []byte("1")},
	}
	benchCall(b, th, req)
}

// BenchmarkCallGenerator streams ten one-byte blocks from a generator: one
// callback per block, each releasing and retaking the GIL.
func BenchmarkCallGenerator(b *testing.B) {
	th := thread(b, "apps:blocks")
	req := get("/?10")
	benchCall(b, th, req)
}

// benchCall times th.Call(req) into a sink that discards the response.
func benchCall(b *testing.B, th *Thread, req *Request) {
	var sink Sink = nopSink{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := th.Call(req, sink); err != nil {
			b.Fatal(err)
		}
	}
}
