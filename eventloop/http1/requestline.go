package http1

import "bytes"

// requestLine parses buf[start:end], a complete request-line without CRLF
// (RFC 9112 §3): method SP request-target SP HTTP-version. Checks run left
// to right: method, target bytes, version syntax (400), version value (505),
// then the target's form against the method (400).
func (p *Parser) requestLine(buf []byte, start, end int, req *Request) error {
	b := buf[start:end]

	// RFC 9110 §9.1: method = token; any token is accepted (extension
	// methods are legal), the first byte was checked by the caller.
	i := 0
	for i < len(b) && class[b[i]]&cTchar != 0 {
		i++
	}
	if i == len(b) {
		return errRequestLine // no SP at all
	}
	if b[i] != ' ' {
		if b[i] == '\t' {
			return errRequestLine // RFC 9112 §3: exactly one SP, no other whitespace
		}
		return errMethod
	}
	req.Method = span(start, start+i)

	// request-target: visible ASCII only (RFC 9112 §3.2), no fragment.
	t0 := i + 1
	j := t0
	for j < len(b) && class[b[j]]&cTarget != 0 {
		j++
	}
	if j == t0 || j == len(b) {
		return errRequestLine // empty target (two SPs) or no version
	}
	if b[j] != ' ' {
		return errTarget // CTL, HTAB, '#', DEL or a byte >= 0x80
	}
	req.Target = span(start+t0, start+j)

	minor, err := parseVersion(b[j+1:])
	if err != nil {
		return err
	}
	req.Minor = minor
	return parseTarget(buf, start+t0, start+j, req)
}

// parseVersion accepts exactly HTTP/1.0 and HTTP/1.1 (RFC 9112 §2.3, case
// sensitive). Other well-formed versions get 505, malformed ones 400.
func parseVersion(v []byte) (uint8, error) {
	if len(v) == 8 && string(v[:5]) == "HTTP/" && class[v[5]]&cDigit != 0 && v[6] == '.' && class[v[7]]&cDigit != 0 {
		if v[5] == '1' && (v[7] == '0' || v[7] == '1') {
			return v[7] - '0', nil
		}
		return 0, errVersionNotSupp
	}
	return 0, errVersion
}

// parseTarget classifies buf[lo:hi] into one of the four forms of RFC 9112
// §3.2 and sets Form, Path, Query and (for absolute and authority form)
// Host. The form must match the method: authority-form is for CONNECT only
// and CONNECT takes nothing else (§3.2.3); asterisk-form is for OPTIONS only
// (§3.2.4).
func parseTarget(buf []byte, lo, hi int, req *Request) error {
	t := buf[lo:hi]
	if string(buf[req.Method.Off:req.Method.End]) == "CONNECT" {
		if !validHost(t, true) {
			return errTarget
		}
		req.Form = FormAuthority
		req.Host = span(lo, hi)
		req.Path = span(hi, hi)
		req.Query = span(hi, hi)
		return nil
	}
	switch t[0] {
	case '/':
		req.Form = FormOrigin
		setPathQuery(buf, lo, hi, req)
		return nil
	case '*':
		if len(t) != 1 || string(buf[req.Method.Off:req.Method.End]) != "OPTIONS" {
			return errTarget
		}
		req.Form = FormAsterisk
		// The path of "OPTIONS *" is "*": gunicorn gives PATH_INFO "*".
		req.Path = span(lo, hi)
		req.Query = span(hi, hi)
		return nil
	}
	return parseAbsolute(buf, lo, hi, req)
}

// setPathQuery splits buf[lo:hi] at the first '?'.
func setPathQuery(buf []byte, lo, hi int, req *Request) {
	if q := bytes.IndexByte(buf[lo:hi], '?'); q >= 0 {
		req.Path = span(lo, lo+q)
		req.Query = span(lo+q+1, hi)
		return
	}
	req.Path = span(lo, hi)
	req.Query = span(hi, hi)
}

// parseAbsolute parses an absolute-form target (RFC 9112 §3.2.2). Only the
// http and https schemes (case-insensitive, RFC 3986 §3.1) are accepted;
// userinfo is rejected (RFC 9110 §4.2.4) and the host must not be empty
// (RFC 9110 §4.2.1). Host is set to the authority: an origin server uses it
// instead of the Host field (RFC 9112 §3.2.2). With no path, Path is an
// empty span that callers must read as "/".
func parseAbsolute(buf []byte, lo, hi int, req *Request) error {
	t := buf[lo:hi]
	k := 0
	if !isAlpha(t[0]) {
		return errTarget
	}
	for k < len(t) && class[t[k]]&cScheme != 0 {
		k++
	}
	if k == len(t) || t[k] != ':' || !(equalFold(t[:k], "http") || equalFold(t[:k], "https")) {
		return errTarget
	}
	if len(t) < k+3 || t[k+1] != '/' || t[k+2] != '/' {
		return errTarget
	}
	a0 := k + 3
	a1 := a0
	for a1 < len(t) && t[a1] != '/' && t[a1] != '?' {
		a1++
	}
	if a1 == a0 || !validHost(t[a0:a1], false) {
		return errTarget
	}
	req.Form = FormAbsolute
	req.Host = span(lo+a0, lo+a1)
	setPathQuery(buf, lo+a1, hi, req)
	return nil
}

func isAlpha(c byte) bool { return lower(c) >= 'a' && lower(c) <= 'z' }
