package eventloop

import "github.com/panjf2000/gnet/v2"

var continue100 = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// flush writes the output of the queue's head and of every consecutive
// finished Exchange after it in one writev, then retires the finished ones.
// Output of an Exchange behind an unfinished one waits: responses leave in
// request order (RFC 9112 §9.3.2).
func (c *conn) flush() gnet.Action {
	hw := c.srv.cfg.HighWater
	congested := c.gc.OutboundBuffered() > hw
	iov, taken, done := c.iov[:0], c.taken[:0], 0

	c.mu.Lock()
	if !congested {
		for _, ex := range c.queue {
			if ex.need100 && ex.state == exReceiving {
				ex.need100 = false
				iov = append(iov, continue100)
			}
			if len(ex.out) > 0 {
				iov = append(iov, ex.out)
				taken = append(taken, taken1{ex, ex.out})
				ex.out = ex.spare[:0]
				ex.spare = nil
			}
			if ex.state != exDone {
				break
			}
			done++
			if !ex.keepAlive || ex.aborted {
				c.closing = true
				break
			}
		}
	}
	c.mu.Unlock()

	dead := false
	if len(iov) > 0 {
		if _, err := c.gc.Writev(iov); err != nil {
			c.closing = true
		}
		c.mu.Lock()
		for _, t := range taken {
			t.ex.spare = t.buf[:0] // gnet copied what the socket did not take
		}
		c.drained.Broadcast()
		// A failed write makes gnet close the connection at once: onClose
		// has run and released the queue.
		dead = c.dead
		c.mu.Unlock()
	}
	clear(iov)
	clear(taken)
	c.iov, c.taken = iov[:0], taken[:0]
	if dead {
		return gnet.None
	}

	for _, ex := range c.queue[:done] {
		ex.unref()
	}
	c.queue = append(c.queue[:0], c.queue[done:]...)

	pending := c.gc.OutboundBuffered()
	if c.closing {
		// gnet's close drops what the socket will not take at once, so the
		// connection closes only after its output has fully left.
		if pending == 0 {
			return gnet.Close
		}
		c.srv.poll(c)
		return gnet.None
	}
	if pending > hw || congested {
		c.srv.poll(c)
	}
	return gnet.None
}

// taken1 is an Exchange's output buffer lent to one writev.
type taken1 struct {
	ex  *Exchange
	buf []byte
}
