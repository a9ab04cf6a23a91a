package http1

import "strings"

// Forwarders is gunicorn's forwarder_headers: field names containing '_'
// that a trusted front end may send. Such a field is kept whatever
// Limits.HeaderMap says (gunicorn 23 message.py parse_headers: "if name in
// forwarder_headers or '*' in forwarder_headers: pass"). A nil *Forwarders
// keeps nothing. It is immutable once built, so one value may be shared by
// every connection and goroutine.
type Forwarders struct {
	names []string // lower-cased, for equalFold
	all   bool     // "*": every name
}

// NewForwarders builds the list from the setting's entries. gunicorn
// upper-cases the received name and compares it with the entries as
// configured, so an entry with a lower-case letter never matches and is
// left out; "*" keeps every name. It returns nil when nothing can match.
func NewForwarders(names []string) *Forwarders {
	f := &Forwarders{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch {
		case n == "*":
			f.all = true
		case n != "" && n == strings.ToUpper(n):
			f.names = append(f.names, strings.ToLower(n))
		}
	}
	if !f.all && len(f.names) == 0 {
		return nil
	}
	return f
}

// Keeps reports whether a field named name (as received, any case) is
// kept. It does not allocate.
func (f *Forwarders) Keeps(name []byte) bool {
	if f == nil {
		return false
	}
	if f.all {
		return true
	}
	for _, n := range f.names {
		if equalFold(name, n) {
			return true
		}
	}
	return false
}
