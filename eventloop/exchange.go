package eventloop

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/narwhalhq/narwhal/eventloop/http1"
)

// ErrClosed is returned by Exchange writes once the connection is gone.
var ErrClosed = errors.New("eventloop: connection closed")

// errNoHead is returned by Write before WriteHead.
var errNoHead = errors.New("eventloop: Write before WriteHead")

// Exchange states, guarded by conn.mu.
const (
	exReceiving  uint8 = iota // body still arriving; not yet dispatched
	exDispatched              // handler owns the response side
	exDone                    // Finish or Abort called; output may remain
)

var exchangePool = sync.Pool{New: func() any { return &Exchange{} }}

// Exchange is one request and its response. The request fields are read-only
// for the handler and valid until Finish or Abort.
type Exchange struct {
	Req  http1.Request
	Body Body
	// Remote and Local describe the connection; shared by all its requests.
	Remote, Local *Endpoint
	// Queued is when the complete request was handed to the Handler; worker
	// classes subtract it from their start time to measure queueing.
	Queued time.Time
	// Scheme is "https" or "http" when a trusted front end said which with
	// one of Config.Proxy.SchemeHeaders, nil otherwise (gunicorn
	// secure_scheme_headers). Shared bytes: read-only.
	Scheme []byte

	c      *conn
	inline atomic.Bool // true while ServeExchange runs on the loop: writes never block there

	// Guarded by c.mu.
	state     uint8
	headSent  bool
	aborted   bool
	keepAlive bool
	need100   bool
	framing   http1.Framing
	remaining int64        // FramingLength: body bytes still allowed
	expired   bool         // Expire answered for the handler
	respHead  []byte       // the handler's headers, kept with Config.KeepResponseHeaders
	respLen   int64        // the handler's Content-Length, -1 if none
	code      int          // the response status, for metrics and logs
	sent      int64        // body bytes accepted from the handler
	out       []byte       // encoded output not yet taken by the loop
	spare     []byte       // the buffer the loop hands back after writing
	refs      atomic.Int32 // loop + handler; released to the pool at zero
}

// WriteHead encodes the status line and headers. status is the full status
// text ("200 OK"); headers are "Name: value\r\n" lines without framing or
// hop-by-hop fields; contentLength is -1 when unknown; mustClose forces
// Connection: close. It matches wsgi.Sink so an Exchange serves as one.
func (ex *Exchange) WriteHead(code int, status []byte, headers []byte, contentLength int64, mustClose bool) error {
	c := ex.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead || ex.expired {
		return ErrClosed
	}
	reason := status
	if len(reason) > 4 && reason[3] == ' ' {
		reason = reason[4:]
	}
	ri := http1.ResponseInfo{
		Minor:         responseMinor(&ex.Req),
		Status:        code,
		Reason:        reason,
		Head:          ex.Req.MethodIs("HEAD"),
		KeepAlive:     ex.Req.KeepAlive && !mustClose && c.srv.keepAlive(),
		ContentLength: contentLength,
		Headers:       headers,
		Server:        c.srv.serverHeader,
	}
	ex.out, ex.framing, ex.keepAlive = http1.AppendHead(ex.out, &ri)
	ex.remaining = contentLength
	ex.headSent = true
	ex.code = code
	ex.respLen = contentLength
	if c.srv.cfg.KeepResponseHeaders {
		ex.respHead = append(ex.respHead[:0], headers...)
	}
	return nil
}

// ResponseHeaders are the handler's header lines and Content-Length (-1 if
// none), kept only with Config.KeepResponseHeaders (the access log's
// {name}o atoms); valid until Finish or Abort.
func (ex *Exchange) ResponseHeaders() (block []byte, contentLength int64) {
	ex.c.mu.Lock()
	defer ex.c.mu.Unlock()
	return ex.respHead, ex.respLen
}

// Expire gives up on a handler that is taking too long (request_timeout):
// the client gets 504 Gateway Timeout now, or, when the head already went
// out, the connection closes after what was sent. The handler's later
// writes fail with ErrClosed and its Finish or Abort only releases the
// Exchange. It reports false when the response was already complete.
func (ex *Exchange) Expire() bool {
	c := ex.c
	c.mu.Lock()
	if ex.state == exDone || ex.expired || c.dead {
		c.mu.Unlock()
		return false
	}
	ex.expired = true
	if ex.headSent {
		ex.aborted = true
	} else {
		ex.out = http1.AppendError(ex.out, 504, "")
		ex.keepAlive = false
		ex.code = 504
	}
	ex.state = exDone
	c.mu.Unlock()
	c.wake()
	return true
}

// Result is the response's status code (0 before WriteHead) and the body
// bytes the handler wrote, as access logs and metrics count them.
func (ex *Exchange) Result() (code int, sent int64) {
	ex.c.mu.Lock()
	defer ex.c.mu.Unlock()
	return ex.code, ex.sent
}

// Write appends body bytes, framed as WriteHead decided. Off the loop it
// blocks while the Exchange holds more than Config.HighWater unsent bytes, so
// a large body streams through bounded memory.
func (ex *Exchange) Write(p []byte) error { return ex.write(p, false) }

// WriteFinal is Write for the response's last body bytes (wsgi.FinalWriter):
// a handler on the loop does not wait for them to leave, the loop sends
// them as the socket takes them, as it does every other handler's output.
func (ex *Exchange) WriteFinal(p []byte) error { return ex.write(p, true) }

func (ex *Exchange) write(p []byte, final bool) error {
	c := ex.c
	c.mu.Lock()
	if c.dead || ex.expired {
		c.mu.Unlock()
		return ErrClosed
	}
	if !ex.headSent {
		c.mu.Unlock()
		return errNoHead
	}
	switch ex.framing {
	case http1.FramingLength:
		// gunicorn: bytes beyond the declared Content-Length are not sent.
		if int64(len(p)) > ex.remaining {
			p = p[:ex.remaining]
		}
		ex.remaining -= int64(len(p))
		ex.out = append(ex.out, c.sendFinal(ex, p, final)...)
	case http1.FramingChunked:
		ex.out = http1.AppendChunk(ex.out, p)
	case http1.FramingClose:
		ex.out = append(ex.out, c.sendFinal(ex, p, final)...)
	case http1.FramingNone:
		// HEAD, 1xx, 204, 304: the body is discarded (RFC 9110 §6.4.1).
		p = nil
	}
	ex.sent += int64(len(p))
	hw := c.srv.cfg.HighWater
	if ex.inline.Load() {
		// On the loop goroutine (or handed off, before ServeExchange
		// returned): the loop flushes once the handler returns, so no
		// wake; a blocking handler streams through the socket itself
		// (writeThrough).
		over := len(ex.out) > hw && !final && c.srv.cfg.HandlerBlocks
		c.mu.Unlock()
		if over {
			return c.writeThrough(ex)
		}
		return nil
	}
	for len(ex.out) > hw && !c.dead {
		c.wake()
		c.drained.Wait()
	}
	dead := c.dead
	c.mu.Unlock()
	c.wake()
	if dead {
		return ErrClosed
	}
	return nil
}

// Finish completes the response. A response shorter than its Content-Length
// cannot be repaired, so the connection is closed after it.
func (ex *Exchange) Finish() {
	c := ex.c
	c.mu.Lock()
	if ex.expired {
		c.mu.Unlock()
		ex.unref()
		return
	}
	if ex.headSent {
		switch {
		case ex.framing == http1.FramingChunked:
			ex.out = http1.AppendLastChunk(ex.out)
		case ex.framing == http1.FramingLength && ex.remaining > 0:
			ex.aborted = true
		case ex.framing == http1.FramingClose:
			ex.keepAlive = false
		}
	} else {
		// A handler that finishes without a head is a bug; the client
		// still deserves an answer.
		ex.out = http1.AppendError(ex.out, 500, "no response")
		ex.keepAlive = false
	}
	c.finishLocked(ex)
}

// Abort ends the exchange and closes the connection after whatever output is
// already queued: the response cannot be completed (an exception after the
// headers were sent, as gunicorn does).
func (ex *Exchange) Abort() {
	c := ex.c
	c.mu.Lock()
	if ex.expired {
		c.mu.Unlock()
		ex.unref()
		return
	}
	ex.aborted = true
	c.finishLocked(ex)
}

// SendFile streams n bytes of fd from offset off (n < 0: to end of file)
// through the bounded writer; the file is never loaded whole.
func (ex *Exchange) SendFile(fd int, off, n int64) error {
	buf := sendfileBufs.Get().(*[]byte)
	defer sendfileBufs.Put(buf)
	for n != 0 {
		want := len(*buf)
		if n > 0 && int64(want) > n {
			want = int(n)
		}
		m, err := pread(fd, (*buf)[:want], off)
		if m > 0 {
			if werr := ex.Write((*buf)[:m]); werr != nil {
				return werr
			}
			off += int64(m)
			if n > 0 {
				n -= int64(m)
			}
		}
		if err != nil {
			return err
		}
		if m == 0 {
			return nil // EOF
		}
	}
	return nil
}

var sendfileBufs = sync.Pool{New: func() any { b := make([]byte, 128<<10); return &b }}

func (ex *Exchange) reset() {
	ex.Req.Reset()
	ex.Body.reset()
	ex.Remote, ex.Local, ex.c, ex.Scheme = nil, nil, nil, nil
	ex.state, ex.headSent, ex.aborted, ex.keepAlive, ex.need100 = exReceiving, false, false, false, false
	ex.remaining, ex.code, ex.sent, ex.expired, ex.respLen = 0, 0, 0, false, -1
	ex.respHead = ex.respHead[:0]
	ex.refs.Store(0)
	ex.out = ex.out[:0]
	ex.spare = ex.spare[:0]
	if cap(ex.out) > 1<<20 {
		ex.out = nil
	}
	if cap(ex.spare) > 1<<20 {
		ex.spare = nil
	}
}

// unref drops one owner's reference; the last one returns ex to the pool.
func (ex *Exchange) unref() {
	if ex.refs.Add(-1) == 0 {
		ex.reset()
		exchangePool.Put(ex)
	}
}

// responseMinor is the HTTP/1.x minor version to answer with: 1 for a
// request of 1.1 or later (permit_unconventional_http_version lets 1.2 to
// 9.9 through, to be answered as 1.1, RFC 9110 §2.5), else 0.
func responseMinor(r *http1.Request) uint8 {
	if r.ProtoAtLeast(1, 1) {
		return 1
	}
	return 0
}
