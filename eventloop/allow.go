package eventloop

import (
	"fmt"
	"net"
	"net/netip"
)

// AllowList is a parsed gunicorn forwarded_allow_ips or proxy_allow_ips:
// addresses, networks, or "*" for every peer. It is parsed once per worker;
// Allows is read-only, safe for concurrent use and allocation-free.
type AllowList struct {
	all      bool
	prefixes []netip.Prefix // unmapped: ::ffff:a.b.c.d/128 is stored as a.b.c.d/32
}

// ParseAllowList parses entries as gunicorn's validator does: "*", an IP
// address, or (gunicorn after 23.0, ipaddress.ip_network) a network in CIDR
// notation with no host bits set.
func ParseAllowList(entries []string) (*AllowList, error) {
	l := &AllowList{}
	for _, e := range entries {
		if e == "*" {
			l.all = true
			continue
		}
		p, err := ParseNetwork(e)
		if err != nil {
			return nil, err
		}
		l.prefixes = append(l.prefixes, p)
	}
	return l, nil
}

// ParseNetwork parses one allow-list entry as Python's ipaddress.ip_network
// (strict) does, with its error messages: an address is a one-address network.
// IPv4-mapped IPv6 networks are stored as IPv4 (see Allows).
func ParseNetwork(s string) (netip.Prefix, error) {
	var p netip.Prefix
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.WithZone("")
		p = netip.PrefixFrom(a, a.BitLen())
	} else if p, err = netip.ParsePrefix(s); err != nil {
		return netip.Prefix{}, fmt.Errorf("'%s' does not appear to be an IPv4 or IPv6 network", s)
	} else if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%s has host bits set", s)
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p, nil
}

// LoopbackAllowList is gunicorn's default for both lists, "127.0.0.1,::1".
func LoopbackAllowList() *AllowList {
	return &AllowList{prefixes: []netip.Prefix{
		netip.PrefixFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 32),
		netip.PrefixFrom(netip.IPv6Loopback(), 128),
	}}
}

// Allows reports whether peer is on the list. A peer with no IP address
// (the zero Addr: a unix socket) is always allowed, as gunicorn trusts
// every peer whose address is not an (ip, port) tuple. An IPv4 client seen
// on an IPv6 socket (::ffff:a.b.c.d) is matched as a.b.c.d, the form
// narwhal reports in REMOTE_ADDR.
func (l *AllowList) Allows(peer netip.Addr) bool {
	if !peer.IsValid() || l.all {
		return true
	}
	peer = peer.Unmap().WithZone("")
	for _, p := range l.prefixes {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

// peerIP is the IP address of a connection's peer, or the zero Addr when it
// has none (a unix socket).
func peerIP(a net.Addr) netip.Addr {
	switch a := a.(type) {
	case *net.TCPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip
	case *net.UDPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip
	}
	return netip.Addr{}
}
