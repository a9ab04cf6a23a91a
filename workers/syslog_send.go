package workers

import (
	"net"
	"net/netip"
	"time"
)

// send is the sender goroutine: the only one to touch the socket.
func (s *Syslog) send() {
	defer close(s.done)
	for {
		select {
		case b := <-s.q:
			s.write(b)
		case ack := <-s.flushes:
			s.drain(time.Now().Add(syslogFlushWait))
			close(ack)
		case <-s.quit:
			s.drain(time.Now().Add(syslogFlushWait))
			if s.conn != nil {
				s.conn.Close()
			}
			return
		}
	}
}

func (s *Syslog) drain(deadline time.Time) {
	for time.Now().Before(deadline) {
		select {
		case b := <-s.q:
			s.write(b)
		default:
			return
		}
	}
}

// write sends one message; SysLogHandler.emit: a failed send reopens the
// socket and sends once more.
func (s *Syslog) write(b *[]byte) {
	defer s.release(b)
	var err error
	for range 2 {
		if s.conn == nil {
			if s.conn, err = s.connect(); s.conn == nil {
				break
			}
		}
		_ = s.conn.SetWriteDeadline(time.Now().Add(syslogWriteWait))
		if _, err = s.conn.Write(*b); err == nil {
			s.failing = false
			return
		}
		// On a stream a partial write breaks the framing: start afresh.
		s.conn.Close()
		s.conn = nil
	}
	s.dropped.Add(1)
	if err != nil && !s.failing {
		s.failing = true
		if l := s.report.Load(); l != nil {
			l.Warnf("syslog %s: %v; log lines are dropped until it accepts them again", s.dest, err)
		}
	}
}

// connect opens the socket, trying the destination's networks in order
// (SysLogHandler._connect_unixsocket: datagram, then stream). Within
// syslogRedial of a failure it returns nil, nil: the line is dropped
// without a new attempt.
func (s *Syslog) connect() (net.Conn, error) {
	if time.Now().Before(s.retryAt) {
		return nil, nil
	}
	var err error
	for _, network := range s.dest.networks {
		var c net.Conn
		if c, err = dialSyslog(network, s.dest.addr); err == nil {
			return c, nil
		}
	}
	s.retryAt = time.Now().Add(syslogRedial)
	return nil, err
}

func dialSyslog(network, addr string) (net.Conn, error) {
	if network != "udp" {
		return net.DialTimeout(network, addr, syslogDialWait)
	}
	// SysLogHandler sends datagrams with sendto on an unconnected socket:
	// the ICMP "port unreachable" an earlier datagram drew fails nothing.
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	to := netip.AddrPortFrom(ua.AddrPort().Addr().Unmap(), ua.AddrPort().Port())
	network = "udp6"
	if to.Addr().Is4() {
		network = "udp4"
	}
	c, err := net.ListenUDP(network, nil)
	if err != nil {
		return nil, err
	}
	return udpTo{c, to}, nil
}

// udpTo is an unconnected UDP socket whose Write sends to one address.
type udpTo struct {
	*net.UDPConn
	to netip.AddrPort
}

func (u udpTo) Write(p []byte) (int, error) { return u.WriteToUDPAddrPort(p, u.to) }
