package workers

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Listener is a bound, listening socket held as a raw file descriptor, the
// form in which it is passed to workers.
type Listener struct {
	Addr string // as given: "127.0.0.1:8000", "[::]:80", "unix:/run/app.sock", "fd://3"
	FD   int
	Unix string // socket path for unix: listeners
}

// Bind creates a listening socket for one gunicorn bind address. The socket
// is non-blocking and survives exec only where the caller passes it on.
func Bind(addr string, backlog int) (*Listener, error) {
	switch {
	case strings.HasPrefix(addr, "fd://"):
		fd, err := strconv.Atoi(addr[len("fd://"):])
		if err != nil || fd < 0 {
			return nil, fmt.Errorf("bind %q: invalid file descriptor", addr)
		}
		if _, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN); err != nil {
			return nil, fmt.Errorf("bind %q: not a listening socket: %w", addr, err)
		}
		return &Listener{Addr: addr, FD: fd}, syscall.SetNonblock(fd, true)
	case strings.HasPrefix(addr, "unix:"):
		path := addr[len("unix:"):]
		// gunicorn removes a stale socket file left by a previous run.
		if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSocket != 0 {
			_ = os.Remove(path)
		}
		ln, err := net.Listen("unix", path)
		if err != nil {
			return nil, fmt.Errorf("bind %q: %w", addr, err)
		}
		ln.(*net.UnixListener).SetUnlinkOnClose(false)
		l, err := detach(addr, ln, backlog)
		if l != nil {
			l.Unix = path
		}
		return l, err
	default:
		hostport := addr
		if strings.HasPrefix(hostport, "tcp://") {
			hostport = hostport[len("tcp://"):]
		}
		if !strings.Contains(hostport, ":") || strings.HasSuffix(hostport, "]") {
			hostport += ":8000" // gunicorn: a bare host means port 8000
		}
		ln, err := net.Listen("tcp", hostport)
		if err != nil {
			return nil, fmt.Errorf("bind %q: %w", addr, err)
		}
		return detach(addr, ln, backlog)
	}
}

// detach keeps a duplicate of ln's socket and closes ln, so the socket is a
// plain fd that Go's runtime does not own.
func detach(addr string, ln net.Listener, backlog int) (*Listener, error) {
	defer ln.Close()
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("bind %q: not a socket", addr)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	var derr error
	if err := rc.Control(func(s uintptr) { fd, derr = syscall.Dup(int(s)) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, fmt.Errorf("bind %q: dup: %w", addr, derr)
	}
	syscall.CloseOnExec(fd)
	if backlog > 0 {
		// A second listen(2) resets the queue length to gunicorn's --backlog.
		if err := syscall.Listen(fd, backlog); err != nil {
			syscall.Close(fd)
			return nil, fmt.Errorf("bind %q: listen: %w", addr, err)
		}
	}
	return &Listener{Addr: addr, FD: fd}, nil
}

// Name is the address to log: the bound port resolved, as gunicorn logs
// "Listening at: http://127.0.0.1:8000".
func (l *Listener) Name() string {
	if l.Unix != "" {
		return "unix:" + l.Unix
	}
	sa, err := syscall.Getsockname(l.FD)
	if err != nil {
		return l.Addr
	}
	switch sa := sa.(type) {
	case *syscall.SockaddrInet4:
		return "http://" + net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port))
	case *syscall.SockaddrInet6:
		return "http://" + net.JoinHostPort(net.IP(sa.Addr[:]).String(), strconv.Itoa(sa.Port))
	case *syscall.SockaddrUnix:
		return "unix:" + sa.Name
	}
	return l.Addr
}
