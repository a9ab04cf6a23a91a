package http1

import "strconv"

// Framing is how a response body is delimited on the wire.
type Framing uint8

const (
	FramingLength  Framing = iota // Content-Length: write exactly that many bytes
	FramingChunked                // Transfer-Encoding: chunked: use AppendChunk / AppendLastChunk
	FramingClose                  // body ends when the connection closes (HTTP/1.0, unknown length)
	FramingNone                   // no body may be sent (HEAD, 1xx, 204, 304)
)

// ResponseInfo describes the response head to encode.
type ResponseInfo struct {
	// Minor is the request's HTTP/1.Minor. The status line echoes the
	// request's version, as gunicorn does ("HTTP/1.0" to a 1.0 client), up
	// to HTTP/1.1. For a request whose major version is not 1 (only with
	// Limits.PermitUnconventionalVersion) pass 1 if req.ProtoAtLeast(1, 1),
	// else 0.
	Minor uint8
	// Status is the status code.
	Status int
	// Reason is the reason phrase; empty means StatusText(Status). CTLs
	// other than HTAB are replaced by SP so a reason cannot split the head.
	Reason []byte
	// Head is true when the request method was HEAD: no body is sent, but
	// the application's Content-Length is kept (RFC 9110 §9.3.2).
	Head bool
	// KeepAlive is the server's wish to keep the connection open (the
	// request's KeepAlive and the server not draining).
	KeepAlive bool
	// ContentLength is the body length, or -1 when unknown.
	ContentLength int64
	// Headers are the application's header lines, already encoded as
	// "Name: value\r\n", without framing, hop-by-hop, Date or Server lines.
	Headers []byte
	// Server is the Server field value; nil omits the field.
	Server []byte
}

// AppendHead appends the status line, the header lines and the final CRLF
// to dst. It returns the framing the body must use and whether the
// connection stays open after this response. Order: status line, Server,
// Date, Connection, framing field, application headers.
//
// Rules: no body for HEAD, 1xx, 204 and 304 (RFC 9110 §6.4.1); 1xx and 204
// never carry Content-Length or Transfer-Encoding (RFC 9110 §8.6, RFC 9112
// §6.1), HEAD and 304 pass a known Content-Length through. Otherwise a known
// length is sent as Content-Length; an unknown one is chunked on HTTP/1.1
// and delimited by close on HTTP/1.0 (RFC 9112 §6.3). "Connection: close" is
// sent whenever the connection will close, "Connection: keep-alive" when a
// 1.0 connection stays open (RFC 9112 §9.3).
func AppendHead(dst []byte, ri *ResponseInfo) (out []byte, f Framing, keepAlive bool) {
	keepAlive = ri.KeepAlive
	minor := ri.Minor
	if minor > 1 {
		minor = 1
	}
	st := ri.Status
	noLength := (st >= 100 && st < 200) || st == 204
	switch {
	case ri.Head || noLength || st == 304:
		f = FramingNone
	case ri.ContentLength >= 0:
		f = FramingLength
	case minor == 1:
		f = FramingChunked
	default:
		f = FramingClose
		keepAlive = false
	}

	dst = append(dst, "HTTP/1."...)
	dst = append(dst, '0'+minor, ' ')
	dst = strconv.AppendInt(dst, int64(st), 10)
	dst = append(dst, ' ')
	if len(ri.Reason) > 0 {
		dst = appendSafe(dst, ri.Reason)
	} else {
		dst = append(dst, StatusText(st)...)
	}
	dst = append(dst, "\r\n"...)
	if ri.Server != nil {
		dst = append(dst, "Server: "...)
		dst = appendSafe(dst, ri.Server)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "Date: "...)
	dst = AppendDate(dst)
	dst = append(dst, "\r\n"...)
	if !keepAlive {
		dst = append(dst, "Connection: close\r\n"...)
	} else if minor == 0 {
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	switch {
	case f == FramingLength || (f == FramingNone && !noLength && ri.ContentLength >= 0):
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, ri.ContentLength, 10)
		dst = append(dst, "\r\n"...)
	case f == FramingChunked:
		dst = append(dst, "Transfer-Encoding: chunked\r\n"...)
	}
	dst = append(dst, ri.Headers...)
	dst = append(dst, "\r\n"...)
	return dst, f, keepAlive
}

// appendSafe appends s with CTLs other than HTAB replaced by SP.
func appendSafe(dst, s []byte) []byte {
	for _, c := range s {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}

// AppendHeader appends "name: value\r\n". The caller vouches for name and
// value (no CR or LF).
func AppendHeader(dst, name, value []byte) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// AppendChunk appends p as one chunk (RFC 9112 §7.1): hex size, CRLF, data,
// CRLF. An empty p appends nothing, since a zero size is the last-chunk.
func AppendChunk(dst, p []byte) []byte {
	if len(p) == 0 {
		return dst
	}
	dst = strconv.AppendUint(dst, uint64(len(p)), 16)
	dst = append(dst, "\r\n"...)
	dst = append(dst, p...)
	return append(dst, "\r\n"...)
}

// AppendLastChunk appends the last-chunk and an empty trailer section.
func AppendLastChunk(dst []byte) []byte { return append(dst, "0\r\n\r\n"...) }

// AppendError appends a complete canned response for a rejected request:
// HTTP/1.1 status line, Content-Type, Content-Length, Connection: close,
// Date, and a one-line text body "<status text>[: <reason>]\n". The
// connection must be closed after it (RFC 9112 §6.3 for framing errors; for
// the others the rest of the stream cannot be trusted either).
func AppendError(dst []byte, status int, reason string) []byte {
	text := StatusText(status)
	n := len(text) + 1
	if reason != "" {
		n += 2 + len(reason)
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, text...)
	dst = append(dst, "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, "\r\nConnection: close\r\nDate: "...)
	dst = AppendDate(dst)
	dst = append(dst, "\r\n\r\n"...)
	dst = append(dst, text...)
	if reason != "" {
		dst = append(dst, ": "...)
		dst = append(dst, reason...)
	}
	return append(dst, '\n')
}
