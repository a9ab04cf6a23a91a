package eventloop

import "github.com/narwhalhq/narwhal/eventloop/http1"

// SchemeHeader is one entry of gunicorn's secure_scheme_headers.
type SchemeHeader struct {
	// Name matches a field whose name, upper-cased, equals it exactly
	// (gunicorn upper-cases the field name, not the setting's key, so a
	// key with a lower-case letter never matches).
	Name string
	// Value is what marks HTTPS; any other value of the field means HTTP.
	Value string
}

// Static scheme values for Exchange.Scheme.
var (
	schemeHTTPS = []byte("https")
	schemeHTTP  = []byte("http")
)

// errSchemeHeaders is gunicorn's InvalidSchemeHeaders (400).
var errSchemeHeaders = &http1.Error{Status: 400, Reason: "Contradictory scheme headers"}

// forwardedScheme applies Config.Proxy.SchemeHeaders to the request just
// parsed into c.req, as gunicorn's Message.parse_headers does: only for a
// peer in ForwardedAllow; the first matching field decides between https
// (its value is the configured one) and http (any other value); a later
// one that decides differently is an error. nil means no field matched.
// Trailers are never consulted (gunicorn: from_trailer). No allocation.
func (c *conn) forwardedScheme() ([]byte, error) {
	if !c.forwarded {
		return nil, nil
	}
	found, secure := false, false
	q := &c.req
	for _, f := range q.Fields {
		name := q.Bytes(f.Name)
		for i := range c.srv.cfg.Proxy.SchemeHeaders {
			h := &c.srv.cfg.Proxy.SchemeHeaders[i]
			if !upperEquals(name, h.Name) {
				continue
			}
			// gunicorn: secure = value == secure_scheme_headers[name]
			s := string(q.Bytes(f.Value)) == h.Value
			if found && s != secure {
				return nil, errSchemeHeaders
			}
			found, secure = true, s
		}
	}
	switch {
	case !found:
		return nil, nil
	case secure:
		return schemeHTTPS, nil
	}
	return schemeHTTP, nil
}

// upperEquals reports whether name, upper-cased (ASCII), is exactly key.
func upperEquals(name []byte, key string) bool {
	if len(name) != len(key) {
		return false
	}
	for i, b := range name {
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		if b != key[i] {
			return false
		}
	}
	return true
}
