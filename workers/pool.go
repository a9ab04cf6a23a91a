package workers

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/narwhalhq/narwhal/eventloop"
	"github.com/narwhalhq/narwhal/metrics"
	"github.com/narwhalhq/narwhal/wsgi"
)

// Pool runs requests on a fixed set of app threads: goroutines locked to
// their OS threads, each with one persistent Python thread state. It is the
// eventloop.Handler of the sync (one thread) and threads worker classes.
// Requests wait in one FIFO, so a single thread serves them in arrival order.
type Pool struct {
	app    *wsgi.App
	scheme []byte
	jobs   chan *eventloop.Exchange
	wg     sync.WaitGroup
	once   sync.Once

	slot   *metrics.Slot // the worker's scoreboard; nil outside a worker process
	limit  *requestLimit
	access *accessLog
	lanes  []lane // per app thread, for request_timeout

	quit    chan struct{} // closed by Close: the watchdog leaves
	watchWG sync.WaitGroup

	// inline: the one app thread is the event loop's own (NewInlinePool).
	inline  bool
	errorf  func(format string, args ...any)
	it      *wsgi.Thread // created on the first request, on the loop's OS thread
	itErr   error
	ireq    wsgi.Request
	iaccess accessScratch
}

// lane is what the request_timeout watchdog knows of one app thread.
type lane struct {
	mu      sync.Mutex
	t       *wsgi.Thread
	ex      *eventloop.Exchange // the request it runs, nil between requests
	began   time.Time
	expired bool // the watchdog answered 504 and interrupted it
}

// PoolOptions connect a pool to its worker process.
type PoolOptions struct {
	// Slot receives each app thread's busy-since time and the request
	// count, which the master reads for timeouts.
	Slot *metrics.Slot
	// Limit is max_requests (nil: none).
	Limit *requestLimit
	// Access is the access log (nil: none).
	Access *accessLog
	// Errorf logs what fails once the pool runs (nil: nothing).
	Errorf func(format string, args ...any)
}

// NewPool starts n app threads. queue must exceed the requests the event
// loop can have dispatched at once (connections × pipeline depth) so
// ServeExchange never blocks the loop.
func NewPool(app *wsgi.App, n, queue int, scheme string, opt PoolOptions) (*Pool, error) {
	p := &Pool{app: app, scheme: []byte(scheme), jobs: make(chan *eventloop.Exchange, queue),
		slot: opt.Slot, limit: opt.Limit, access: opt.Access, lanes: make([]lane, n), quit: make(chan struct{})}
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		p.wg.Add(1)
		go p.thread(i, errs)
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			p.Close()
			return nil, fmt.Errorf("app thread: %w", err)
		}
	}
	return p, nil
}

// NewInlinePool is the sync worker class's pool: its one app thread is the
// event loop goroutine itself, which runs each request as it dispatches it
// (eventloop.Handler), so a request costs no handoff between OS threads: on
// two shared cores the handoffs, and the Go scheduler's churn around a long
// cgo call on another thread, cost more than a small app's Python. The
// server must have a single loop. request_timeout needs NewPool: a 504 must
// leave while the app still runs.
func NewInlinePool(app *wsgi.App, scheme string, opt PoolOptions) *Pool {
	return &Pool{app: app, scheme: []byte(scheme), jobs: make(chan *eventloop.Exchange),
		slot: opt.Slot, limit: opt.Limit, access: opt.Access, lanes: make([]lane, 1), quit: make(chan struct{}), inline: true, errorf: opt.Errorf}
}

// ServeExchange queues ex for the next free app thread.
func (p *Pool) ServeExchange(ex *eventloop.Exchange) {
	if p.inline {
		p.serveInline(ex)
		return
	}
	select {
	case p.jobs <- ex:
	default:
		// Only reachable past the documented bound (reuse-port mode has no
		// connection limit): never block the event loop.
		go func() { p.jobs <- ex }()
	}
}

// Close stops the app threads once the queued requests are served.
func (p *Pool) Close() {
	p.once.Do(func() {
		close(p.quit)
		p.watchWG.Wait() // no Interrupt or Stack may race Thread.Close
		close(p.jobs)
	})
	p.wg.Wait()
}

func (p *Pool) thread(i int, started chan<- error) {
	defer p.wg.Done()
	// Python thread states belong to OS threads: this goroutine never moves.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t, err := p.app.NewThread()
	started <- err
	if err != nil {
		return
	}
	defer t.Close()
	l := &p.lanes[i]
	l.mu.Lock()
	l.t = t
	l.mu.Unlock()
	var req wsgi.Request
	var scratch accessScratch
	for ex := range p.jobs {
		p.serve(i, t, &req, &scratch, ex)
	}
}

// serveInline runs ex on the calling goroutine: the event loop's.
func (p *Pool) serveInline(ex *eventloop.Exchange) {
	if p.it == nil && p.itErr == nil {
		// A Python thread state belongs to its OS thread: the loop stays
		// on this one for good. The lock is never undone, so when the loop
		// returns its thread exits with the thread state, which is not
		// freed: the process is ending.
		runtime.LockOSThread()
		t, err := p.app.NewThread()
		if err != nil {
			p.itErr = fmt.Errorf("app thread: %w", err)
			if p.errorf != nil {
				p.errorf("%v", p.itErr)
			}
		} else {
			p.it = t
			l := &p.lanes[0]
			l.mu.Lock()
			l.t = t
			l.mu.Unlock()
		}
	}
	if p.it == nil {
		ex.Finish() // no head: the client gets a 500
		return
	}
	p.serve(0, p.it, &p.ireq, &p.iaccess, ex)
}

// serve runs ex on app thread i (t, on its own OS thread) and completes it.
func (p *Pool) serve(i int, t *wsgi.Thread, req *wsgi.Request, scratch *accessScratch, ex *eventloop.Exchange) {
	l := &p.lanes[i]
	fillRequest(req, ex, p.scheme)
	p.limit.start()
	began := p.begin(i)
	l.mu.Lock()
	l.ex, l.began = ex, began
	l.mu.Unlock()
	// Any error (wsgi.ErrAbort, a closed connection) leaves the
	// response incomplete: the connection closes after what was sent.
	err := t.Call(req, ex)
	// The watchdog must not touch ex once Finish may recycle it.
	l.mu.Lock()
	l.ex, l.expired = nil, false
	l.mu.Unlock()
	p.end(i, ex, began)
	if p.access != nil {
		p.access.log(scratch, ex, began)
	}
	if err != nil {
		ex.Abort()
	} else {
		ex.Finish()
	}
}

// begin marks app thread i busy with a request.
func (p *Pool) begin(i int) time.Time {
	if p.slot != nil {
		p.slot.Busy(i)
		p.slot.Begin()
	}
	return time.Now()
}

// end records the finished request in the worker's slot.
func (p *Pool) end(i int, ex *eventloop.Exchange, began time.Time) {
	if p.slot == nil {
		return
	}
	observe(p.slot, ex, began)
	p.slot.Idle(i)
}

// observe records a finished request's metrics in slot.
func observe(slot *metrics.Slot, ex *eventloop.Exchange, began time.Time) {
	code, sent := ex.Result()
	slot.Observe(&metrics.Observation{
		Method:   metrics.MethodIndex(ex.Req.Bytes(ex.Req.Method)),
		Code:     code,
		Duration: time.Since(began),
		Queue:    began.Sub(ex.Queued),
		ReqSize:  ex.Body.Len,
		RespSize: sent,
	})
	slot.End()
	slot.AddRequest()
}
