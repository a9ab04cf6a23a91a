package http1

// HeaderMap is gunicorn's header_map setting: what to do with a field whose
// name contains '_'. WSGI maps '-' to '_' in environ keys, so "X_Forwarded"
// and "X-Forwarded" would collide; a client could spoof a header the proxy
// thinks it set.
type HeaderMap uint8

const (
	HeaderMapDrop      HeaderMap = iota // drop the field silently (gunicorn's default)
	HeaderMapRefuse                     // answer 400
	HeaderMapDangerous                  // keep the field
)

// Gunicorn's hard maxima (gunicorn/http/message.py).
const (
	MaxRequestLine       = 8190
	MaxFields            = 32768
	DefaultFieldSize     = 8190
	maxLeadingEmptyLines = 4 // RFC 9112 §2.2: ignore "at least one" empty line before the request-line
)

// Limits are the parser's size limits, with gunicorn semantics.
type Limits struct {
	// RequestLine is limit_request_line: the longest request-line accepted,
	// excluding CRLF (414 beyond). 0 or negative means the maximum 8190;
	// larger values are clamped to 8190.
	RequestLine int
	// Fields is limit_request_fields: the most header fields accepted (431
	// beyond). Fields dropped by HeaderMapDrop still count. 0 or negative
	// means the maximum 32768; larger values are clamped to 32768.
	Fields int
	// FieldSize is limit_request_field_size: the longest field line
	// ("name: value" excluding CRLF; with obs-fold, the whole folded field)
	// accepted (431 beyond). 0 means unlimited per field, in which case the
	// whole field section is capped at Fields*(8190+2) bytes like gunicorn's
	// header buffer. Negative means the default 8190.
	FieldSize int
	// HeaderMap decides the fate of field names containing '_'.
	HeaderMap HeaderMap
	// PermitObsFold is gunicorn's permit_obsolete_folding. When false (the
	// default) a field line starting with SP or HTAB is answered with 400
	// (RFC 9112 §5.2). When true, continuation lines are joined to the
	// previous field value: each physical piece is OWS-trimmed and the pieces
	// are joined with one SP, as gunicorn does. Because spans index Raw, the
	// join rewrites the caller's buffer in place: the value is moved left over
	// the CRLFs and the bytes freed at its end are overwritten with SP, so the
	// rewritten line still parses to the same value.
	PermitObsFold bool
}

// DefaultLimits returns gunicorn's defaults.
func DefaultLimits() Limits {
	return Limits{RequestLine: 4094, Fields: 100, FieldSize: DefaultFieldSize, HeaderMap: HeaderMapDrop}
}

func (l Limits) normalize() Limits {
	if l.RequestLine <= 0 || l.RequestLine > MaxRequestLine {
		l.RequestLine = MaxRequestLine
	}
	if l.Fields <= 0 || l.Fields > MaxFields {
		l.Fields = MaxFields
	}
	if l.FieldSize < 0 {
		l.FieldSize = DefaultFieldSize
	}
	return l
}
