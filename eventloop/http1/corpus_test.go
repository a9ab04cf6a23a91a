package http1

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var formNames = [...]string{FormOrigin: "origin", FormAbsolute: "absolute", FormAuthority: "authority", FormAsterisk: "asterisk"}

// describe renders a parsed request and its body in the corpus .want format.
func describe(r *Request, body []byte, trailers int) string {
	sum := sha256.Sum256(body)
	return fmt.Sprintf("method: %s\ntarget: %s\nform: %s\npath: %s\nquery: %s\nhost: %s\nminor: %d\ncontent-length: %d\nchunked: %t\nkeep-alive: %t\nexpect-continue: %t\nupgrade: %t\nfields: %d\nbody-len: %d\nbody-sha256: %s\ntrailers: %d\n",
		r.Bytes(r.Method), r.Bytes(r.Target), formNames[r.Form], r.Bytes(r.Path), r.Bytes(r.Query), r.Bytes(r.Host),
		r.Minor, r.ContentLength, r.Chunked, r.KeepAlive, r.ExpectContinue, r.Upgrade, len(r.Fields),
		len(body), hex.EncodeToString(sum[:]), trailers)
}

func corpusFiles(t testing.TB, dir string) []string {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.http"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 60 {
		t.Fatalf("testdata/%s: %d cases, want at least 60", dir, len(files))
	}
	return files
}

func newDecoder(lim Limits) func() *ChunkedDecoder {
	return func() *ChunkedDecoder {
		return &ChunkedDecoder{MaxTrailerFields: lim.Fields, MaxTrailerFieldSize: lim.FieldSize, HeaderMap: lim.HeaderMap, StripHeaderSpaces: lim.StripHeaderSpaces}
	}
}

// TestCorpusValid parses every valid request whole and in every split,
// decodes its body and compares with the .want sidecar.
func TestCorpusValid(t *testing.T) {
	for _, f := range corpusFiles(t, "valid") {
		base := strings.TrimSuffix(f, ".http")
		t.Run(filepath.Base(base), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(base + ".want")
			if err != nil {
				t.Fatal(err)
			}
			lim := parseOpts(t, base+".opts")
			buf := append([]byte(nil), in...)
			var r Request
			n, err := NewParser(lim).Parse(buf, &r)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			rest := in[n:]
			var body []byte
			trailers := 0
			switch {
			case r.Chunked:
				d := newDecoder(lim)()
				var dn int
				var done bool
				body, dn, done, err = d.Decode(nil, rest)
				if err != nil || !done || dn != len(rest) {
					t.Fatalf("chunked body: n=%d/%d done=%v err=%v", dn, len(rest), done, err)
				}
				trailers = len(d.Trailers())
				whole := chunkSummary(body, dn, done, err, d)
				checkChunkSplits(t, newDecoder(lim), rest, whole)
			case r.ContentLength >= 0:
				if int64(len(rest)) != r.ContentLength {
					t.Fatalf("body is %d bytes, Content-Length %d", len(rest), r.ContentLength)
				}
				body = rest
			default:
				if len(rest) != 0 {
					t.Fatalf("%d unexpected bytes after head", len(rest))
				}
			}
			if got := describe(&r, body, trailers); got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			checkSplits(t, lim, in, parseWhole(lim, in))
		})
	}
}

// TestCorpusInvalid checks that every invalid request is rejected with the
// status in its file name, by the head parser or by the chunked decoder,
// whole and in every split.
func TestCorpusInvalid(t *testing.T) {
	for _, f := range corpusFiles(t, "invalid") {
		base := strings.TrimSuffix(f, ".http")
		t.Run(filepath.Base(base), func(t *testing.T) {
			want, err := strconv.Atoi(base[strings.LastIndexByte(base, '-')+1:])
			if err != nil {
				t.Fatal(err)
			}
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lim := parseOpts(t, base+".opts")
			whole := parseWhole(lim, in)
			checkSplits(t, lim, in, whole)
			if whole.Status == 0 {
				if !whole.Req.Chunked {
					t.Fatalf("accepted: %v", whole)
				}
				rest := in[whole.N:]
				d := newDecoder(lim)()
				body, n, done, err := d.Decode(nil, rest)
				cr := chunkSummary(body, n, done, err, d)
				if cr.Status != want {
					t.Fatalf("chunked body: got %+v, want status %d", cr, want)
				}
				checkChunkSplits(t, newDecoder(lim), rest, cr)
				return
			}
			if whole.Status != want {
				t.Fatalf("got %v, want status %d", whole, want)
			}
		})
	}
}
