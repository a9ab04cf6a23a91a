package http1

import "errors"

// ErrNeedMore is returned by Parser.Parse when the buffer holds a valid
// prefix of a request head but not the whole head yet.
var ErrNeedMore = errors.New("http1: need more data")

// Error is a parse error carrying the HTTP status the server answers with.
// All errors returned by this package are preallocated package-level values,
// so rejecting a request never allocates; compare them by Status (or by
// pointer identity inside this package).
type Error struct {
	Status int    // 400, 414, 431, 501 or 505
	Reason string // short, lowercase, e.g. "invalid header name"
}

func (e *Error) Error() string { return "http1: " + e.Reason }

func newErr(status int, reason string) *Error { return &Error{Status: status, Reason: reason} }

// Request-head errors.
var (
	errBareLF          = newErr(400, "bare lf in request head") // RFC 9112 §2.2: only CRLF ends a line here
	errBareCR          = newErr(400, "bare cr in request head") // RFC 9112 §2.2: a bare CR MUST be rejected
	errLeadingEmpty    = newErr(400, "too many empty lines before request line")
	errMethod          = newErr(400, "invalid method")
	errRequestLine     = newErr(400, "invalid request line")
	errTarget          = newErr(400, "invalid request target")
	errVersion         = newErr(400, "invalid http version")
	errVersionNotSupp  = newErr(505, "http version not supported")
	errRequestLineLong = newErr(414, "request line too long")
	errFieldTooLarge   = newErr(431, "header field too large")
	errTooManyFields   = newErr(431, "too many header fields")
	errHeadTooLarge    = newErr(431, "request header too large")
	errFieldName       = newErr(400, "invalid header name")
	errSpaceColon      = newErr(400, "whitespace before colon")
	errMissingColon    = newErr(400, "missing colon in header field")
	errFieldValue      = newErr(400, "invalid header value")
	errObsFold         = newErr(400, "obsolete line folding")
	errLeadingWS       = newErr(400, "whitespace before first header field")
	errUnderscore      = newErr(400, "underscore in header name")
	errContentLength   = newErr(400, "invalid content-length")
	errConflictingCL   = newErr(400, "conflicting content-length")
	errTE              = newErr(400, "invalid transfer-encoding")
	errTENotChunked    = newErr(400, "transfer-encoding does not end in chunked")
	errTEUnsupported   = newErr(501, "unsupported transfer-coding")
	errTEWithCL        = newErr(400, "transfer-encoding with content-length")
	errTEHTTP10        = newErr(400, "transfer-encoding in http/1.0 request")
	errMissingHost     = newErr(400, "missing host")
	errMultipleHost    = newErr(400, "multiple host fields")
	errHost            = newErr(400, "invalid host")
)

// Chunked-body errors.
var (
	errChunkSize       = newErr(400, "invalid chunk size")
	errChunkSizeLarge  = newErr(400, "chunk size too large")
	errChunkExt        = newErr(400, "invalid chunk extension")
	errChunkExtLong    = newErr(400, "chunk extension too long")
	errChunkLineEnd    = newErr(400, "invalid chunk line ending")
	errChunkDataEnd    = newErr(400, "missing crlf after chunk data")
	errTrailerForbid   = newErr(400, "forbidden trailer field")
	errTooManyTrailers = newErr(431, "too many trailer fields")
	errTrailerTooLarge = newErr(431, "trailer field too large")
	errTrailerFold     = newErr(400, "obsolete line folding in trailer")
	errTrailerLineEnd  = newErr(400, "invalid trailer line ending")
)
