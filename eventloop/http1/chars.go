package http1

// Character classes, one bit each, looked up in a single 256-byte table so the
// hot loops cost one load and one AND per byte.
const (
	cTchar   uint8 = 1 << iota // RFC 9110 §5.6.2 tchar
	cTarget                    // request-target byte: VCHAR (0x21-0x7E) except '#' (fragments are never sent, RFC 9110 §4.2.4)
	cValue                     // field-value byte: HTAB, SP, VCHAR, obs-text (RFC 9110 §5.5)
	cHex                       // HEXDIG
	cDigit                     // DIGIT
	cRegName                   // RFC 3986 unreserved / sub-delims, plus '%' (pct-encoded, checked separately)
	cScheme                    // RFC 3986 scheme character after the first: ALPHA / DIGIT / "+" / "-" / "."
	cQdtext                    // RFC 9110 §5.6.4 qdtext: HTAB, SP, 0x21, 0x23-0x5B, 0x5D-0x7E, obs-text
)

var class = buildClass()

// nameClass marks field-name bytes: nTchar for tchar, plus nUscore for '_'
// (gunicorn's header_map), so one load per byte answers both.
const (
	nTchar  uint8 = 1
	nUscore uint8 = 2
)

var nameClass = func() (t [256]uint8) {
	for c := range t {
		if class[c]&cTchar != 0 {
			t[c] = nTchar
		}
	}
	t['_'] |= nUscore
	return t
}()

func buildClass() (t [256]uint8) {
	set := func(bit uint8, s string) {
		for i := 0; i < len(s); i++ {
			t[s[i]] |= bit
		}
	}
	const (
		alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		digit = "0123456789"
	)
	set(cTchar, alpha+digit+"!#$%&'*+-.^_`|~")
	set(cHex, digit+"ABCDEFabcdef")
	set(cDigit, digit)
	set(cRegName, alpha+digit+"-._~"+"!$&'()*+,;="+"%")
	set(cScheme, alpha+digit+"+-.")
	for c := 0x21; c <= 0x7e; c++ {
		if c != '#' {
			t[c] |= cTarget
		}
		t[c] |= cValue
		if c != '"' && c != '\\' {
			t[c] |= cQdtext
		}
	}
	for c := 0x80; c <= 0xff; c++ {
		t[c] |= cValue | cQdtext // obs-text
	}
	t['\t'] |= cValue | cQdtext
	t[' '] |= cValue | cQdtext
	return t
}

func isTchar(c byte) bool { return class[c]&cTchar != 0 }

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// lower folds ASCII upper case only; field names and codings are
// case-insensitive ASCII (RFC 9110 §5.1, §7.1 of RFC 9112).
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold reports whether b equals the lower-case ASCII string s, ignoring
// ASCII case in b.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// trimOWS returns the bounds of b[lo:hi] without leading and trailing OWS.
func trimOWS(b []byte, lo, hi int) (int, int) {
	for lo < hi && isOWS(b[lo]) {
		lo++
	}
	for hi > lo && isOWS(b[hi-1]) {
		hi--
	}
	return lo, hi
}

func span(lo, hi int) Span { return Span{uint32(lo), uint32(hi)} }
