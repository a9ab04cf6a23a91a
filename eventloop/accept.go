package eventloop

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// listener is an inherited listening socket. It is polled through Go's
// netpoller with raw accept4 calls, never through os.File.Fd or
// net.FileListener: those switch the shared socket to blocking mode for every
// process that holds it, and a worker blocked in accept cannot be stopped
// (DESIGN.md, "gnet facts").
type listener struct {
	f    *os.File
	rc   syscall.RawConn
	done chan struct{} // closed when its acceptLoop has returned
}

func newListener(fd int) (*listener, error) {
	// Our own copy, so closing it never closes the caller's descriptor.
	dup, err := syscall.Dup(fd)
	if err != nil {
		return nil, os.NewSyscallError("dup", err)
	}
	syscall.CloseOnExec(dup)
	if err := syscall.SetNonblock(dup, true); err != nil {
		syscall.Close(dup)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	// A non-blocking descriptor given to os.NewFile is registered with the netpoller.
	f := os.NewFile(uintptr(dup), "listener")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &listener{f: f, rc: rc, done: make(chan struct{})}, nil
}

func (l *listener) close() { _ = l.f.Close() }

// accept waits for and accepts one connection.
func (l *listener) accept() (int, error) {
	var nfd int
	var aerr error
	err := l.rc.Read(func(fd uintptr) bool {
		nfd, _, aerr = syscall.Accept4(int(fd), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		return aerr != syscall.EAGAIN
	})
	if err != nil {
		return -1, err
	}
	return nfd, aerr
}

// acceptLoop accepts while a MaxConns slot is free: when the server holds
// worker_connections connections, new ones wait in the kernel's backlog
// instead of being accepted and reset. Once Shutdown begins it returns
// (closing l.done) without holding a slot; anything it accepts before then is
// enrolled, so Shutdown waits for it before counting connections.
func (s *Server) acceptLoop(l *listener) {
	defer close(l.done)
	for {
		select {
		case s.connSem <- struct{}{}:
		case <-s.drain:
			return
		}
		fd, err := l.accept()
		if err != nil {
			<-s.connSem
			if errors.Is(err, os.ErrClosed) || s.draining.Load() {
				return
			}
			if errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EINTR) {
				continue
			}
			// EMFILE and friends: back off instead of spinning.
			s.cfg.ErrorLog("eventloop: accept: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err := s.enroll(fd, true); err != nil {
			<-s.connSem
			s.cfg.ErrorLog("eventloop: enroll: %v", err)
		}
	}
}

// maxBacklogDrain bounds drainBacklog where the kernel does not say how many
// connections are queued (Unix sockets): the accept queue is no longer than
// the listen backlog, which somaxconn caps (4096 by default since Linux 5.4).
const maxBacklogDrain = 1 << 16

// queued is how many completed connections wait in l's accept queue, or
// maxBacklogDrain when the kernel does not say. For a listening TCP socket
// Linux reports the queue's length in tcp_info's tcpi_unacked (tcp_get_info:
// "listeners aliased fields").
func (l *listener) queued() int {
	n := maxBacklogDrain
	_ = l.rc.Control(func(fd uintptr) {
		if ti, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			n = int(ti.Unacked)
		}
	})
	return n
}

// drainBacklog accepts, without waiting, every connection the kernel has
// already completed on l and enrolls it without a MaxConns slot: the worker is
// exiting, and the backlog bounds how many there are. Closing the last
// descriptor of a listening socket resets whatever is left in its backlog,
// and the master closes its own copy before it signals the workers (gunicorn
// #3397, #2593), so Shutdown drains before it closes. It runs alongside
// acceptLoop; Control, unlike Read, does not wait for the lock acceptLoop holds
// while parked, and the kernel hands each connection to one accept4 only.
//
// It takes at most what was queued when it began: a client that reconnects
// as soon as each answer arrives would otherwise keep a retiring worker
// serving, one connection after another, far past max_requests. Later
// arrivals wait for the other workers or the replacement.
func (s *Server) drainBacklog(ctx context.Context, l *listener) {
	for n, queued := 0, l.queued(); n < queued && ctx.Err() == nil; n++ {
		var nfd int
		var aerr error
		if err := l.rc.Control(func(fd uintptr) {
			nfd, _, aerr = syscall.Accept4(int(fd), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		}); err != nil {
			return
		}
		switch aerr {
		case nil:
			if err := s.enroll(nfd, false); err != nil {
				s.cfg.ErrorLog("eventloop: enroll: %v", err)
			}
		case syscall.ECONNABORTED, syscall.EINTR:
		case syscall.EAGAIN:
			return
		default:
			s.cfg.ErrorLog("eventloop: accept: %v", aerr)
			return
		}
	}
}

// enroll hands an accepted socket to a gnet loop; sem says whether it holds
// a connSem slot, which its conn releases when it closes.
func (s *Server) enroll(fd int, sem bool) error {
	f := os.NewFile(uintptr(fd), "conn")
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return err
	}
	_, err = s.client.EnrollContext(nc, semTag(sem))
	return err
}
