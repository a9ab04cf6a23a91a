package http1

import "math"

// nextElem returns the bounds of the next comma-separated list element of v
// starting at i, OWS-trimmed (RFC 9110 §5.6.1), and the index after its comma
// (len(v)+1 after the last element).
func nextElem(v []byte, i int) (lo, hi, next int) {
	e := i
	for e < len(v) && v[e] != ',' {
		e++
	}
	lo, hi = trimOWS(v, i, e)
	return lo, hi, e + 1
}

// contentLength handles one Content-Length field (RFC 9112 §6.2,
// RFC 9110 §8.6). The value is 1*DIGIT; a list of identical values
// ("42, 42", RFC 9110 §8.6) is accepted, as are repeated fields with the same
// value; anything else that disagrees is 400, as are signs, spaces inside,
// hex, empty elements and values beyond int64.
func (p *Parser) contentLength(v []byte, req *Request) error {
	if p.sawTE {
		return errTEWithCL // RFC 9112 §6.3 (3): smuggling (CL.TE / TE.CL)
	}
	n := int64(-1)
	for i := 0; i <= len(v); {
		lo, hi, next := nextElem(v, i)
		if lo == hi {
			return errContentLength
		}
		var x int64
		for _, c := range v[lo:hi] {
			if class[c]&cDigit == 0 {
				return errContentLength
			}
			d := int64(c - '0')
			if x > (math.MaxInt64-d)/10 {
				return errContentLength
			}
			x = x*10 + d
		}
		if n >= 0 && x != n {
			return errConflictingCL
		}
		n = x
		i = next
	}
	if p.sawCL && n != req.ContentLength {
		return errConflictingCL
	}
	p.sawCL = true
	req.ContentLength = n
	return nil
}

// transferEncoding handles one Transfer-Encoding field (RFC 9112 §6.1). All
// fields form one list of codings, each a bare token (no parameters, no empty
// elements: stricter than RFC 9110 §5.6.1 on purpose, as this field decides
// framing). Rules, following gunicorn 23 where RFC 9112 leaves a choice:
//   - TE in a request below HTTP/1.1: 400 (§6.1 says its framing is faulty);
//   - TE with Content-Length: 400 (§6.3);
//   - chunked twice, or any coding after chunked: 400 (§6.1, §6.3);
//   - chunked not final at the end of the head (e.g. "gzip" alone): 400;
//   - any other coding before chunked ("gzip, chunked", "identity, chunked"
//     — identity is no longer registered): 501 (§6.1 SHOULD), decided at
//     the end of the head.
func (p *Parser) transferEncoding(v []byte, req *Request) error {
	if !req.ProtoAtLeast(1, 1) {
		return errTEHTTP10
	}
	if p.sawCL {
		return errTEWithCL
	}
	p.sawTE = true
	for i := 0; i <= len(v); {
		lo, hi, next := nextElem(v, i)
		if lo == hi {
			return errTE
		}
		for _, c := range v[lo:hi] {
			if class[c]&cTchar == 0 {
				return errTE
			}
		}
		if p.teLastChunked {
			return errTE // nothing may follow chunked
		}
		if equalFold(v[lo:hi], "chunked") {
			p.teLastChunked = true
		} else {
			p.teUnsupported = true
		}
		i = next
	}
	return nil
}

// connection records the close and keep-alive options of a Connection field
// (RFC 9110 §7.6.1, RFC 9112 §9.3), case-insensitive. Other options are
// ignored.
func (p *Parser) connection(v []byte) {
	for i := 0; i <= len(v); {
		lo, hi, next := nextElem(v, i)
		switch {
		case equalFold(v[lo:hi], "close"):
			p.connClose = true
		case equalFold(v[lo:hi], "keep-alive"):
			p.connKeepAlive = true
		}
		i = next
	}
}
