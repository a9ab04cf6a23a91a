package accesslog

// atom identifies what a conversion renders: one of gunicorn's atoms
// (glogging.py Logger.atoms), a header or environ lookup, or a key gunicorn
// does not know, which SafeAtoms renders as "-".
type atom uint8

const (
	atomNone       atom = iota // no conversion: the trailing literal
	atomMissing                // unknown key: "-"
	atomRemote                 // h
	atomIdent                  // l: always "-"
	atomUser                   // u
	atomTime                   // t
	atomRequest                // r
	atomStatus                 // s
	atomMethod                 // m
	atomPath                   // U
	atomQuery                  // q
	atomProto                  // H
	atomSentStr                // b
	atomSent                   // B
	atomReferer                // f
	atomAgent                  // a
	atomSeconds                // T
	atomMicros                 // D
	atomMillis                 // M
	atomDecimal                // L
	atomPid                    // p
	atomReqHeader              // {name}i
	atomRespHeader             // {name}o
	atomEnv                    // {name}e
)

// numeric reports whether gunicorn's value for the atom is a Python int, the
// only kind %d and friends accept. Every other value is a str.
func (a atom) numeric() bool {
	return a == atomSent || a == atomSeconds || a == atomMicros || a == atomMillis
}

// atomByLetter maps gunicorn's one-letter keys; case matters (h vs H).
func atomByLetter(c byte) atom {
	switch c {
	case 'h':
		return atomRemote
	case 'l':
		return atomIdent
	case 'u':
		return atomUser
	case 't':
		return atomTime
	case 'r':
		return atomRequest
	case 's':
		return atomStatus
	case 'm':
		return atomMethod
	case 'U':
		return atomPath
	case 'q':
		return atomQuery
	case 'H':
		return atomProto
	case 'b':
		return atomSentStr
	case 'B':
		return atomSent
	case 'f':
		return atomReferer
	case 'a':
		return atomAgent
	case 'T':
		return atomSeconds
	case 'D':
		return atomMicros
	case 'M':
		return atomMillis
	case 'L':
		return atomDecimal
	case 'p':
		return atomPid
	}
	return atomMissing
}

// lookupAtom resolves a format key the way SafeAtoms.__getitem__ does: a key
// starting with '{' is lowercased and matched against "{name}i", "{name}o"
// and "{name}e"; any other key must be one of the letters exactly.
func lookupAtom(key string) (atom, string) {
	if len(key) == 1 {
		return atomByLetter(key[0]), ""
	}
	if len(key) < 3 || key[0] != '{' || key[len(key)-2] != '}' {
		return atomMissing, ""
	}
	name := lowerASCII(key[1 : len(key)-2])
	switch key[len(key)-1] | 0x20 {
	case 'i':
		return atomReqHeader, name
	case 'o':
		return atomRespHeader, name
	case 'e':
		return atomEnv, name
	}
	return atomMissing, ""
}

// lowerASCII is Python's str.lower() for the names that can match: header
// names are tokens (ASCII), and environ keys are compared ASCII-folded too.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// equalFold reports whether name equals the lowercase ASCII string lower,
// ignoring ASCII case.
func equalFold(name []byte, lower string) bool {
	if len(name) != len(lower) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// lastField returns the value of the last field named lower.
func lastField(fs []Field, lower string) ([]byte, bool) {
	for i := len(fs) - 1; i >= 0; i-- {
		if equalFold(fs[i].Name, lower) {
			return fs[i].Value, true
		}
	}
	return nil, false
}
