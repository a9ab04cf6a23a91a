package workers

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"

	"github.com/narwhalhq/narwhal/config"
	"golang.org/x/sys/unix"
)

// Listener is a bound, listening socket held as a raw file descriptor, the
// form in which it is passed to workers.
type Listener struct {
	Addr string // as given: "127.0.0.1:8000", "[::]:80", "unix:/run/app.sock", "fd://3"
	FD   int
	Unix string // socket path for unix: listeners
}

// BindOptions are the settings that shape a listening socket.
type BindOptions struct {
	Backlog   int  // listen(2) queue length, gunicorn's --backlog
	ReusePort bool // SO_REUSEPORT, gunicorn's --reuse-port
	// Umask applies while a unix socket file is created, so it sets the
	// socket's permissions (gunicorn's --umask).
	Umask int
	// Uid and Gid own a unix socket file (gunicorn chowns it to --user and
	// --group); -1 leaves it as created.
	Uid, Gid int
}

// Bind creates a listening socket for one gunicorn bind address. The socket
// is non-blocking and close-on-exec: it survives exec only where the caller
// passes it on.
func Bind(addr string, opt BindOptions) (*Listener, error) {
	lc := net.ListenConfig{}
	if opt.ReusePort {
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			})
			if err == nil {
				err = serr
			}
			return err
		}
	}
	a, err := config.ParseAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("bind %q: %w", addr, err)
	}
	switch a.Network {
	case "fd":
		return Adopt(a.FD, addr)
	case "unix":
		path := a.Path
		// gunicorn removes a stale socket file left by a previous run.
		if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSocket != 0 {
			_ = os.Remove(path)
		}
		old := syscall.Umask(opt.Umask)
		ln, err := lc.Listen(context.Background(), "unix", path)
		syscall.Umask(old)
		if err != nil {
			return nil, fmt.Errorf("bind %q: %w", addr, err)
		}
		ln.(*net.UnixListener).SetUnlinkOnClose(false)
		if opt.Uid >= 0 || opt.Gid >= 0 {
			if err := os.Lchown(path, opt.Uid, opt.Gid); err != nil {
				ln.Close()
				return nil, fmt.Errorf("bind %q: chown: %w", addr, err)
			}
		}
		l, err := detach(addr, ln, opt.Backlog)
		if l != nil {
			l.Unix = path
		}
		return l, err
	default:
		hostport := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
		ln, err := lc.Listen(context.Background(), "tcp", hostport)
		if err != nil {
			return nil, fmt.Errorf("bind %q: %w", addr, err)
		}
		return detach(addr, ln, opt.Backlog)
	}
}

// Adopt takes over an inherited listening socket: fd:// addresses, systemd's
// LISTEN_FDS and a new master's NARWHAL_FD. addr is what to call it when the
// socket does not say (see Name).
func Adopt(fd int, addr string) (*Listener, error) {
	if v, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN); err != nil || v == 0 {
		if err == nil {
			err = syscall.EINVAL
		}
		return nil, fmt.Errorf("bind %q: fd %d is not a listening socket: %w", addr, fd, err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		return nil, fmt.Errorf("bind %q: %w", addr, err)
	}
	syscall.CloseOnExec(fd)
	l := &Listener{Addr: addr, FD: fd}
	if sa, err := syscall.Getsockname(fd); err == nil {
		if su, ok := sa.(*syscall.SockaddrUnix); ok && su.Name != "" && su.Name[0] != '@' {
			l.Unix = su.Name
		}
	}
	return l, nil
}

// Close closes the socket; unlink also removes a unix socket's file
// (gunicorn unlinks it on a final stop, not when handing over to a new
// master or under systemd).
func (l *Listener) Close(unlink bool) {
	syscall.Close(l.FD)
	if unlink && l.Unix != "" {
		_ = os.Remove(l.Unix)
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
