package http1

import (
	"bytes"
	"encoding/binary"
)

// parseFieldLine splits a complete field line b (no CRLF) into name and
// trimmed value bounds (relative to b), per RFC 9112 §5:
// field-name ":" OWS field-value OWS. uscore reports a '_' in the name.
// With strip (strip_header_spaces), OWS between the name and the colon is
// dropped instead of rejected. Shared by the header and trailer parsers.
func parseFieldLine(b []byte, strip bool) (nameEnd, vs, ve int, uscore bool, err *Error) {
	colon := bytes.IndexByte(b, ':')
	if colon <= 0 {
		return 0, 0, 0, false, nameErr(b)
	}
	nameEnd = colon
	if strip {
		// gunicorn 23 parse_headers: name.rstrip(" \t"), then the token
		// check. Callers never pass a line starting with OWS; stopping at
		// one byte keeps the name non-empty regardless.
		for nameEnd > 1 && isOWS(b[nameEnd-1]) {
			nameEnd--
		}
	}
	// Branch-free check of the name: all bytes tchar, and any '_'.
	all, some := nTchar, uint8(0)
	for _, c := range b[:nameEnd] {
		all &= nameClass[c]
		some |= nameClass[c]
	}
	if all == 0 {
		return 0, 0, 0, false, nameErr(b)
	}
	vs, ve = trimOWS(b, colon+1, len(b))
	if !validValue(b[vs:ve]) {
		return 0, 0, 0, false, errFieldValue
	}
	return nameEnd, vs, ve, some&nUscore != 0, nil
}

// nameErr classifies a field line whose name is not a token followed by ':'.
func nameErr(b []byte) *Error {
	i := 0
	for i < len(b) && isTchar(b[i]) {
		i++
	}
	switch {
	case i == len(b):
		return errMissingColon
	case isOWS(b[i]):
		// RFC 9112 §5.1: no whitespace between name and colon; a server
		// MUST reject with 400 (a classic TE smuggling trick).
		return errSpaceColon
	}
	return errFieldName // empty name or a non-tchar byte
}

// validValue reports whether v holds only field-value bytes: RFC 9110 §5.5
// allows HTAB, SP, VCHAR and obs-text; NUL, CR, LF, DEL and the other CTLs
// MUST be rejected (or replaced) and we reject them.
//
// Values are the bulk of a head, so they are checked eight bytes at a time:
// a word with no byte below 0x20 and no 0x7F is valid (bytes >= 0x80 are
// obs-text); only words that may hold a CTL (or an HTAB) are checked bytewise.
func validValue(v []byte) bool {
	const lo, hi, del = 0x0101010101010101, 0x8080808080808080, 0x7f7f7f7f7f7f7f7f
	for len(v) >= 8 {
		x := binary.LittleEndian.Uint64(v)
		y := x ^ del
		if ((x-0x20*lo)&^x|(y-lo)&^y)&hi != 0 {
			for _, c := range v[:8] {
				if class[c]&cValue == 0 {
					return false
				}
			}
		}
		v = v[8:]
	}
	for _, c := range v {
		if class[c]&cValue == 0 {
			return false
		}
	}
	return true
}

// fieldLine handles a complete field line buf[start:end].
func (p *Parser) fieldLine(buf []byte, start, end int, req *Request) error {
	nameEnd, vs, ve, uscore, err := parseFieldLine(buf[start:end], p.lim.StripHeaderSpaces)
	if err != nil {
		return err
	}
	p.nfields++
	f := Field{Name: span(start, start+nameEnd), Value: span(start+vs, start+ve)}
	if p.lim.PermitObsFold {
		// Hold the field until the next line shows whether it is folded.
		p.pending, p.pendStart, p.pendField, p.pendUscore, p.pendFolded = true, start, f, uscore, false
		return nil
	}
	return p.emit(buf, f, uscore, req)
}

// continueField appends the obs-fold line buf[start:end] (which begins with
// SP or HTAB) to the pending field. Only reached with PermitObsFold.
func (p *Parser) continueField(buf []byte, start, end int) error {
	lo, hi := trimOWS(buf, start, end)
	if !validValue(buf[lo:hi]) {
		return errFieldValue
	}
	if lo == hi {
		return nil // a blank continuation adds nothing
	}
	v := &p.pendField.Value
	if v.Off == v.End {
		v.Off = uint32(lo)
	} else {
		p.pendFolded = true
	}
	v.End = uint32(hi)
	return nil
}

// flushPending emits the field held back for obs-fold, joining its pieces.
func (p *Parser) flushPending(buf []byte, req *Request) error {
	if !p.pending {
		return nil
	}
	p.pending = false
	f := p.pendField
	if p.pendFolded {
		n := joinFolded(buf[f.Value.Off:f.Value.End])
		f.Value.End = f.Value.Off + uint32(n)
	}
	return p.emit(buf, f, p.pendUscore, req)
}

// joinFolded rewrites v, a value spanning obs-folds (pieces separated by
// CRLF), in place as gunicorn joins them: every piece OWS-trimmed, pieces
// joined with one SP. The freed tail is overwritten with SP, which a
// re-parse of the buffer sees as trailing OWS. It returns the new length.
func joinFolded(v []byte) int {
	w := 0
	for r := 0; r < len(v); {
		e := r
		for e < len(v) && v[e] != '\r' {
			e++
		}
		lo, hi := trimOWS(v, r, e)
		if lo < hi {
			if w > 0 {
				v[w] = ' '
				w++
			}
			w += copy(v[w:], v[lo:hi])
		}
		r = e + 2 // skip CRLF
	}
	for i := w; i < len(v); i++ {
		v[i] = ' '
	}
	return w
}

// emit applies header_map and the semantics of the fields that affect
// framing and connection handling, then appends f to req.Fields.
func (p *Parser) emit(buf []byte, f Field, uscore bool, req *Request) error {
	if uscore && p.fwd.Keeps(buf[f.Name.Off:f.Name.End]) {
		// gunicorn 23: a trusted front end's forwarder_headers bypass
		// header_map. No special field name contains '_'.
		req.Fields = append(req.Fields, f)
		return nil
	}
	if uscore {
		switch p.lim.HeaderMap {
		case HeaderMapDrop:
			return nil // still counted in nfields
		case HeaderMapRefuse:
			return errUnderscore
		}
		// No special field name contains '_'.
		req.Fields = append(req.Fields, f)
		return nil
	}
	name := buf[f.Name.Off:f.Name.End]
	value := buf[f.Value.Off:f.Value.End]
	switch len(name) {
	case 4:
		if equalFold(name, "host") {
			// RFC 9112 §3.2: exactly one Host, with a valid value. An
			// empty value is legal (authority undefined).
			if p.sawHost {
				return errMultipleHost
			}
			if len(value) > 0 && !validHost(value, false) {
				return errHost
			}
			p.sawHost = true
			if req.Form != FormAbsolute && req.Form != FormAuthority {
				req.Host = f.Value
			}
		}
	case 6:
		// RFC 9110 §10.1.1: only 100-continue is defined; it is ignored
		// in HTTP/1.0. Other expectations are ignored too (417 is a
		// "MAY"), as gunicorn does.
		if equalFold(name, "expect") && req.ProtoAtLeast(1, 1) && equalFold(value, "100-continue") {
			req.ExpectContinue = true
		}
	case 7:
		if equalFold(name, "upgrade") {
			req.Upgrade = true
		}
	case 10:
		if equalFold(name, "connection") {
			p.connection(value)
		}
	case 14:
		if equalFold(name, "content-length") {
			if err := p.contentLength(value, req); err != nil {
				return err
			}
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			if err := p.transferEncoding(value, req); err != nil {
				return err
			}
		}
	}
	req.Fields = append(req.Fields, f)
	return nil
}
