package http1

// Span is a byte range [Off, End) inside Request.Raw. Offsets instead of
// slices let a parsed request be copied to another goroutine with one copy of
// Raw and no rebasing of pointers.
type Span struct{ Off, End uint32 }

// Len returns the length of the span.
func (s Span) Len() int { return int(s.End - s.Off) }

// Field is one header or trailer field; both spans index Request.Raw.
type Field struct{ Name, Value Span }

// TargetForm is the form of the request-target (RFC 9112 §3.2).
type TargetForm uint8

const (
	FormOrigin    TargetForm = iota // "/path?query"
	FormAbsolute                    // "http://host/path?query"
	FormAuthority                   // "host:port", CONNECT only
	FormAsterisk                    // "*", OPTIONS only
)

// Request is a parsed request head. All spans index Raw. A Request is owned
// by whoever parsed it; CopyTo hands an independent copy to another goroutine.
type Request struct {
	// Raw holds the bytes the spans index. After Parser.Parse it aliases the
	// caller's input buffer; after CopyTo it is the destination's own copy.
	Raw []byte

	Method Span
	Target Span // the request-target exactly as received (RAW_URI)
	// Path is the path part of Target (for absolute form: after the
	// authority); "*" for asterisk form. It is empty for authority form and for an
	// absolute-form target without a path, which callers must read as "/".
	Path  Span
	Query Span // after '?', without it; empty when there is no '?'
	// Host is the value of the Host field, or for absolute and authority
	// form the authority of the target (RFC 9112 §3.2.2: it overrides the
	// field). It may be empty.
	Host Span
	// Major and Minor are the digits of HTTP/Major.Minor. Major is 1 unless
	// Limits.PermitUnconventionalVersion; Minor is 0 to 9 (HTTP/1.2 and
	// later are handled as 1.1, RFC 9110 §2.5). Use ProtoAtLeast(1, 1) for
	// "HTTP/1.1 semantics", not Minor == 1.
	Major, Minor uint8
	Form         TargetForm

	// Fields are the header fields in arrival order, minus those dropped by
	// HeaderMapDrop. Names keep the client's case.
	Fields []Field

	ContentLength  int64 // -1 when absent; 0 when chunked
	Chunked        bool  // Transfer-Encoding ends in chunked (HTTP/1.1 and later only)
	KeepAlive      bool  // per RFC 9112 §9.3: from 1.1 unless "close", below 1.1 only with "keep-alive"
	ExpectContinue bool  // Expect: 100-continue (case-insensitive), HTTP/1.1 and later only
	Upgrade        bool  // an Upgrade field was present (connection upgrades are refused by the server)
}

// Bytes returns the bytes of s in r.Raw.
func (r *Request) Bytes(s Span) []byte { return r.Raw[s.Off:s.End] }

// ProtoAtLeast reports whether the request's version is at least
// HTTP/major.minor, as gunicorn compares its version tuple: a request below
// 1.1 gets HTTP/1.0 persistence and framing, anything from 1.1 up (HTTP/1.2
// or, with PermitUnconventionalVersion, HTTP/2.0) those of 1.1. A response
// to it should say HTTP/1.1 if ProtoAtLeast(1, 1), else HTTP/1.0.
func (r *Request) ProtoAtLeast(major, minor uint8) bool {
	return r.Major > major || r.Major == major && r.Minor >= minor
}

// MethodIs reports whether the method is exactly m.
func (r *Request) MethodIs(m string) bool { return string(r.Bytes(r.Method)) == m }

// CopyTo makes dst an independent deep copy of r, reusing dst's storage so a
// warmed dst copies without allocating.
func (r *Request) CopyTo(dst *Request) {
	raw := append(dst.Raw[:0], r.Raw...)
	fields := append(dst.Fields[:0], r.Fields...)
	*dst = *r
	dst.Raw = raw
	dst.Fields = fields
}

// Reset clears r for reuse, keeping its storage.
func (r *Request) Reset() {
	raw, fields := r.Raw[:0], r.Fields[:0]
	*r = Request{Raw: raw, Fields: fields, ContentLength: -1}
}
