package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"net/netip"
	"strings"
	"testing"
)

// v2 builds a version 2 header: command, family byte, address block, TLVs.
func v2(cmd, fam byte, addrs []byte, tlvs ...[]byte) []byte {
	b := []byte(v2Signature)
	b = append(b, 0x20|cmd, fam, 0, 0)
	b = append(b, addrs...)
	for _, t := range tlvs {
		b = append(b, t...)
	}
	binary.BigEndian.PutUint16(b[14:16], uint16(len(b)-16))
	return b
}

func tlv(typ byte, v []byte) []byte {
	return append([]byte{typ, byte(len(v) >> 8), byte(len(v))}, v...)
}

// withCRC appends a CRC32c TLV holding the correct checksum.
func withCRC(cmd, fam byte, addrs []byte, tlvs ...[]byte) []byte {
	b := v2(cmd, fam, addrs, append(tlvs, tlv(tlvTypeCRC32C, make([]byte, 4)))...)
	sum := crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
	binary.BigEndian.PutUint32(b[len(b)-4:], sum)
	return b
}

func addr4(src, dst string, sport, dport uint16) []byte {
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	b := append(s[:], d[:]...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, sport), dport)
}

func addr6(src, dst string, sport, dport uint16) []byte {
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	b := append(s[:], d[:]...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, sport), dport)
}

const httpGet = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"

// unknown107 is the longest valid v1 header (proxy-protocol.txt §2.1).
var unknown107 = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"

type parseCase struct {
	name    string
	in      []byte
	want    Header // Version 0: an error is expected
	wantErr error  // nil with want.Version 0: any *Error
}

func validCases() []parseCase {
	return []parseCase{
		// gunicorn tests/requests/valid/pp_01, pp_02 (proxy-protocol.txt example).
		{name: "v1 tcp4 gunicorn pp_02", in: []byte("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n" + httpGet),
			want: Header{Version: 1, Source: netip.MustParseAddrPort("192.168.0.1:56324"),
				Dest: netip.MustParseAddrPort("192.168.0.11:443"), SourceText: []byte("192.168.0.1")}},
		{name: "v1 tcp6", in: []byte("PROXY TCP6 2001:db8::1 2001:db8::2 65535 0\r\n" + httpGet),
			want: Header{Version: 1, Source: netip.MustParseAddrPort("[2001:db8::1]:65535"),
				Dest: netip.MustParseAddrPort("[2001:db8::2]:0"), SourceText: []byte("2001:db8::1")}},
		{name: "v1 tcp6 verbatim text", in: []byte("PROXY TCP6 2001:DB8:0:0::1 ::ffff:10.0.0.1 1 2\r\n"),
			want: Header{Version: 1, Source: netip.MustParseAddrPort("[2001:db8::1]:1"),
				Dest: netip.MustParseAddrPort("[::ffff:10.0.0.1]:2"), SourceText: []byte("2001:DB8:0:0::1")}},
		{name: "v1 port leading zeros (gunicorn int())", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 00080 443\r\n"),
			want: Header{Version: 1, Source: netip.MustParseAddrPort("1.2.3.4:80"),
				Dest: netip.MustParseAddrPort("5.6.7.8:443"), SourceText: []byte("1.2.3.4")}},
		{name: "v1 unknown", in: []byte("PROXY UNKNOWN\r\n" + httpGet), want: Header{Version: 1, Local: true}},
		{name: "v1 unknown with addresses", in: []byte("PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n" + httpGet), want: Header{Version: 1, Local: true}},
		{name: "v1 unknown 107 bytes", in: []byte(unknown107 + httpGet), want: Header{Version: 1, Local: true}},
		{name: "v1 tcp6 longest", in: []byte("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
			want: Header{Version: 1, Source: netip.MustParseAddrPort("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"),
				Dest: netip.MustParseAddrPort("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"), SourceText: []byte("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}},
		// gunicorn tests/requests/valid/pp_04 and pp_05 (bytes as there).
		{name: "v2 tcp4 gunicorn pp_04", in: append([]byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\xac\x13\x00\x01\xac\x13\x00\x03\xa6\x52\x00\x50"), httpGet...),
			want: Header{Version: 2, Source: netip.MustParseAddrPort("172.19.0.1:42578"), Dest: netip.MustParseAddrPort("172.19.0.3:80"), TLVs: []byte{}}},
		{name: "v2 tcp6 gunicorn pp_05", in: append([]byte("\r\n\r\n\x00\r\nQUIT\n\x21!\x00\x24\xff\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00Vx\x00\x01\xff\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00Vx\x00\x02\xa6\x52\x00\x50"), httpGet...),
			want: Header{Version: 2, Source: netip.MustParseAddrPort("[ff02::5678:1]:42578"), Dest: netip.MustParseAddrPort("[ff02::5678:2]:80"), TLVs: []byte{}}},
		{name: "v2 tcp4 with tlvs", in: append(v2(cmdProxy, famTCP4, addr4("10.1.2.3", "10.0.0.1", 4000, 8000),
			tlv(0x02, []byte("example.com")), tlv(0x04, nil), tlv(0xEA, []byte("\x01vpce-0123"))), httpGet...),
			want: Header{Version: 2, Source: netip.MustParseAddrPort("10.1.2.3:4000"), Dest: netip.MustParseAddrPort("10.0.0.1:8000"),
				TLVs: append(append(tlv(0x02, []byte("example.com")), tlv(0x04, nil)...), tlv(0xEA, []byte("\x01vpce-0123"))...)}},
		{name: "v2 tcp6 with crc32c", in: append(withCRC(cmdProxy, famTCP6, addr6("2001:db8::7", "2001:db8::1", 1, 443), tlv(0x02, []byte("h"))), httpGet...),
			want: Header{Version: 2, Source: netip.MustParseAddrPort("[2001:db8::7]:1"), Dest: netip.MustParseAddrPort("[2001:db8::1]:443")}},
		{name: "v2 tcp6 longer address block", in: v2(cmdProxy, famTCP6, append(addr6("::1", "::2", 5, 6), make([]byte, 180)...)),
			want: Header{Version: 2, Source: netip.MustParseAddrPort("[::1]:5"), Dest: netip.MustParseAddrPort("[::2]:6")}},
		{name: "v2 local", in: append(v2(cmdLocal, famUnspec, nil), httpGet...), want: Header{Version: 2, Local: true}},
		{name: "v2 local ignores family and block", in: v2(cmdLocal, 0x77, []byte("junk")), want: Header{Version: 2, Local: true}},
		{name: "v2 proxy unspec", in: append(v2(cmdProxy, famUnspec, nil, tlv(0x04, []byte("x"))), httpGet...), want: Header{Version: 2, Local: true}},
		{name: "v2 longest", in: v2(cmdProxy, famTCP4, addr4("1.1.1.1", "2.2.2.2", 1, 2), tlv(0x04, make([]byte, MaxV2Payload-12-3))),
			want: Header{Version: 2, Source: netip.MustParseAddrPort("1.1.1.1:1"), Dest: netip.MustParseAddrPort("2.2.2.2:2")}},
	}
}

func invalidCases() []parseCase {
	var tooLong []byte
	tooLong = v2(cmdProxy, famTCP4, addr4("1.1.1.1", "2.2.2.2", 1, 2), tlv(0x04, make([]byte, MaxV2Payload-12-3+1)))
	badCRC := withCRC(cmdProxy, famTCP4, addr4("1.1.1.1", "2.2.2.2", 1, 2))
	badCRC[len(badCRC)-1] ^= 1
	return []parseCase{
		{name: "http", in: []byte(httpGet), wantErr: ErrNotProxy},
		{name: "http leading crlf", in: []byte("\r\n" + httpGet), wantErr: ErrNotProxy},
		{name: "method PROX", in: []byte("PROX / HTTP/1.1\r\n"), wantErr: ErrNotProxy},
		// gunicorn tests/requests/invalid/pp_01.
		{name: "v1 gunicorn pp_01", in: []byte("PROXY TCP4 192.168.0.1 192.16...\r\n")},
		{name: "v1 no space", in: []byte("PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n")},
		{name: "v1 method PROXY", in: []byte("PROXY / HTTP/1.1\r\n")},
		{name: "v1 empty", in: []byte("PROXY \r\n")},
		{name: "v1 unknownx", in: []byte("PROXY UNKNOWNX\r\n")},
		{name: "v1 udp4", in: []byte("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n")},
		{name: "v1 lower case", in: []byte("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n")},
		{name: "v1 five fields", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n")},
		{name: "v1 seven fields", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n")},
		{name: "v1 double space", in: []byte("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n")},
		{name: "v1 trailing space", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n")},
		{name: "v1 tab", in: []byte("PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n")},
		{name: "v1 tcp4 with ipv6", in: []byte("PROXY TCP4 ::1 ::1 1 2\r\n")},
		{name: "v1 tcp6 with ipv4", in: []byte("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n")},
		{name: "v1 zone", in: []byte("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n")},
		{name: "v1 ipv4 leading zero", in: []byte("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n")},
		{name: "v1 bad dst", in: []byte("PROXY TCP4 1.2.3.4 5.6.7 1 2\r\n")},
		{name: "v1 hostname", in: []byte("PROXY TCP4 localhost 5.6.7.8 1 2\r\n")},
		{name: "v1 port too big", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n")},
		{name: "v1 port negative", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n")},
		{name: "v1 port plus", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n")},
		{name: "v1 port hex", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 0x2\r\n")},
		{name: "v1 bare lf", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n" + httpGet)},
		{name: "v1 bare cr", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rGET")},
		{name: "v1 nul", in: []byte("PROXY TCP4 1.2.3.4\x005.6.7.8 1 2\r\n")},
		{name: "v1 high byte", in: []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\xff\r\n")},
		{name: "v1 108 bytes", in: []byte(strings.Replace(unknown107, "UNKNOWN", "UNKNOWN ", 1))},
		{name: "v1 no crlf in 107", in: []byte("PROXY UNKNOWN " + strings.Repeat("x", 200))},
		{name: "v2 version 1", in: append([]byte(v2Signature), 0x11, famTCP4, 0, 12)},
		{name: "v2 version 3", in: append([]byte(v2Signature), 0x31, famTCP4, 0, 12)},
		{name: "v2 command 2", in: append([]byte(v2Signature), 0x22, famTCP4, 0, 12)},
		{name: "v2 udp4", in: v2(cmdProxy, famUDP4, addr4("1.1.1.1", "2.2.2.2", 1, 2))},
		{name: "v2 udp6", in: v2(cmdProxy, famUDP6, addr6("::1", "::2", 1, 2))},
		{name: "v2 unix stream", in: v2(cmdProxy, famUnixStream, make([]byte, 216))},
		{name: "v2 unix dgram", in: v2(cmdProxy, famUnixDgram, make([]byte, 216))},
		{name: "v2 family 0x13", in: v2(cmdProxy, 0x13, addr4("1.1.1.1", "2.2.2.2", 1, 2))},
		{name: "v2 family 0x10", in: v2(cmdProxy, 0x10, addr4("1.1.1.1", "2.2.2.2", 1, 2))},
		{name: "v2 family 0x41", in: v2(cmdProxy, 0x41, addr4("1.1.1.1", "2.2.2.2", 1, 2))},
		{name: "v2 tcp4 short", in: v2(cmdProxy, famTCP4, addr4("1.1.1.1", "2.2.2.2", 1, 2)[:11])},
		{name: "v2 tcp6 short", in: v2(cmdProxy, famTCP6, addr6("::1", "::2", 1, 2)[:35])},
		{name: "v2 tcp6 with tcp4 block", in: v2(cmdProxy, famTCP6, addr4("1.1.1.1", "2.2.2.2", 1, 2))},
		{name: "v2 too long", in: tooLong},
		{name: "v2 length 65535", in: append([]byte(v2Signature), 0x21, famTCP4, 0xff, 0xff)},
		{name: "v2 truncated tlv header", in: v2(cmdProxy, famTCP4, addr4("1.1.1.1", "2.2.2.2", 1, 2), []byte{0x04, 0})},
		{name: "v2 tlv overflows", in: v2(cmdProxy, famTCP4, addr4("1.1.1.1", "2.2.2.2", 1, 2), []byte{0x04, 0, 5, 'a'})},
		{name: "v2 crc wrong length", in: v2(cmdProxy, famTCP4, addr4("1.1.1.1", "2.2.2.2", 1, 2), tlv(tlvTypeCRC32C, []byte{1, 2, 3}))},
		{name: "v2 crc mismatch", in: badCRC},
	}
}

func TestParse(t *testing.T) {
	for _, tt := range append(validCases(), invalidCases()...) {
		t.Run(tt.name, func(t *testing.T) {
			h, n, err := Parse(tt.in)
			if tt.want.Version == 0 {
				var pe *Error
				switch {
				case tt.wantErr != nil && err != tt.wantErr:
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				case tt.wantErr == nil && (!errors.As(err, &pe) || pe.Status != 400):
					t.Fatalf("err = %v (header %+v), want a 400 *Error", err, h)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			wantN := len(tt.in) - len(httpGet)
			if !bytes.HasSuffix(tt.in, []byte(httpGet)) {
				wantN = len(tt.in)
			}
			if n != wantN {
				t.Errorf("n = %d, want %d", n, wantN)
			}
			if tt.want.TLVs == nil {
				h.TLVs = nil // compared only where the case says
			}
			if !equalHeader(h, tt.want) {
				t.Errorf("got  %+v\nwant %+v", h, tt.want)
			}
		})
	}
}

func equalHeader(a, b Header) bool {
	return a.Version == b.Version && a.Local == b.Local && a.Source == b.Source && a.Dest == b.Dest &&
		bytes.Equal(a.SourceText, b.SourceText) && (a.TLVs == nil) == (b.TLVs == nil) && bytes.Equal(a.TLVs, b.TLVs)
}

// TestParseSplit: every prefix of a header is ErrNeedMore or already the
// final verdict, and extra bytes after a complete header change nothing.
func TestParseSplit(t *testing.T) {
	for _, tt := range append(validCases(), invalidCases()...) {
		t.Run(tt.name, func(t *testing.T) {
			checkSplit(t, tt.in)
		})
	}
}

func checkSplit(t *testing.T, in []byte) {
	t.Helper()
	h, n, err := Parse(in)
	if err == ErrNeedMore {
		return
	}
	for k := 0; k < len(in); k++ {
		// A copy with no spare capacity, so reads past the prefix are caught.
		p := bytes.Clone(in[:k])
		hk, nk, errk := Parse(p)
		if errk == ErrNeedMore {
			if err == nil && k >= n {
				t.Fatalf("prefix %d of %d: need more, but the header ended at %d", k, len(in), n)
			}
			continue
		}
		if errk != err || nk != n || !equalHeader(hk, h) {
			t.Fatalf("prefix %d of %d: (%+v, %d, %v), whole input: (%+v, %d, %v)", k, len(in), hk, nk, errk, h, n, err)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  error
	}{
		{"", 0, ErrNeedMore},
		{"P", 0, ErrNeedMore},
		{"PROX", 0, ErrNeedMore},
		{"PROXY", 1, nil},
		{"PROXY TCP4", 1, nil},
		{"PROXI", 0, nil},
		{"GET", 0, nil},
		{"\r", 0, ErrNeedMore},
		{"\r\n\r\n\x00\r\nQUIT", 0, ErrNeedMore},
		{v2Signature, 2, nil},
		{"\r\nGET", 0, nil},
		{"\r\n\r\n\x01", 0, nil},
	}
	for _, tt := range tests {
		got, err := Detect([]byte(tt.in))
		if got != tt.want || err != tt.err {
			t.Errorf("Detect(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// A v2 header, the common case behind a load balancer, parses without
// allocating.
func TestParseV2Allocs(t *testing.T) {
	in := withCRC(cmdProxy, famTCP6, addr6("2001:db8::7", "2001:db8::1", 1, 443), tlv(0x02, []byte("example.com")))
	if n := testing.AllocsPerRun(100, func() { _, _, _ = Parse(in) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

func BenchmarkParseV1(b *testing.B) {
	in := []byte("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n" + httpGet)
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = Parse(in)
	}
}

func BenchmarkParseV2(b *testing.B) {
	in := append(v2(cmdProxy, famTCP4, addr4("10.1.2.3", "10.0.0.1", 4000, 8000), tlv(0xEA, []byte("\x01vpce-0123"))), httpGet...)
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = Parse(in)
	}
}
