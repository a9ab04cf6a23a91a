package http1

import "bytes"

// validHost reports whether b is a valid uri-host [":" port] (RFC 9110 §7.2,
// RFC 3986 §3.2.2): an IP-literal in brackets, or a reg-name (which covers
// IPv4 addresses) of unreserved, sub-delims and well-formed pct-encoded
// octets. The host part must not be empty. The port is up to 5 digits and
// may be empty (RFC 3986 allows "host:"), unless portRequired, as for the
// authority-form of CONNECT (RFC 9112 §3.2.3). Anything else, such as
// spaces, '/', '@' (userinfo) or '?', is invalid.
func validHost(b []byte, portRequired bool) bool {
	i := 0
	if len(b) > 0 && b[0] == '[' {
		j := bytes.IndexByte(b, ']')
		if j < 0 || !validIPLiteral(b[1:j]) {
			return false
		}
		i = j + 1
	} else {
		for i < len(b) && class[b[i]]&cRegName != 0 {
			if b[i] == '%' {
				if i+2 >= len(b) || class[b[i+1]]&cHex == 0 || class[b[i+2]]&cHex == 0 {
					return false
				}
				i += 2
			}
			i++
		}
		if i == 0 {
			return false
		}
	}
	if i == len(b) {
		return !portRequired
	}
	if b[i] != ':' {
		return false
	}
	port := b[i+1:]
	if len(port) > 5 || (portRequired && len(port) == 0) {
		return false
	}
	for _, c := range port {
		if class[c]&cDigit == 0 {
			return false
		}
	}
	return true
}

// validIPLiteral checks the inside of "[...]": an IPv6 address (hex digits,
// ':' and '.' for an embedded IPv4, at least one ':') or an IPvFuture
// ("v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )). The IPv6 check is
// a character check, not a full address grammar: its job is to keep
// delimiters out, not to validate addresses.
func validIPLiteral(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if b[0] == 'v' || b[0] == 'V' {
		i := 1
		for i < len(b) && class[b[i]]&cHex != 0 {
			i++
		}
		if i == 1 || i+1 >= len(b) || b[i] != '.' {
			return false
		}
		for _, c := range b[i+1:] {
			if (class[c]&cRegName == 0 || c == '%') && c != ':' {
				return false
			}
		}
		return true
	}
	colon := false
	for _, c := range b {
		switch {
		case c == ':':
			colon = true
		case c == '.' || class[c]&cHex != 0:
		default:
			return false
		}
	}
	return colon
}
