package workers

import (
	"strconv"

	"github.com/narwhalhq/narwhal/eventloop"
	"github.com/narwhalhq/narwhal/wsgi"
)

// fillRequest translates a complete Exchange into the bridge's request,
// reusing r's header slice: no allocation for a warmed app thread.
func fillRequest(r *wsgi.Request, ex *eventloop.Exchange, scheme []byte) {
	q := &ex.Req
	r.Method = q.Bytes(q.Method)
	r.RawURI = q.Bytes(q.Target)
	r.Path = q.Bytes(q.Path)
	r.Query = q.Bytes(q.Query)
	r.Minor = q.Minor
	r.Headers = r.Headers[:0]
	r.ScriptName, r.ScriptNameSet = nil, false
	for _, f := range q.Fields {
		name, value := q.Bytes(f.Name), q.Bytes(f.Value)
		r.Headers = append(r.Headers, wsgi.Header{Name: name, Value: value})
		if isScriptName(name) {
			// gunicorn 23 wsgi.py create(): a SCRIPT_NAME header the
			// parser kept (forwarder_headers from a trusted peer, or
			// header_map=dangerous) is the request's SCRIPT_NAME; the
			// last one wins. It still becomes HTTP_SCRIPT_NAME too.
			r.ScriptName, r.ScriptNameSet = value, true
		}
	}
	// REMOTE_ADDR is a PROXY header's client when there was one: the loop
	// replaced the connection's Remote endpoint (gunicorn proxy_environ).
	r.RemoteAddr, r.RemotePort = ex.Remote.Host, ex.Remote.Port
	r.URLScheme = scheme
	if ex.Scheme != nil {
		// A trusted front end's secure_scheme_headers decided (gunicorn
		// Message.scheme).
		r.URLScheme = ex.Scheme
	}
	r.ServerName, r.ServerPort = serverAddr(ex, r.ServerPort[:0], string(r.URLScheme) == "https")
	r.Body, r.BodyFD, r.BodyLen = nil, -1, ex.Body.Len
	if ex.Body.File != nil {
		r.BodyFD = int(ex.Body.File.Fd())
	} else {
		r.Body = ex.Body.Mem
	}
	r.Chunked = q.Chunked
	r.Head = q.MethodIs("HEAD")
}

// serverAddr gives SERVER_NAME and SERVER_PORT as gunicorn does: the
// listener's address for TCP; for unix sockets, the Host header (gunicorn
// http/wsgi.py create()), since WSGI has no notion of a socket path, with
// port 443 or 80 by scheme when the header has none.
func serverAddr(ex *eventloop.Exchange, port []byte, https bool) ([]byte, []byte) {
	if !ex.Local.Unix {
		return ex.Local.Host, appendInt(port, ex.Local.Port)
	}
	host := ex.Req.Bytes(ex.Req.Host)
	for i := len(host) - 1; i >= 0; i-- {
		if host[i] == ':' {
			return host[:i], append(port, host[i+1:]...)
		}
		if host[i] == ']' {
			break
		}
	}
	if len(host) == 0 {
		return host, port
	}
	if https {
		return host, append(port, "443"...)
	}
	return host, append(port, "80"...)
}

func appendInt(b []byte, n int) []byte {
	if n < 0 {
		return b // unix sockets have no port
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// isScriptName reports whether a field name is SCRIPT_NAME in any case
// (gunicorn upper-cases names before comparing).
func isScriptName(name []byte) bool {
	const want = "SCRIPT_NAME"
	if len(name) != len(want) {
		return false
	}
	for i := range name {
		c := name[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}
