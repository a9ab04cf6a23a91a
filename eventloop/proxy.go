package eventloop

import (
	"errors"
	"net"

	"github.com/narwhalhq/narwhal/eventloop/http1"
	"github.com/narwhalhq/narwhal/eventloop/proxyproto"
)

// Proxy is how a Server treats front-end proxies: gunicorn's
// proxy_protocol, proxy_allow_ips, forwarded_allow_ips and
// secure_scheme_headers. The zero value trusts no header and expects no
// PROXY protocol. The Server only reads it.
type Proxy struct {
	// Protocol accepts a PROXY protocol header (v1 or v2) at the start of
	// a connection; without one the connection is served as is (gunicorn
	// detects the header, it does not require it). Its source address
	// becomes the Remote endpoint of every request on the connection.
	Protocol bool
	// ProtocolAllow are the peers that may send a PROXY header; from any
	// other, one is answered 403 and the connection closed (gunicorn
	// ForbiddenProxyRequest). nil means gunicorn's default, loopback.
	ProtocolAllow *AllowList
	// ForwardedAllow are the peers whose SchemeHeaders are believed; nil
	// means gunicorn's default, loopback. As in gunicorn it is the socket
	// peer (the proxy) that is checked, not a PROXY header's client.
	ForwardedAllow *AllowList
	// SchemeHeaders set Exchange.Scheme; empty means never.
	SchemeHeaders []SchemeHeader
	// Forwarders is forwarder_headers: the field names with '_' that a
	// peer in ForwardedAllow may send whatever Limits.HeaderMap says
	// (gunicorn 23 message.py parse_headers). nil keeps none.
	Forwarders *http1.Forwarders
}

func (p *Proxy) setDefaults() {
	if p.ProtocolAllow == nil {
		p.ProtocolAllow = LoopbackAllowList()
	}
	if p.ForwardedAllow == nil {
		p.ForwardedAllow = LoopbackAllowList()
	}
}

// errProxyForbidden is gunicorn's ForbiddenProxyRequest (403).
var errProxyForbidden = &http1.Error{Status: 403, Reason: "proxy request not allowed"}

// initProxy decides, once per connection, what its peer is trusted with.
func (c *conn) initProxy(peer net.Addr) {
	p := &c.srv.cfg.Proxy
	if !p.Protocol && len(p.SchemeHeaders) == 0 && p.Forwarders == nil {
		return
	}
	ip := peerIP(peer)
	trusted := p.ForwardedAllow.Allows(ip)
	c.forwarded = len(p.SchemeHeaders) > 0 && trusted
	if p.Forwarders != nil && trusted {
		// The socket peer is checked, as for SchemeHeaders: a PROXY
		// header changes the reported client, not who is trusted.
		c.parser.SetForwarders(p.Forwarders)
		c.chunks.Forwarders = p.Forwarders
	}
	c.proxyPending = p.Protocol
	c.proxyAllowed = p.ProtocolAllow.Allows(ip)
}

// proxyHeader consumes a PROXY protocol header at the start of the
// connection's input buf and returns the bytes it used. While the header
// is incomplete it returns 0 and c.proxyPending stays set; the bounds of
// proxyproto cap what is held meanwhile, and Config.ReadTimeout how long.
// A malformed header (400), or any header from a peer not in ProtocolAllow
// (403), fails the connection and consumes everything.
func (c *conn) proxyHeader(buf []byte) int {
	if !c.proxyAllowed {
		// gunicorn checks the peer as soon as it sees a header, before
		// parsing it.
		v, err := proxyproto.Detect(buf)
		if err == proxyproto.ErrNeedMore {
			return 0
		}
		c.proxyPending = false
		if v != 0 {
			c.fail(errProxyForbidden)
			return len(buf)
		}
		return 0
	}
	h, n, err := proxyproto.Parse(buf)
	switch {
	case err == proxyproto.ErrNeedMore:
		return 0
	case err == proxyproto.ErrNotProxy:
		c.proxyPending = false
		return 0
	case err != nil:
		c.proxyPending = false
		var pe *proxyproto.Error
		if errors.As(err, &pe) {
			err = &http1.Error{Status: pe.Status, Reason: "invalid PROXY header: " + pe.Reason}
		}
		c.fail(err)
		return len(buf)
	}
	c.proxyPending = false
	if !h.Local {
		c.remote = proxyEndpoint(&h)
	}
	return n
}

// proxyEndpoint is the client a header names: the v1 text verbatim (gunicorn
// puts it in REMOTE_ADDR as sent), or the v2 address formatted as
// inet_ntop does.
func proxyEndpoint(h *proxyproto.Header) Endpoint {
	ep := Endpoint{Port: int(h.Source.Port())}
	if h.SourceText != nil {
		ep.Host = append([]byte(nil), h.SourceText...)
	} else {
		ep.Host = h.Source.Addr().AppendTo(nil)
	}
	return ep
}
