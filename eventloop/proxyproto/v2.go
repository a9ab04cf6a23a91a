package proxyproto

import (
	"encoding/binary"
	"hash/crc32"
	"net/netip"
)

// v2Signature starts every v2 header (proxy-protocol.txt §2.2). It cannot
// start an HTTP request: its fifth byte is NUL.
const v2Signature = "\r\n\r\n\x00\r\nQUIT\n"

// MaxV2Payload bounds the address block and TLVs a v2 header may carry.
// The format allows 65535 bytes; real senders use a few hundred (addresses
// are at most 216 bytes, then SNI, TLS and cloud endpoint TLVs), so a
// longer header is refused rather than buffered.
const MaxV2Payload = 4096

// MaxV2Len is the longest v2 header accepted: 16 fixed bytes and the payload.
const MaxV2Len = 16 + MaxV2Payload

// v2 byte 13 values (§2.2): address family << 4 | transport protocol.
const (
	famUnspec      = 0x00
	famTCP4        = 0x11
	famUDP4        = 0x12
	famTCP6        = 0x21
	famUDP6        = 0x22
	famUnixStream  = 0x31
	famUnixDgram   = 0x32
	addrLenTCP4    = 4 + 4 + 2 + 2
	addrLenTCP6    = 16 + 16 + 2 + 2
	cmdLocal       = 0x0
	cmdProxy       = 0x1
	tlvTypeCRC32C  = 0x03
	tlvHeaderBytes = 3
)

var (
	errV2Version  = newErr("PROXY v2: unsupported version")
	errV2Command  = newErr("PROXY v2: unsupported command")
	errV2Family   = newErr("PROXY v2: invalid address family")
	errV2Datagram = newErr("PROXY v2: only TCP is supported") // gunicorn: "only TCP protocol is supported"
	errV2Unix     = newErr("PROXY v2: unix socket addresses are not supported")
	errV2TooLong  = newErr("PROXY v2: header too long")
	errV2Short    = newErr("PROXY v2: address block too short")
	errV2TLV      = newErr("PROXY v2: malformed TLV")
	errV2CRC      = newErr("PROXY v2: CRC32c mismatch")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// zeroCRC stands in for the checksum while it is computed; a package value
// because a local array would escape into crc32.Update. Never written.
var zeroCRC [4]byte

// parseV2 parses a binary header; b starts with the 12-byte signature.
// Each fixed byte is checked as soon as it is there.
func parseV2(b []byte) (Header, int, error) {
	const sig = len(v2Signature)
	if len(b) <= sig {
		return Header{}, 0, ErrNeedMore
	}
	ver, cmd := b[sig]>>4, b[sig]&0xf
	if ver != 2 {
		return Header{}, 0, errV2Version
	}
	if cmd != cmdLocal && cmd != cmdProxy {
		return Header{}, 0, errV2Command
	}
	need := 0 // the address block the family needs
	if len(b) > sig+1 && cmd == cmdProxy {
		switch b[sig+1] {
		case famUnspec:
		case famTCP4:
			need = addrLenTCP4
		case famTCP6:
			need = addrLenTCP6
		case famUDP4, famUDP6:
			return Header{}, 0, errV2Datagram
		case famUnixStream, famUnixDgram:
			return Header{}, 0, errV2Unix
		default:
			// §2.2: other values "must be rejected as invalid by receivers".
			return Header{}, 0, errV2Family
		}
	}
	if len(b) < 16 {
		return Header{}, 0, ErrNeedMore
	}
	l := int(binary.BigEndian.Uint16(b[14:16]))
	if l > MaxV2Payload {
		return Header{}, 0, errV2TooLong
	}
	if l < need {
		return Header{}, 0, errV2Short
	}
	n := 16 + l
	if len(b) < n {
		return Header{}, 0, ErrNeedMore
	}
	// §2.2: LOCAL (health checks, the proxy's own connections) keeps the
	// real endpoints and the whole block is discarded; so does PROXY over
	// UNSPEC, whose receiver "is free to accept the connection anyway and
	// use the real endpoint addresses".
	if cmd == cmdLocal || b[13] == famUnspec {
		return Header{Version: 2, Local: true}, n, nil
	}
	p := b[16:n]
	h := Header{Version: 2}
	if b[13] == famTCP4 {
		h.Source = netip.AddrPortFrom(netip.AddrFrom4([4]byte(p[0:4])), binary.BigEndian.Uint16(p[8:10]))
		h.Dest = netip.AddrPortFrom(netip.AddrFrom4([4]byte(p[4:8])), binary.BigEndian.Uint16(p[10:12]))
	} else {
		h.Source = netip.AddrPortFrom(netip.AddrFrom16([16]byte(p[0:16])), binary.BigEndian.Uint16(p[32:34]))
		h.Dest = netip.AddrPortFrom(netip.AddrFrom16([16]byte(p[16:32])), binary.BigEndian.Uint16(p[34:36]))
	}
	h.TLVs = p[need:]
	if err := checkTLVs(b[:n], 16+need); err != nil {
		return Header{}, 0, err
	}
	return h, n, nil
}

// checkTLVs walks the TLVs of the complete header hdr starting at off:
// each must fit, and a CRC32c TLV must match the header (§2.2.1: "the
// receiver MUST ... drop the connection" if it does not).
func checkTLVs(hdr []byte, off int) error {
	for off < len(hdr) {
		if len(hdr)-off < tlvHeaderBytes {
			return errV2TLV
		}
		typ, l := hdr[off], int(binary.BigEndian.Uint16(hdr[off+1:off+3]))
		v := off + tlvHeaderBytes
		if len(hdr)-v < l {
			return errV2TLV
		}
		if typ == tlvTypeCRC32C {
			if l != 4 {
				return errV2TLV
			}
			// The checksum covers the whole header with its own value zeroed.
			sum := crc32.Update(0, castagnoli, hdr[:v])
			sum = crc32.Update(sum, castagnoli, zeroCRC[:])
			sum = crc32.Update(sum, castagnoli, hdr[v+4:])
			if sum != binary.BigEndian.Uint32(hdr[v:v+4]) {
				return errV2CRC
			}
		}
		off = v + l
	}
	return nil
}
