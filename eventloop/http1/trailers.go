package http1

import "bytes"

// forbiddenTrailers are fields a sender must not put in a trailer section
// and that we reject (RFC 9110 §6.5.1): message framing (Transfer-Encoding,
// Content-Length, Trailer), routing (Host), request modifiers and controls
// (Cache-Control, Expect, Max-Forwards, Pragma, Range, If-*, TE),
// authentication (Authorization, Proxy-Authorization, Cookie), content
// handling (Content-Encoding, Content-Type, Content-Range) and connection
// management (Connection, Keep-Alive, Proxy-Connection, Upgrade). Lower case.
var forbiddenTrailers = [...]string{
	"transfer-encoding", "content-length", "trailer",
	"host",
	"cache-control", "expect", "max-forwards", "pragma", "range", "te",
	"if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range",
	"authorization", "proxy-authorization", "cookie",
	"content-encoding", "content-type", "content-range",
	"connection", "keep-alive", "proxy-connection", "upgrade",
}

func forbiddenTrailer(name []byte) bool {
	for _, f := range forbiddenTrailers {
		if equalFold(name, f) {
			return true
		}
	}
	return false
}

// trailerBytes copies trailer-line bytes from src up to the first CR or LF.
// It returns how many bytes of src it consumed.
func (d *ChunkedDecoder) trailerBytes(src []byte) (int, *Error) {
	k := len(src)
	if j := bytes.IndexByte(src, '\r'); j >= 0 {
		k = j
	}
	if j := bytes.IndexByte(src[:k], '\n'); j >= 0 {
		k = j
	}
	// The error offset is that of the first byte over the limit, so it
	// does not depend on how the input was split.
	if room := d.maxFieldSize() - (len(d.tbuf) - d.lineStart); k > room {
		return room, errTrailerTooLarge
	}
	d.tbuf = append(d.tbuf, src[:k]...)
	if k == len(src) {
		return k, nil
	}
	if src[k] == '\n' {
		return k, errTrailerLineEnd // bare LF
	}
	d.state = csTrailerLF
	return k + 1, nil
}

// trailerLine validates the complete trailer line at d.tbuf[d.lineStart:]
// with the header field rules and keeps it unless header_map drops it.
func (d *ChunkedDecoder) trailerLine() *Error {
	d.ntrailers++
	ls := d.lineStart
	line := d.tbuf[ls:]
	nameEnd, vs, ve, uscore, err := parseFieldLine(line, d.StripHeaderSpaces)
	if err != nil {
		return err
	}
	if forbiddenTrailer(line[:nameEnd]) {
		return errTrailerForbid
	}
	if uscore && !d.Forwarders.Keeps(line[:nameEnd]) {
		switch d.HeaderMap {
		case HeaderMapDrop:
			d.tbuf = d.tbuf[:ls]
			return nil
		case HeaderMapRefuse:
			return errUnderscore
		}
	}
	d.tspans = append(d.tspans, [4]int32{int32(ls), int32(ls + nameEnd), int32(ls + vs), int32(ls + ve)})
	return nil
}
