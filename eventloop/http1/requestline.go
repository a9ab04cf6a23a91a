package http1

import "bytes"

// requestLine parses buf[start:end], a complete request-line without CRLF
// (RFC 9112 §3): method SP request-target SP HTTP-version. Checks run left
// to right: method (then CasefoldMethod), target bytes, version syntax
// (400), version value (505), then the target's form against the method
// (400).
func (p *Parser) requestLine(buf []byte, start, end int, req *Request) error {
	b := buf[start:end]

	// RFC 9110 §9.1: method = token; the first byte was checked by the
	// caller.
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
	if !p.lim.PermitUnconventionalMethod && !conventionalMethod(b[:i]) {
		return errMethod
	}
	if p.lim.CasefoldMethod {
		upperInPlace(b[:i])
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

	if err := p.parseVersion(b[j+1:], req); err != nil {
		return err
	}
	return parseTarget(buf, start+t0, start+j, req)
}

// conventionalMethod is gunicorn's default restriction on methods, which
// every IANA-registered method meets: 3 to 20 bytes, no lower-case letter
// and no '#' (gunicorn 23 message.py parse_request_line, METHOD_BADCHAR_RE
// "[a-z#]"). m is already known to be a token.
func conventionalMethod(m []byte) bool {
	if len(m) < 3 || len(m) > 20 {
		return false
	}
	for _, c := range m {
		if 'a' <= c && c <= 'z' || c == '#' {
			return false
		}
	}
	return true
}

// upperInPlace upper-cases the ASCII letters of m (a token, so there is
// nothing else to fold), as gunicorn's casefold_http_method does with
// str.upper() on the validated method.
func upperInPlace(m []byte) {
	for k, c := range m {
		if 'a' <= c && c <= 'z' {
			m[k] = c - 'a' + 'A'
		}
	}
}

// parseVersion parses HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112
// §2.3, case-sensitive; anything else is 400) into req.Major and
// req.Minor. HTTP/1.x is accepted for any x, as gunicorn does and RFC 9110
// §2.5 asks (a higher minor is handled as the highest one implemented).
// Another major version is answered with 505 unless
// PermitUnconventionalVersion.
func (p *Parser) parseVersion(v []byte, req *Request) error {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || class[v[5]]&cDigit == 0 || v[6] != '.' || class[v[7]]&cDigit == 0 {
		return errVersion
	}
	if v[5] != '1' && !p.lim.PermitUnconventionalVersion {
		return errVersionNotSupp
	}
	req.Major, req.Minor = v[5]-'0', v[7]-'0'
	return nil
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
