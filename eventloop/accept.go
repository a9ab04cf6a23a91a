package eventloop

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"
)

// listener is an inherited listening socket. It is polled through Go's
// netpoller with raw accept4 calls, never through os.File.Fd or
// net.FileListener: those switch the shared socket to blocking mode for every
// process that holds it, and a worker blocked in accept cannot be stopped
// (DESIGN.md, "gnet facts").
type listener struct {
	f  *os.File
	rc syscall.RawConn
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
	return &listener{f: f, rc: rc}, nil
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
// instead of being accepted and reset.
func (s *Server) acceptLoop(l *listener) {
	for {
		select {
		case s.connSem <- struct{}{}:
		case <-s.stopped:
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
		if err := s.enroll(fd); err != nil {
			<-s.connSem
			s.cfg.ErrorLog("eventloop: enroll: %v", err)
		}
	}
}

// enroll hands an accepted socket to a gnet loop.
func (s *Server) enroll(fd int) error {
	f := os.NewFile(uintptr(fd), "conn")
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return err
	}
	_, err = s.client.EnrollContext(nc, semTag(true))
	return err
}
