package proxyproto

import (
	"errors"
	"net/netip"
)

// ErrNeedMore is returned by Parse and Detect while the bytes given are a
// valid prefix of a header.
var ErrNeedMore = errors.New("proxyproto: need more data")

// ErrNotProxy is returned by Parse when the input does not start with a
// PROXY protocol header (it is ordinary application data).
var ErrNotProxy = errors.New("proxyproto: not a PROXY protocol header")

// Error is a malformed header. Every Error is a preallocated package value;
// Status is the HTTP status gunicorn answers with (400, InvalidProxyLine).
type Error struct {
	Status int
	Reason string
}

func (e *Error) Error() string { return "proxyproto: " + e.Reason }

func newErr(reason string) *Error { return &Error{Status: 400, Reason: reason} }

// Header is a parsed PROXY protocol header.
type Header struct {
	// Version is 1 (text) or 2 (binary).
	Version int
	// Local reports a header that carries no client address, so the
	// connection's real endpoints stand: v1 "UNKNOWN", v2 LOCAL, and v2
	// PROXY with the UNSPEC family (proxy-protocol.txt §2.1 and §2.2).
	Local bool
	// Source is the client's address and port, Dest the address the client
	// connected to; both are zero when Local.
	Source, Dest netip.AddrPort
	// SourceText is the v1 source address exactly as sent, which gunicorn
	// reports in REMOTE_ADDR unchanged; nil for v2 and for Local. It
	// aliases the input.
	SourceText []byte
	// TLVs holds the v2 type-length-value vectors after the addresses,
	// already checked to be well formed (and their CRC32c, if any, to
	// match); nil for v1. It aliases the input.
	TLVs []byte
}

// Detect reports which header b starts with: 1 or 2, or 0 when b cannot
// start a PROXY protocol header. It returns ErrNeedMore while b is a proper
// prefix of both a possible header and possible application data. v1 is
// recognised by "PROXY", as gunicorn 23 does (line.startswith("PROXY")).
func Detect(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, ErrNeedMore
	}
	if n := min(len(b), len(v1Prefix)); string(b[:n]) == v1Prefix[:n] {
		if n < len(v1Prefix) {
			return 0, ErrNeedMore
		}
		return 1, nil
	}
	if n := min(len(b), len(v2Signature)); string(b[:n]) == v2Signature[:n] {
		if n < len(v2Signature) {
			return 0, ErrNeedMore
		}
		return 2, nil
	}
	return 0, nil
}

// Parse parses the PROXY protocol header at the start of b and returns it
// with the number of bytes it occupies; the application data follows at
// b[n:]. It returns ErrNeedMore for an incomplete header, ErrNotProxy when b
// does not start with one, and an *Error for a malformed one. Parse keeps no
// reference to b, but the Header's SourceText and TLVs alias it.
func Parse(b []byte) (h Header, n int, err error) {
	v, err := Detect(b)
	switch {
	case err != nil:
		return Header{}, 0, err
	case v == 1:
		return parseV1(b)
	case v == 2:
		return parseV2(b)
	}
	return Header{}, 0, ErrNotProxy
}
