package http1

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fuzzLimits derives parser limits from fuzz-chosen bits so the fuzzer also
// explores gunicorn's leniency switches, header_map and tight limits. The
// flags byte is full, so CasefoldMethod takes the top bit of split (the
// fuzz signature is fixed by the stored corpus).
func fuzzLimits(flags uint8, split uint16) Limits {
	lim := DefaultLimits()
	lim.PermitObsFold = flags&1 != 0
	lim.HeaderMap = HeaderMap(flags >> 1 & 3 % 3)
	if flags&8 != 0 {
		lim.RequestLine, lim.Fields, lim.FieldSize = 64, 4, 32
	}
	if flags&16 != 0 {
		lim.FieldSize = 0
	}
	lim.StripHeaderSpaces = flags&32 != 0
	lim.PermitUnconventionalVersion = flags&64 != 0
	lim.PermitUnconventionalMethod = flags&128 != 0
	lim.CasefoldMethod = split&0x8000 != 0
	return lim
}

// strict turns gunicorn's leniency switches off.
func strict(lim Limits) Limits {
	lim.PermitObsFold, lim.StripHeaderSpaces, lim.CasefoldMethod = false, false, false
	lim.PermitUnconventionalMethod, lim.PermitUnconventionalVersion = false, false
	return lim
}

func addCorpusSeeds(f *testing.F, add func(in []byte)) {
	for _, dir := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.http"))
		for _, file := range files {
			in, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			add(in)
		}
	}
}

func checkSpans(t *testing.T, lim Limits, r snap, n int) {
	t.Helper()
	if len(r.Raw) != n {
		t.Fatalf("len(Raw) = %d, n = %d", len(r.Raw), n)
	}
	ok := func(s Span) bool { return s.Off <= s.End && int(s.End) <= n }
	for _, s := range []Span{r.Method, r.Target, r.Path, r.Query, r.Host} {
		if !ok(s) {
			t.Fatalf("span %+v outside Raw[:%d]", s, n)
		}
	}
	for _, f := range r.Fields {
		if !ok(f.Name) || !ok(f.Value) || f.Name.Len() == 0 {
			t.Fatalf("field %+v outside Raw[:%d]", f, n)
		}
	}
	if r.Method.Len() == 0 || r.Target.Len() == 0 || r.Major > 9 || r.Minor > 9 || r.Major != 1 && !lim.PermitUnconventionalVersion {
		t.Fatalf("accepted head without method, target or with a bad version: %+v", r)
	}
	m := r.Raw[r.Method.Off:r.Method.End]
	if !lim.PermitUnconventionalMethod && !conventionalMethod([]byte(m)) {
		t.Fatalf("accepted unconventional method %q", m)
	}
	if lim.CasefoldMethod && strings.ToUpper(m) != m {
		t.Fatalf("method %q not case-folded", m)
	}
}

func FuzzParse(f *testing.F) {
	addCorpusSeeds(f, func(in []byte) {
		f.Add(in, uint16(len(in)/2), uint8(0))
		f.Add(in, uint16(7), uint8(1))
		f.Add(in, uint16(0x8000|len(in)/3), uint8(0xe1)) // every leniency switch
	})
	f.Fuzz(func(t *testing.T, data []byte, split uint16, flags uint8) {
		lim := fuzzLimits(flags, split)
		whole := parseWhole(lim, data)
		if whole.N > len(data) || whole.N < 0 {
			t.Fatalf("n = %d for %d bytes", whole.N, len(data))
		}
		if whole.Status == 0 {
			checkSpans(t, lim, whole.Req, whole.N)
		} else if whole.N != 0 {
			t.Fatalf("n = %d with error %v", whole.N, whole)
		}
		// The switches only relax: what the strict parser accepts, the
		// lenient one accepts identically.
		if s := strict(lim); s != lim {
			if sw := parseWhole(s, data); sw.Status == 0 && !reflect.DeepEqual(sw, whole) {
				t.Fatalf("strict accepts differently:\n strict  %v\n lenient %v", sw, whole)
			}
		}
		k := 0
		if len(data) > 0 {
			k = int(split) % len(data)
		}
		cuts := []int{k, len(data)}
		if got := parseCuts(lim, data, cuts, split&1 != 0); !reflect.DeepEqual(got, whole) {
			t.Fatalf("split at %d:\n got %v\nwant %v", k, got, whole)
		}
		k2 := k + int(flags)
		if k2 < len(data) {
			if got := parseCuts(lim, data, []int{k, k2, len(data)}, true); !reflect.DeepEqual(got, whole) {
				t.Fatalf("split at %d, %d:\n got %v\nwant %v", k, k2, got, whole)
			}
		}
	})
}

func FuzzChunked(f *testing.F) {
	addCorpusSeeds(f, func(in []byte) {
		var r Request
		lim := fuzzLimits(0xe1, 0x8000) // every leniency switch
		if n, err := NewParser(lim).Parse(append([]byte(nil), in...), &r); err == nil && r.Chunked {
			f.Add(in[n:], uint16(len(in[n:])/3), uint8(0))
			f.Add(in[n:], uint16(0x8000|len(in[n:])/2), uint8(0))
		}
	})
	f.Add([]byte("5;a=\"b\\\"c\"\r\nhello\r\n0\r\nX: y\r\n\r\n"), uint16(9), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, split uint16, flags uint8) {
		mk := func() *ChunkedDecoder {
			return &ChunkedDecoder{MaxTrailerFields: int(flags & 7), MaxTrailerFieldSize: int(flags>>3) * 4, HeaderMap: HeaderMap(flags >> 6 % 3),
				StripHeaderSpaces: split&0x8000 != 0}
		}
		whole := decodeParts(mk(), data, []int{len(data)})
		if whole.N > len(data) || whole.N < 0 || len(whole.Body) > len(data) {
			t.Fatalf("n = %d, body %d for %d bytes", whole.N, len(whole.Body), len(data))
		}
		if whole.Status == 0 && !whole.Done && whole.N != len(data) {
			t.Fatalf("need more but consumed %d of %d", whole.N, len(data))
		}
		k := 0
		if len(data) > 0 {
			k = int(split) % len(data)
		}
		if got := decodeParts(mk(), data, []int{k, len(data)}); got != whole {
			t.Fatalf("split at %d:\n got %+v\nwant %+v", k, got, whole)
		}
		// Encoder round trip: any bytes survive AppendChunk + decoding.
		enc := AppendLastChunk(AppendChunk(AppendChunk(nil, data[:k]), data[k:]))
		var d ChunkedDecoder
		body, n, done, err := d.Decode(nil, enc)
		if err != nil || !done || n != len(enc) || !bytes.Equal(body, data) {
			t.Fatalf("round trip: n=%d/%d done=%v err=%v", n, len(enc), done, err)
		}
	})
}
