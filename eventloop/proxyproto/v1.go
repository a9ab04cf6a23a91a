package proxyproto

import (
	"bytes"
	"net/netip"
)

// v1Prefix starts every v1 header.
const v1Prefix = "PROXY"

// MaxV1Len is the longest v1 header, CRLF included (proxy-protocol.txt
// §2.1: "PROXY TCP6 ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n").
const MaxV1Len = 107

var (
	errV1NoSpace  = newErr("PROXY not followed by a space")
	errV1TooLong  = newErr("PROXY line longer than 107 bytes")
	errV1Char     = newErr("invalid character in PROXY line")
	errV1BareCR   = newErr("CR not followed by LF in PROXY line")
	errV1BareLF   = newErr("LF without CR in PROXY line")
	errV1Fields   = newErr("PROXY line does not have 6 fields")
	errV1Protocol = newErr("PROXY protocol not supported") // gunicorn: "protocol '%s' not supported"
	errV1Addr     = newErr("invalid address in PROXY line")
	errV1Port     = newErr("invalid port in PROXY line")
)

// parseV1 parses "PROXY <TCP4|TCP6> <src> <dst> <sport> <dport>\r\n" or
// "PROXY UNKNOWN[ anything]\r\n"; b starts with "PROXY".
func parseV1(b []byte) (Header, int, error) {
	end, err := v1LineEnd(b)
	if err != nil {
		return Header{}, 0, err
	}
	line := b[len(v1Prefix)+1 : end] // after "PROXY "
	n := end + 2
	// §2.1: "UNKNOWN": the receiver must ignore the rest of the line and
	// use the real connection endpoints.
	if rest, ok := bytes.CutPrefix(line, []byte("UNKNOWN")); ok && (len(rest) == 0 || rest[0] == ' ') {
		return Header{Version: 1, Local: true}, n, nil
	}
	// gunicorn 23: line.split(" ") must give exactly 6 parts, so one
	// space between fields and none at either end.
	var f [5][]byte
	for i := range f {
		j := bytes.IndexByte(line, ' ')
		if i == len(f)-1 {
			if j >= 0 {
				return Header{}, 0, errV1Fields
			}
			j = len(line)
		} else if j < 0 {
			return Header{}, 0, errV1Fields
		}
		f[i], line = line[:j], line[min(j+1, len(line)):]
		if len(f[i]) == 0 {
			return Header{}, 0, errV1Fields
		}
	}
	var want4 bool
	switch string(f[0]) {
	case "TCP4":
		want4 = true
	case "TCP6":
	default:
		return Header{}, 0, errV1Protocol
	}
	src, ok1 := v1Addr(f[1], want4)
	dst, ok2 := v1Addr(f[2], want4)
	if !ok1 || !ok2 {
		return Header{}, 0, errV1Addr
	}
	sport, ok1 := v1Port(f[3])
	dport, ok2 := v1Port(f[4])
	if !ok1 || !ok2 {
		return Header{}, 0, errV1Port
	}
	return Header{
		Version:    1,
		Source:     netip.AddrPortFrom(src, sport),
		Dest:       netip.AddrPortFrom(dst, dport),
		SourceText: f[1],
	}, n, nil
}

// v1LineEnd finds the CR of the CRLF that ends the v1 line in b, checking
// every byte on the way so that garbage is refused as soon as it arrives.
func v1LineEnd(b []byte) (int, error) {
	for i := len(v1Prefix); i < len(b); i++ {
		// The CR may be at most byte 106 of 107, so that its LF is the last.
		if i >= MaxV1Len-2 && !(i == MaxV1Len-2 && b[i] == '\r') {
			return 0, errV1TooLong
		}
		c := b[i]
		switch {
		case i == len(v1Prefix):
			if c != ' ' {
				return 0, errV1NoSpace
			}
		case c == '\r':
			if i+1 == len(b) {
				return 0, ErrNeedMore
			}
			if b[i+1] != '\n' {
				return 0, errV1BareCR
			}
			return i, nil
		case c == '\n':
			return 0, errV1BareLF
		case c < ' ' || c > '~':
			return 0, errV1Char
		}
	}
	return 0, ErrNeedMore
}

// v1Addr parses a TCP4 (dotted quad) or TCP6 address as inet_pton does:
// no zone, and an IPv4 address is not a TCP6 one.
func v1Addr(s []byte, want4 bool) (netip.Addr, bool) {
	a, err := netip.ParseAddr(string(s))
	if err != nil || a.Zone() != "" || a.Is4() != want4 {
		return netip.Addr{}, false
	}
	return a, true
}

// v1Port parses a decimal port, 0 to 65535 (gunicorn: int() in range).
func v1Port(s []byte) (uint16, bool) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return 0, false
		}
	}
	return uint16(n), len(s) > 0
}
