package wsgi

// Header is one request header as received; Name keeps the client's case.
type Header struct{ Name, Value []byte }

// Request is one complete request as the server hands it to Thread.Call.
// The bridge reads it only during Call and keeps no reference afterwards.
type Request struct {
	Method []byte
	RawURI []byte // request-target as received -> RAW_URI (gunicorn extra)
	// Path is the path part of the target, still percent-encoded. The
	// bridge strips the SCRIPT_NAME prefix and decodes the rest to bytes
	// read as latin-1 for PATH_INFO (PEP 3333 "Unicode Issues"; gunicorn
	// util.unquote_to_wsgi_str).
	Path  []byte
	Query []byte // QUERY_STRING, without the '?'
	Minor uint8  // SERVER_PROTOCOL is "HTTP/1.<Minor>"
	// Headers in arrival order. Repeated names are joined with "," into one
	// HTTP_* key; Content-Type and Content-Length become CONTENT_TYPE and
	// CONTENT_LENGTH (a repeat overwrites, as in gunicorn). The server drops
	// names containing '_' before they get here, unless header_map or
	// forwarder_headers keeps them.
	Headers []Header
	// RemoteAddr is REMOTE_ADDR: an IP for TCP, or whatever the server
	// reports for a unix socket (gunicorn puts accept()'s address there,
	// usually "").
	RemoteAddr []byte
	// RemotePort is REMOTE_PORT (a str in environ); -1 omits the key, as
	// gunicorn does for unix sockets.
	RemotePort int
	// ServerName and ServerPort are SERVER_NAME and SERVER_PORT. For unix
	// sockets gunicorn derives them from the Host header (port 80/443 by
	// scheme, or ""); that is the server's job.
	ServerName []byte
	ServerPort []byte
	URLScheme  []byte // overrides AppConfig.URLScheme when non-empty
	// ScriptName, when ScriptNameSet, is this request's SCRIPT_NAME in
	// place of AppConfig.ScriptName: a SCRIPT_NAME header a trusted front
	// end sent (forwarder_headers; gunicorn 23 wsgi.py create()). The path
	// must start with it byte for byte, and PATH_INFO is the rest; an
	// empty one strips nothing. A path that does not start with it is
	// answered 500, as gunicorn's ConfigurationProblem.
	ScriptName    []byte
	ScriptNameSet bool
	// Body holds the whole body in memory (all of len(Body) is the body);
	// wsgi.input reads it straight from this memory, with no copy in Go.
	// When BodyFD >= 0 the body is instead BodyLen bytes of a spooled file,
	// read with pread(2) from offset 0, so the file offset never moves; the
	// server keeps owning the fd.
	Body    []byte
	BodyFD  int
	BodyLen int64
	// Chunked: the request used Transfer-Encoding: chunked, so there is no
	// CONTENT_LENGTH (gunicorn); the server has buffered the whole body, so
	// wsgi.input_terminated is True either way.
	Chunked bool
	// Head: the method is HEAD. The bridge still iterates and closes the
	// result but delivers no body bytes (RFC 9110 §9.3.2).
	Head bool
}
