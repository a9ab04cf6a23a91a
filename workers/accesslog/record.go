package accesslog

import "time"

// Field is a name and a value: a request or response header, or a WSGI
// environ entry. The slices are only read, never retained.
type Field struct{ Name, Value []byte }

// Record is what the worker knows about one finished request. Byte fields
// hold the bytes as received or sent (the WSGI "bytes as latin-1" strings of
// PEP 3333), except Env values, which are UTF-8 text. A Record is only read
// by Append and AppendJSON; it may be reused for the next request as soon as
// they return.
//
// gunicorn reads h, m, U, q, H and r from the WSGI environ after the
// application returned, so an application that rewrites the environ (werkzeug
// ProxyFix sets REMOTE_ADDR from X-Forwarded-For) changes the log line. A
// worker that wants that too fills these fields from the final environ.
type Record struct {
	RemoteAddr []byte // h: REMOTE_ADDR, an IP without port; "" for a unix socket, as in gunicorn
	Method     []byte // m, r: REQUEST_METHOD
	RawURI     []byte // r: RAW_URI, the request target as received
	PathInfo   []byte // U: PATH_INFO, percent-decoded, SCRIPT_NAME removed
	Query      []byte // q: QUERY_STRING, without the '?'
	Protocol   []byte // H, r: SERVER_PROTOCOL, "HTTP/1.1"

	// Status is the application's status text ("200 OK"); s is its first
	// word, as gunicorn's resp.status.split(None, 1)[0]. When Status is
	// empty, s is Code. Code is the numeric status, used by AppendJSON.
	Status []byte
	Code   int

	// Sent is the number of body bytes sent (gunicorn's resp.sent): B, b.
	Sent int64

	// ReqHeaders are the request headers in arrival order, after the
	// server dropped names containing '_' (gunicorn 22+ header_map "drop").
	// {name}i is the last value of a repeated name; f, a and u use the
	// values joined with ",", as the environ's HTTP_* keys do.
	ReqHeaders []Field
	// RespHeaders are the application's headers from start_response,
	// including Content-Length but not the ones the server adds (Date,
	// Server, Connection, Transfer-Encoding) nor hop-by-hop ones: gunicorn
	// logs resp.headers, which holds only those. See AppendFields.
	RespHeaders []Field
	// Env holds the environ entries named by {var}e atoms (Format.EnvKeys),
	// values rendered as Python's str() in UTF-8. Names match ASCII
	// case-insensitively; the last match wins.
	Env []Field

	// Time is when the request finished: gunicorn's t is the time of
	// logging, in the local time zone (Time's Location is used).
	Time time.Time
	// Duration is the request time: T, M, D and L.
	Duration time.Duration

	Pid int // p: the worker's process id
}

// AppendFields appends to dst the header lines of block ("Name: value\r\n",
// as the wsgi bridge hands them to its Sink) and returns the extended slice.
// The Fields point into block. A line without a colon is skipped.
func AppendFields(dst []Field, block []byte) []Field {
	for len(block) > 0 {
		line := block
		next := []byte(nil)
		for i := 0; i < len(block); i++ {
			if block[i] == '\n' {
				line, next = block[:i], block[i+1:]
				break
			}
		}
		block = next
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		for i := 0; i < len(line); i++ {
			if line[i] == ':' {
				v := line[i+1:]
				for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
					v = v[1:]
				}
				dst = append(dst, Field{Name: line[:i], Value: v})
				break
			}
		}
	}
	return dst
}
