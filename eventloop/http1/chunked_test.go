package http1

import (
	"strings"
	"testing"
)

func TestChunkedDecode(t *testing.T) {
	tests := []struct {
		name     string
		dec      ChunkedDecoder
		in       string
		body     string
		n        int // -1: len(in)
		done     bool
		status   int
		trailers string
	}{
		{name: "simple", in: "5\r\nhello\r\n0\r\n\r\n", body: "hello", n: -1, done: true},
		{name: "empty body", in: "0\r\n\r\n", n: -1, done: true},
		{name: "stops after last chunk", in: "1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1", body: "x", n: 11, done: true},
		{name: "incomplete data", in: "5\r\nhel", body: "hel", n: -1},
		{name: "incomplete final crlf", in: "0\r\n\r", n: -1},
		{name: "mixed case hex", in: "aB\r\n" + strings.Repeat("x", 0xab) + "\r\n0\r\n\r\n", body: strings.Repeat("x", 0xab), n: -1, done: true},
		{name: "16 digits ok", in: "0000000000000003\r\nabc\r\n0\r\n\r\n", body: "abc", n: -1, done: true},
		{name: "17 digits", in: "00000000000000003\r\nabc\r\n0\r\n\r\n", status: 400},
		{name: "max int64 size accepted", in: "7fffffffffffffff\r\nab", body: "ab", n: -1},
		{name: "size above int64", in: "8000000000000000\r\n", status: 400},
		{name: "ext token", in: "3;a=b\r\nabc\r\n0;x\r\n\r\n", body: "abc", n: -1, done: true},
		{name: "ext quoted pair", in: "3;a=\"\\\"\\\\\"\r\nabc\r\n0\r\n\r\n", body: "abc", n: -1, done: true},
		{name: "ext quoted obs-text", in: "3;a=\"\xe9\"\r\nabc\r\n0\r\n\r\n", body: "abc", n: -1, done: true},
		{name: "ext bws everywhere", in: "3 \t; a \t= \"b\" ;c\r\nabc\r\n0\r\n\r\n", body: "abc", n: -1, done: true},
		{name: "ext name then ws then cr", in: "3;a \r\nabc\r\n0\r\n\r\n", status: 400},
		{name: "ext double semicolon", in: "3;;a\r\nabc\r\n0\r\n\r\n", status: 400},
		{name: "ext equals no value", in: "3;a=\r\nabc\r\n0\r\n\r\n", status: 400},
		{name: "ext quoted ctl", in: "3;a=\"\x01\"\r\nabc\r\n0\r\n\r\n", status: 400},
		{name: "ext after quoted garbage", in: "3;a=\"b\"c\r\nabc\r\n0\r\n\r\n", status: 400},
		{name: "ext at cap", in: "3;a=" + strings.Repeat("x", maxChunkExtLen-4) + "\r\nabc\r\n0\r\n\r\n", body: "abc", n: -1, done: true},
		{name: "ext over cap", in: "3;a=" + strings.Repeat("x", maxChunkExtLen-3) + "\r\nabc\r\n0\r\n\r\n", status: 400},
		{name: "size then tab then cr", in: "3\t\r\nabc\r\n0\r\n\r\n", status: 400},
		{name: "data then lf only", in: "3\r\nabc\n0\r\n\r\n", status: 400},
		{name: "data then cr x", in: "3\r\nabc\rx", status: 400},
		{name: "trailers kept", in: "0\r\nA: 1\r\nB-C:  two words \r\n\r\n", n: -1, done: true, trailers: "A=1;B-C=two words;"},
		{name: "trailer underscore dropped", in: "0\r\nA_B: 1\r\nC: 2\r\n\r\n", n: -1, done: true, trailers: "C=2;"},
		{name: "trailer underscore refused", dec: ChunkedDecoder{HeaderMap: HeaderMapRefuse}, in: "0\r\nA_B: 1\r\n\r\n", status: 400},
		{name: "trailer underscore kept", dec: ChunkedDecoder{HeaderMap: HeaderMapDangerous}, in: "0\r\nA_B: 1\r\n\r\n", n: -1, done: true, trailers: "A_B=1;"},
		{name: "trailer forbidden case-insensitive", in: "0\r\ncontent-TYPE: x\r\n\r\n", status: 400},
		{name: "trailer forbidden cookie", in: "0\r\nCookie: a=b\r\n\r\n", status: 400},
		{name: "too many trailers", dec: ChunkedDecoder{MaxTrailerFields: 2}, in: "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", status: 431},
		{name: "trailers at count limit", dec: ChunkedDecoder{MaxTrailerFields: 2}, in: "0\r\nA: 1\r\nB: 2\r\n\r\n", n: -1, done: true, trailers: "A=1;B=2;"},
		{name: "trailer too large", dec: ChunkedDecoder{MaxTrailerFieldSize: 5}, in: "0\r\nA: 123\r\n\r\n", status: 431},
		{name: "trailer at size limit", dec: ChunkedDecoder{MaxTrailerFieldSize: 5}, in: "0\r\nA: 12\r\n\r\n", n: -1, done: true, trailers: "A=12;"},
		{name: "trailer bare cr", in: "0\r\nA: 1\rB\r\n\r\n", status: 400},
		{name: "trailer leading space", in: "0\r\n A: 1\r\n\r\n", status: 400},
		{name: "trailer space before colon", in: "0\r\nA : 1\r\n\r\n", status: 400},
		{name: "trailer space before colon stripped", dec: ChunkedDecoder{StripHeaderSpaces: true}, in: "0\r\nA \t: 1\r\n\r\n", n: -1, done: true, trailers: "A=1;"},
		{name: "trailer stripped still forbidden", dec: ChunkedDecoder{StripHeaderSpaces: true}, in: "0\r\nHost : a\r\n\r\n", status: 400},
		{name: "trailer stripped leading space", dec: ChunkedDecoder{StripHeaderSpaces: true}, in: "0\r\n A: 1\r\n\r\n", status: 400},
		{name: "final bare lf", in: "0\r\n\n", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mk := func() *ChunkedDecoder { d := tt.dec; return &d }
			d := mk()
			body, n, done, err := d.Decode(nil, []byte(tt.in))
			got := chunkSummary(body, n, done, err, d)
			if tt.status != 0 {
				if got.Status != tt.status {
					t.Fatalf("got %+v, want status %d", got, tt.status)
				}
			} else {
				wantN := tt.n
				if wantN < 0 {
					wantN = len(tt.in)
				}
				want := chunkResult{Body: tt.body, N: wantN, Done: tt.done, Trailers: tt.trailers}
				if got != want {
					t.Fatalf("got %+v\nwant %+v", got, want)
				}
			}
			checkChunkSplits(t, mk, []byte(tt.in), got)
		})
	}
}

func TestChunkedReset(t *testing.T) {
	d := ChunkedDecoder{MaxTrailerFields: 1}
	body, _, done, err := d.Decode(nil, []byte("2\r\nab\r\n0\r\nX: 1\r\n\r\n"))
	if err != nil || !done || string(body) != "ab" || len(d.Trailers()) != 1 || !d.Done() {
		t.Fatalf("first body: %q %v %v", body, done, err)
	}
	// After done, nothing more is consumed.
	if _, n, done, err := d.Decode(nil, []byte("junk")); n != 0 || !done || err != nil {
		t.Fatalf("after done: n=%d done=%v err=%v", n, done, err)
	}
	d.Reset()
	if d.MaxTrailerFields != 1 || d.Done() || d.Trailers() != nil {
		t.Fatalf("Reset lost config or kept state: %+v", d)
	}
	body, _, done, err = d.Decode(body[:0], []byte("1\r\nc\r\n0\r\n\r\n"))
	if err != nil || !done || string(body) != "c" || len(d.Trailers()) != 0 {
		t.Fatalf("second body: %q %v %v", body, done, err)
	}
}

func TestChunkedZeroAllocs(t *testing.T) {
	src := []byte("400\r\n" + strings.Repeat("x", 1024) + "\r\n10;ext=1\r\n" + strings.Repeat("y", 16) + "\r\n0\r\n\r\n")
	var d ChunkedDecoder
	dst := make([]byte, 0, 2048)
	allocs := testing.AllocsPerRun(1000, func() {
		d.Reset()
		out, _, done, err := d.Decode(dst[:0], src)
		if err != nil || !done || len(out) != 1040 {
			t.Fatal(err, done, len(out))
		}
	})
	if allocs != 0 {
		t.Errorf("Decode allocates %v times per run, want 0", allocs)
	}
}
