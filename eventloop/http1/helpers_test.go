package http1

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// result is a comparable summary of one Parse outcome.
type result struct {
	N      int
	Status int // 0 on success, -1 for ErrNeedMore
	Reason string
	Req    snap
}

type snap struct {
	Raw                               string
	Method, Target, Path, Query, Host Span
	Major, Minor                      uint8
	Form                              TargetForm
	Fields                            []Field
	ContentLength                     int64
	Chunked, KeepAlive, Expect, Upg   bool
}

func summarize(n int, err error, r *Request) result {
	switch {
	case err == nil:
		return result{N: n, Req: snap{
			Raw: string(r.Raw), Method: r.Method, Target: r.Target, Path: r.Path, Query: r.Query, Host: r.Host,
			Major: r.Major, Minor: r.Minor, Form: r.Form, Fields: append([]Field(nil), r.Fields...), ContentLength: r.ContentLength,
			Chunked: r.Chunked, KeepAlive: r.KeepAlive, Expect: r.ExpectContinue, Upg: r.Upgrade,
		}}
	case err == ErrNeedMore:
		return result{N: n, Status: -1}
	}
	var e *Error
	if !errors.As(err, &e) {
		return result{N: n, Status: -2, Reason: err.Error()}
	}
	return result{N: n, Status: e.Status, Reason: e.Reason}
}

func (r result) String() string {
	if r.Status != 0 {
		return fmt.Sprintf("n=%d status=%d %q", r.N, r.Status, r.Reason)
	}
	return fmt.Sprintf("n=%d %+v", r.N, r.Req)
}

// parseWhole parses a private copy of in in one call.
func parseWhole(lim Limits, in []byte) result {
	p := NewParser(lim)
	var r Request
	buf := append([]byte(nil), in...)
	n, err := p.Parse(buf, &r)
	return summarize(n, err, &r)
}

// parseCuts feeds in as growing prefixes ending at each cut (the last cut
// should be len(in)). With realloc, every step hands Parse a fresh copy of
// the buffer, as a reader that grows its buffer would.
func parseCuts(lim Limits, in []byte, cuts []int, realloc bool) result {
	p := NewParser(lim)
	var r Request
	buf := make([]byte, 0, len(in))
	var n int
	var err error
	for _, c := range cuts {
		if realloc {
			nb := make([]byte, len(buf), c)
			copy(nb, buf)
			buf = nb
		}
		buf = append(buf, in[len(buf):c]...)
		n, err = p.Parse(buf, &r)
		if err != ErrNeedMore {
			break
		}
	}
	return summarize(n, err, &r)
}

// checkSplits checks that two-part splits (every offset, or a sample for
// long inputs) and a byte-by-byte feed give want.
func checkSplits(t *testing.T, lim Limits, in []byte, want result) {
	t.Helper()
	step := 1
	if len(in) > 2048 {
		step = len(in)/509 + 1
	}
	for k := 1; k < len(in); k += step {
		if got := parseCuts(lim, in, []int{k, len(in)}, k%2 == 0); !reflect.DeepEqual(got, want) {
			t.Fatalf("split at %d:\n got %v\nwant %v", k, got, want)
		}
	}
	if len(in) <= 20000 {
		cuts := make([]int, len(in))
		for i := range cuts {
			cuts[i] = i + 1
		}
		if got := parseCuts(lim, in, cuts, false); !reflect.DeepEqual(got, want) {
			t.Fatalf("byte by byte:\n got %v\nwant %v", got, want)
		}
	}
}

// chunkResult is a comparable summary of a whole chunked decode.
type chunkResult struct {
	Body     string
	N        int
	Done     bool
	Status   int
	Reason   string
	Trailers string
}

func chunkSummary(body []byte, n int, done bool, err error, d *ChunkedDecoder) chunkResult {
	r := chunkResult{Body: string(body), N: n, Done: done}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			r.Status, r.Reason = -2, err.Error()
		} else {
			r.Status, r.Reason = e.Status, e.Reason
		}
	}
	for _, tr := range d.Trailers() {
		r.Trailers += string(tr.Name) + "=" + string(tr.Value) + ";"
	}
	return r
}

// decodeParts decodes src fed in the given parts (cuts as in parseCuts).
func decodeParts(d *ChunkedDecoder, src []byte, cuts []int) chunkResult {
	var body []byte
	total, prev := 0, 0
	for _, c := range cuts {
		part := src[prev:c]
		prev = c
		out, n, done, err := d.Decode(body, part)
		body = out
		total += n
		if err != nil || done {
			return chunkSummary(body, total, done, err, d)
		}
		if n != len(part) {
			return chunkResult{Status: -3, Reason: "consumed " + strconv.Itoa(n) + " of " + strconv.Itoa(len(part)) + " without done or error"}
		}
	}
	return chunkSummary(body, total, false, nil, d)
}

func checkChunkSplits(t *testing.T, mk func() *ChunkedDecoder, src []byte, want chunkResult) {
	t.Helper()
	step := 1
	if len(src) > 2048 {
		step = len(src)/509 + 1
	}
	for k := 1; k < len(src); k += step {
		if got := decodeParts(mk(), src, []int{k, len(src)}); got != want {
			t.Fatalf("split at %d:\n got %+v\nwant %+v", k, got, want)
		}
	}
	cuts := make([]int, len(src))
	for i := range cuts {
		cuts[i] = i + 1
	}
	if got := decodeParts(mk(), src, cuts); got != want {
		t.Fatalf("byte by byte:\n got %+v\nwant %+v", got, want)
	}
}

// parseOpts reads a corpus .opts file: space-separated words "obsfold",
// "stripheaderspaces", "unconventionalmethod", "unconventionalversion",
// "casefoldmethod", "headermap=drop|refuse|dangerous", "requestline=N",
// "fields=N", "fieldsize=N".
func parseOpts(t *testing.T, path string) Limits {
	lim := DefaultLimits()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return lim
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range strings.Fields(string(b)) {
		k, v, _ := strings.Cut(w, "=")
		num := func() int {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("%s: bad option %q", path, w)
			}
			return n
		}
		switch k {
		case "obsfold":
			lim.PermitObsFold = true
		case "stripheaderspaces":
			lim.StripHeaderSpaces = true
		case "unconventionalmethod":
			lim.PermitUnconventionalMethod = true
		case "unconventionalversion":
			lim.PermitUnconventionalVersion = true
		case "casefoldmethod":
			lim.CasefoldMethod = true
		case "headermap":
			lim.HeaderMap = map[string]HeaderMap{"drop": HeaderMapDrop, "refuse": HeaderMapRefuse, "dangerous": HeaderMapDangerous}[v]
		case "requestline":
			lim.RequestLine = num()
		case "fields":
			lim.Fields = num()
		case "fieldsize":
			lim.FieldSize = num()
		default:
			t.Fatalf("%s: unknown option %q", path, w)
		}
	}
	return lim
}
