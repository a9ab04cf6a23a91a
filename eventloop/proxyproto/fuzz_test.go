package proxyproto

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strconv"
	"testing"
)

// FuzzProxyHeader checks Parse on arbitrary input: it never panics, a
// header it accepts fits the bounds and survives re-encoding, every prefix
// of the input is undecided or already final, and bytes after a decision
// change nothing. Seeds: the table cases and testdata/fuzz/FuzzProxyHeader.
func FuzzProxyHeader(f *testing.F) {
	for _, tt := range append(validCases(), invalidCases()...) {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		h, n, err := Parse(in)
		if err == nil {
			checkHeader(t, in, h, n)
		}
		if err != ErrNeedMore {
			more := append(bytes.Clone(in), "GET / HTTP/1.1\r\n\r\n\x00\r\nQUIT\n"...)
			h2, n2, err2 := Parse(more)
			if err2 != err || n2 != n || !equalHeader(h2, h) {
				t.Fatalf("extra bytes changed the verdict: (%+v, %d, %v) then (%+v, %d, %v)", h, n, err, h2, n2, err2)
			}
		}
		if len(in) <= 512 {
			checkSplit(t, in)
		}
	})
}

func checkHeader(t *testing.T, in []byte, h Header, n int) {
	t.Helper()
	max := MaxV1Len
	if h.Version == 2 {
		max = MaxV2Len
	}
	if n <= 0 || n > len(in) || n > max || (h.Version != 1 && h.Version != 2) {
		t.Fatalf("version %d, n = %d of %d", h.Version, n, len(in))
	}
	if h.Local {
		if h.Source.IsValid() || h.Dest.IsValid() || h.SourceText != nil || h.TLVs != nil {
			t.Fatalf("local header with addresses: %+v", h)
		}
		return
	}
	if !h.Source.IsValid() || !h.Dest.IsValid() || h.Source.Addr().Is4() != h.Dest.Addr().Is4() {
		t.Fatalf("invalid addresses: %+v", h)
	}
	// Re-encode and parse again: the same client comes out.
	var enc []byte
	if h.Version == 1 {
		if a, err := netip.ParseAddr(string(h.SourceText)); err != nil || a != h.Source.Addr() {
			t.Fatalf("SourceText %q is not Source %v", h.SourceText, h.Source)
		}
		proto := "TCP6"
		if h.Source.Addr().Is4() {
			proto = "TCP4"
		}
		enc = []byte("PROXY " + proto + " " + string(h.SourceText) + " " + h.Dest.Addr().String() + " " +
			strconv.Itoa(int(h.Source.Port())) + " " + strconv.Itoa(int(h.Dest.Port())) + "\r\n")
	} else {
		if h.SourceText != nil {
			t.Fatalf("v2 header with SourceText")
		}
		fam, addrs := byte(famTCP6), []byte(nil)
		if h.Source.Addr().Is4() {
			fam = famTCP4
			s, d := h.Source.Addr().As4(), h.Dest.Addr().As4()
			addrs = append(s[:], d[:]...)
		} else {
			s, d := h.Source.Addr().As16(), h.Dest.Addr().As16()
			addrs = append(s[:], d[:]...)
		}
		addrs = binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(addrs, h.Source.Port()), h.Dest.Port())
		enc = v2(cmdProxy, fam, addrs)
	}
	h2, n2, err := Parse(enc)
	if err != nil || n2 != len(enc) || h2.Source != h.Source || h2.Dest != h.Dest {
		t.Fatalf("re-encoded %q: (%+v, %d, %v), want source %v dest %v", enc, h2, n2, err, h.Source, h.Dest)
	}
}
