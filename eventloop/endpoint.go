package eventloop

import (
	"net"
	"strconv"
)

// Endpoint is one side of a connection, formatted once per connection so
// requests do not pay for address formatting.
type Endpoint struct {
	Host []byte // "127.0.0.1", "::1"; the socket path (or "") for unix sockets
	Port int    // -1 for unix sockets
	Unix bool
}

func endpointOf(a net.Addr) Endpoint {
	switch a := a.(type) {
	case *net.TCPAddr:
		return Endpoint{Host: []byte(a.IP.String()), Port: a.Port}
	case *net.UnixAddr:
		return Endpoint{Host: []byte(a.Name), Port: -1, Unix: true}
	case nil:
		return Endpoint{Port: -1}
	default:
		host, port, err := net.SplitHostPort(a.String())
		if err != nil {
			return Endpoint{Host: []byte(a.String()), Port: -1}
		}
		p, _ := strconv.Atoi(port)
		return Endpoint{Host: []byte(host), Port: p}
	}
}
