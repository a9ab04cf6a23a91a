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
	// (RFC 9112 §5.2; gunicorn raises ObsoleteFolding, also a 400). When
	// true, continuation lines are joined to the previous field value: each
	// physical piece is OWS-trimmed and the pieces are joined with one SP,
	// as gunicorn 23 does (message.py parse_headers: value.append(
	// curr.strip("\t ")); value = " ".join(value)). One difference: gunicorn
	// also joins empty pieces (an empty first value or a blank continuation
	// line), giving a leading, trailing or doubled SP; here they are skipped,
	// as RFC 9112 §5.2 reads the fold as SP inside a value that excludes
	// leading and trailing OWS. Because spans index Raw, the join rewrites
	// the caller's buffer in place: the value is moved left over the CRLFs
	// and the bytes freed at its end are overwritten with SP, so the
	// rewritten line still parses to the same value. Trailers never fold
	// here (gunicorn parses them with the same code, so it would join them).
	PermitObsFold bool
	// StripHeaderSpaces is gunicorn's strip_header_spaces. When false (the
	// default) SP or HTAB between a field name and the colon is answered
	// with 400 (RFC 9112 §5.1 MUST). When true it is dropped from the name,
	// as gunicorn 23 does (parse_headers: name = name.rstrip(" \t") before
	// the token check), so "Transfer-Encoding : chunked" is
	// Transfer-Encoding. Only whitespace right before the colon goes; the
	// name must still be a token. The field line's length for FieldSize
	// includes the stripped bytes, as gunicorn counts the raw line. A known
	// smuggling vector: gunicorn deprecates it.
	StripHeaderSpaces bool
	// PermitUnconventionalMethod is gunicorn's
	// permit_unconventional_http_method. When false (the default) a method
	// that is shorter than 3 or longer than 20 bytes, or holds a lower-case
	// letter or '#', is answered with 400, a restriction beyond RFC 9110 that
	// every IANA-registered method meets (gunicorn 23 parse_request_line:
	// METHOD_BADCHAR_RE = "[a-z#]", "3 <= len <= 20", then TOKEN_RE). When
	// true any token is a method (RFC 9110 §9.1). Methods are case-sensitive
	// either way: "get" is not GET unless CasefoldMethod is also set.
	PermitUnconventionalMethod bool
	// PermitUnconventionalVersion is gunicorn's
	// permit_unconventional_http_version. The version must be
	// HTTP/DIGIT.DIGIT (gunicorn's VERSION_RE "HTTP/(\d)\.(\d)", full match;
	// anything else is 400). When false (the default) only HTTP/1.0 to
	// HTTP/1.9 are accepted, HTTP/1.2 and later being handled as 1.1 (RFC
	// 9110 §2.5; gunicorn: "(1, 0) <= version < (2, 0)"), and other versions
	// are answered with 505 (gunicorn answers 400). When true every
	// HTTP/DIGIT.DIGIT is accepted, HTTP/0.x being handled as 1.0 and
	// HTTP/2.0 and later as 1.1 (gunicorn compares version tuples with
	// (1, 0) and (1, 1)); see Request.Major.
	PermitUnconventionalVersion bool
	// CasefoldMethod is gunicorn's casefold_http_method: the method is
	// upper-cased (ASCII) after it has been validated, so "get" is served as
	// GET. Gunicorn validates first (parse_request_line), so without
	// PermitUnconventionalMethod, which refuses lower-case methods, it changes
	// nothing. Because spans index Raw, the method is rewritten in place in
	// the caller's buffer. The upper-cased method then decides the target
	// form: "connect" takes authority-form like CONNECT.
	CasefoldMethod bool
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
