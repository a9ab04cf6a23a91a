package eventloop

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/narwhalhq/narwhal/eventloop/http1"
	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// conn is the loop's state for one connection. Fields without a comment are
// owned by the loop goroutine; mu guards the response side of every queued
// Exchange and dead.
type conn struct {
	srv           *Server
	gc            gnet.Conn
	remote, local Endpoint

	parser   http1.Parser
	req      http1.Request
	inbuf    []byte    // unconsumed input, starting at a request boundary
	recv     *Exchange // request whose body is arriving
	bodyLeft int64     // Content-Length bytes still expected by recv
	chunks   http1.ChunkedDecoder
	decoded  []byte      // scratch for chunked decoding
	queue    []*Exchange // dispatched or receiving, in request order
	lastReq  bool        // a request asked to close: parse nothing after it
	closing  bool        // close once queued output is flushed
	iov      [][]byte    // scratch for writev
	taken    []taken1    // scratch: buffers lent to the current writev
	fromSem  bool        // holds a slot of Server.connSem

	proxyPending bool // Config.Proxy.Protocol: a PROXY header may still start the input (proxy.go)
	proxyAllowed bool // the peer is in Proxy.ProtocolAllow
	forwarded    bool // the peer is in Proxy.ForwardedAllow and SchemeHeaders are set

	wakePending atomic.Bool
	closeReq    atomic.Bool  // housekeeping asks the loop to close once output has left
	idleSince   atomic.Int64 // coarse nanotime the connection went idle; 0 while busy
	lastRead    atomic.Int64 // coarse nanotime of the last input of a partial request; 0 when none
	polled      atomic.Bool  // registered for fast re-wakes (congested or closing)
	gotInput    atomic.Bool  // any byte has arrived: no longer waiting for a first request

	mu      sync.Mutex
	drained sync.Cond // signalled when the loop takes output or the connection dies
	dead    bool
}

func newConn(s *Server, gc gnet.Conn) *conn {
	c := &conn{srv: s, gc: gc, remote: endpointOf(gc.RemoteAddr()), local: endpointOf(gc.LocalAddr())}
	c.parser = *http1.NewParser(s.cfg.Limits)
	// Trailers are header fields: the same limits and switches apply.
	lim := s.cfg.Limits
	c.chunks = http1.ChunkedDecoder{MaxTrailerFields: lim.Fields, MaxTrailerFieldSize: lim.FieldSize,
		HeaderMap: lim.HeaderMap, StripHeaderSpaces: lim.StripHeaderSpaces}
	c.initProxy(gc.RemoteAddr())
	c.req.ContentLength = -1
	c.drained.L = &c.mu
	c.idleSince.Store(s.now())
	return c
}

// requestClose asks the loop, from any goroutine, to close the connection
// once its queued output has been written (gnet's own Close would drop it).
func (c *conn) requestClose() {
	c.closeReq.Store(true)
	c.wake()
}

// wake asks the loop to run flush; wakes are coalesced until the loop runs.
func (c *conn) wake() {
	if c.wakePending.CompareAndSwap(false, true) {
		_ = c.gc.Wake(nil)
	}
}

// onTraffic handles new input and any output handlers produced since the
// last call (a Wake arrives here with no input).
func (c *conn) onTraffic() gnet.Action {
	c.wakePending.Store(false)
	data, _ := c.gc.Next(-1)
	if c.closeReq.Load() {
		if c.idleSince.Load() != 0 && (len(data) > 0 || c.unread()) {
			// An idle close that crossed a new request: housekeep saw the
			// connection idle because the loop had not read yet (a handler
			// held it, or the request arrived with the tick). Closing now
			// would fail a request the client cannot know is safe to retry
			// (RFC 9112 §9.3.1), with a reset if it sat unread in the
			// socket (the wake can come before the read event); it is
			// served instead, and while draining its response says
			// Connection: close. A partial request is not idle (trackIdle
			// sets idleSince only after a pass that left no exchange, held
			// input or body being received, which only passes change), so
			// ReadTimeout still closes a slow sender.
			c.closeReq.Store(false)
		} else {
			c.closing = true
		}
	}
	// After a request that asked to close, only its own body may follow.
	if len(data) > 0 && (!c.lastReq || c.recv != nil) && !c.closing {
		c.input(data)
	}
	for {
		if act := c.flush(); act != gnet.None {
			return act
		}
		// Responses drained a parked pipeline: parse what waits.
		if len(c.inbuf) == 0 || c.closing || c.lastReq || len(c.queue) >= c.srv.cfg.MaxPipeline || c.recv != nil {
			break
		}
		before := len(c.inbuf)
		c.input(nil)
		if len(c.inbuf) == before {
			break
		}
	}
	c.trackIdle()
	return gnet.None
}

// unread reports whether input waits in the socket that gnet has not read
// yet (SIOCINQ).
func (c *conn) unread() bool {
	n, err := unix.IoctlGetInt(c.gc.Fd(), unix.SIOCINQ)
	return err == nil && n > 0
}

// input parses data appended to any held input and keeps the unconsumed rest.
func (c *conn) input(data []byte) {
	buf := data
	if len(c.inbuf) > 0 {
		c.inbuf = append(c.inbuf, data...)
		buf = c.inbuf
	}
	n := 0
	if c.proxyPending {
		n = c.proxyHeader(buf)
	}
	if !c.proxyPending {
		if n < len(buf) && !c.gotInput.Load() {
			c.gotInput.Store(true) // the first request has begun; a PROXY header alone is not one
		}
		n += c.consume(buf[n:])
	}
	rest := buf[n:]
	if len(c.inbuf) > 0 {
		c.inbuf = c.inbuf[:copy(c.inbuf, rest)]
	} else {
		c.inbuf = append(c.inbuf[:0], rest...)
	}
	if len(c.inbuf) > maxParkedInput(c.srv.cfg) {
		// gnet cannot stop reading; a client that pipelines this far ahead
		// of the responses is closed rather than buffered without bound.
		c.inbuf = c.inbuf[:0]
		c.fail(errPipelineOverflow)
	}
	if len(c.inbuf) > 0 || c.recv != nil {
		c.lastRead.Store(c.srv.now())
	} else {
		c.lastRead.Store(0)
	}
}

func maxParkedInput(cfg *Config) int { return 4<<20 + cfg.BodyMemory }

var errPipelineOverflow = &http1.Error{Status: 400, Reason: "pipelined input overflow"}
var errTooLarge = &http1.Error{Status: 413, Reason: "request body too large"}

// consume parses requests and bodies from buf and returns the bytes used.
func (c *conn) consume(buf []byte) int {
	off := 0
	for off < len(buf) && !c.closing {
		if c.recv != nil {
			n, done, err := c.receiveBody(buf[off:])
			off += n
			if err != nil {
				c.fail(err)
				return len(buf)
			}
			if !done {
				break
			}
			ex := c.recv
			c.recv = nil
			c.dispatch(ex)
			continue
		}
		if c.lastReq || len(c.queue) >= c.srv.cfg.MaxPipeline {
			break
		}
		n, err := c.parser.Parse(buf[off:], &c.req)
		if err == http1.ErrNeedMore {
			break
		}
		c.parser.Reset()
		if err != nil {
			c.fail(err)
			return len(buf)
		}
		off += n
		scheme, err := c.forwardedScheme()
		if err != nil {
			c.fail(err)
			return len(buf)
		}
		ex := c.newExchange()
		ex.Scheme = scheme
		if !c.req.KeepAlive {
			c.lastReq = true
		}
		if c.hasBody(&ex.Req) {
			if max := c.srv.cfg.MaxBody; max > 0 && ex.Req.ContentLength > max {
				c.fail(errTooLarge)
				return len(buf)
			}
			c.recv = ex
			c.bodyLeft = ex.Req.ContentLength
			c.chunks.Reset()
			if ex.Req.ContentLength > 0 && ex.Req.ContentLength <= int64(c.srv.cfg.BodyMemory) && cap(ex.Body.Mem) < int(ex.Req.ContentLength) {
				ex.Body.Mem = make([]byte, 0, ex.Req.ContentLength)
			}
			// RFC 9110 §10.1.1: answer 100 only if the body is not already here.
			ex.need100 = ex.Req.ExpectContinue && off == len(buf)
			continue
		}
		c.dispatch(ex)
	}
	return off
}

func (c *conn) hasBody(r *http1.Request) bool { return r.Chunked || r.ContentLength > 0 }

// receiveBody feeds body bytes to c.recv and reports whether it is complete.
func (c *conn) receiveBody(buf []byte) (n int, done bool, err error) {
	ex := c.recv
	cfg := c.srv.cfg
	ex.need100 = false // the client is sending; RFC 9110 §10.1.1 lets us skip 100
	if !ex.Req.Chunked {
		take := len(buf)
		if int64(take) > c.bodyLeft {
			take = int(c.bodyLeft)
		}
		if err := ex.Body.append(buf[:take], cfg.BodyMemory, cfg.TmpDir); err != nil {
			return take, false, err
		}
		c.bodyLeft -= int64(take)
		return take, c.bodyLeft == 0, nil
	}
	c.decoded, n, done, err = c.chunks.Decode(c.decoded[:0], buf)
	if err != nil {
		return n, false, err
	}
	if cfg.MaxBody > 0 && ex.Body.Len+int64(len(c.decoded)) > cfg.MaxBody {
		return n, false, errTooLarge
	}
	if len(c.decoded) > 0 {
		if err := ex.Body.append(c.decoded, cfg.BodyMemory, cfg.TmpDir); err != nil {
			return n, false, err
		}
	}
	if cap(c.decoded) > 1<<20 {
		c.decoded = nil
	}
	return n, done, nil
}

// newExchange copies the parsed request into a pooled Exchange at the tail
// of the queue; the loop holds one reference until the response is written.
func (c *conn) newExchange() *Exchange {
	ex := exchangePool.Get().(*Exchange)
	c.req.CopyTo(&ex.Req)
	ex.c = c
	ex.Remote, ex.Local = &c.remote, &c.local
	ex.refs.Store(1)
	c.queue = append(c.queue, ex)
	return ex
}

// dispatch hands a complete request to the handler, which takes the second reference.
func (c *conn) dispatch(ex *Exchange) {
	c.mu.Lock()
	ex.state = exDispatched
	c.mu.Unlock()
	ex.refs.Add(1)
	ex.Queued = c.srv.clock()
	ex.inline.Store(true)
	c.srv.handler.ServeExchange(ex)
	ex.inline.Store(false)
}

// fail answers a request that cannot be served with a canned error after
// the responses already queued, and closes the connection (RFC 9112 §11.2).
func (c *conn) fail(err error) {
	status, reason := 500, "internal error"
	var he *http1.Error
	if errors.As(err, &he) {
		status, reason = he.Status, he.Reason
	} else {
		c.srv.cfg.ErrorLog("eventloop: %v", err)
	}
	ex := c.recv
	c.recv = nil
	if ex == nil {
		c.req.Reset()
		ex = c.newExchange()
	}
	c.mu.Lock()
	ex.out = http1.AppendError(ex.out[:0], status, reason)
	ex.headSent, ex.keepAlive, ex.state, ex.need100 = true, false, exDone, false
	c.mu.Unlock()
	c.lastReq = true
	c.srv.rejected.Add(1)
}

// finishLocked marks ex done (c.mu held; it unlocks) and wakes the loop.
func (c *conn) finishLocked(ex *Exchange) {
	ex.state = exDone
	inline := ex.inline.Load()
	c.mu.Unlock()
	ex.unref()
	if !inline {
		c.wake()
	}
}

// onClose fails every writer still attached and releases what the loop owns.
func (c *conn) onClose() {
	c.mu.Lock()
	c.dead = true
	c.drained.Broadcast()
	c.mu.Unlock()
	for _, ex := range c.queue {
		ex.unref()
	}
	c.queue = nil
	c.recv = nil
	c.srv.forget(c)
}

func (c *conn) trackIdle() {
	if len(c.queue) == 0 && len(c.inbuf) == 0 && c.recv == nil {
		// Refreshed on every pass, not only on a busy->idle edge: a
		// connection whose requests all finish inline is never seen busy.
		c.idleSince.Store(c.srv.now())
		// One that has sent nothing yet is left to housekeep's
		// firstRequestGrace: its request may be in flight.
		// flush closes it once its output has left: a large last response
		// to a slow reader must not be cut short by the drain.
		if c.srv.draining.Load() && c.gotInput.Load() && !c.closing {
			c.closing = true
			c.wake()
		}
	} else {
		c.idleSince.Store(0)
	}
}
