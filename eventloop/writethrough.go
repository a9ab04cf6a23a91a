package eventloop

import (
	"errors"

	"golang.org/x/sys/unix"
)

// writeThrough is Write's back-pressure for a handler that blocks the loop
// goroutine (Config.HandlerBlocks): nothing else can drain the
// connection meanwhile, so it writes ex's output, and the finished output
// queued before it, straight to the socket, waiting for the socket as
// gunicorn's sync worker blocks in sendall. A streamed body then needs no
// more memory than HighWater; a client that stops reading holds the handler
// until it reads or its connection fails. When gnet still holds output of an
// earlier response, which only gnet may send, ex's output stays buffered
// instead.
func (c *conn) writeThrough(ex *Exchange) error {
	if c.closing {
		return ErrClosed
	}
	if c.gc.OutboundBuffered() > 0 {
		return nil
	}
	fd := c.gc.Fd()
	// Only this goroutine touches the connection while the handler blocks
	// it; mu is for the race detector's sake and for Result.
	c.mu.Lock()
	defer c.mu.Unlock()
	// The exchanges before ex are complete: the handler runs one at a time.
	for _, q := range c.queue {
		if err := writeAll(fd, q.out); err != nil {
			c.dropOutput() // the handler sees ErrClosed
			return ErrClosed
		}
		q.out = q.out[:0]
		if q == ex {
			break
		}
	}
	return nil
}

// dropOutput discards every queued exchange's output once a direct write
// has failed: the peer is gone and what is left will never arrive. flush
// sees closing and closes the connection. c.mu is held.
func (c *conn) dropOutput() {
	for _, q := range c.queue {
		q.out = q.out[:0]
	}
	c.closing = true
}

// writeAll writes p to the non-blocking socket fd, polling while it is full.
func writeAll(fd int, p []byte) error {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	for len(p) > 0 {
		n, err := unix.Write(fd, p)
		if n > 0 {
			p = p[n:]
		}
		switch {
		case err == nil, errors.Is(err, unix.EINTR):
		case errors.Is(err, unix.EAGAIN):
			if _, err := unix.Poll(pfd, -1); err != nil && !errors.Is(err, unix.EINTR) {
				return err
			}
		default:
			return err
		}
	}
	return nil
}

// finalDirect is the smallest last body block sendFinal sends itself.
const finalDirect = 64 << 10

// sendFinal is the path of a large last body block written by a handler
// that blocks the loop (Config.HandlerBlocks): it writes the finished output queued before ex,
// ex's own and p to the socket in one writev, without waiting, and returns
// what of p the socket did not take, for the loop to send later. A 1 MiB
// response then costs no copy and no fresh 1 MiB buffer when the client
// reads as fast as it is written (on the sync class, 1 MiB body, copying
// it whole cost a third of the worker's CPU: page faults on new buffers
// and the collections they caused). c.mu is held.
func (c *conn) sendFinal(ex *Exchange, p []byte, final bool) []byte {
	if !final || len(p) < finalDirect || !c.srv.cfg.HandlerBlocks || !ex.inline.Load() || c.closing || c.gc.OutboundBuffered() > 0 {
		return p
	}
	iov := c.iov[:0]
	for _, q := range c.queue {
		if len(q.out) > 0 {
			iov = append(iov, q.out)
		}
		if q == ex {
			break
		}
	}
	iov = append(iov, p)
	n, err := writevOnce(c.gc.Fd(), iov)
	clear(iov)
	c.iov = iov[:0]
	if err != nil {
		c.dropOutput()
		return nil
	}
	for _, q := range c.queue {
		k := min(n, len(q.out))
		q.out = q.out[:copy(q.out, q.out[k:])]
		n -= k
		if q == ex {
			break
		}
	}
	return p[n:]
}

// writevOnce writes iov to the non-blocking socket fd as far as it takes
// it now: EAGAIN is 0 bytes, not an error.
func writevOnce(fd int, iov [][]byte) (int, error) {
	for {
		n, err := unix.Writev(fd, iov)
		switch {
		case err == nil:
			return n, nil
		case errors.Is(err, unix.EINTR):
		case errors.Is(err, unix.EAGAIN):
			return 0, nil
		default:
			return 0, err
		}
	}
}
