package workers

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

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

	slot    *metrics.Slot // the worker's scoreboard; nil outside a worker process
	last    int64         // PoolOptions.Last
	onLast  func()
	started atomic.Int64
}

// PoolOptions connect a pool to its worker process.
type PoolOptions struct {
	// Slot receives each app thread's busy-since time and the request
	// count, which the master reads for timeouts.
	Slot *metrics.Slot
	// Last, when positive, is the number of requests the pool runs before
	// OnLast is called (max_requests): OnLast runs before the Last-th
	// request starts, so its response can already close the connection.
	Last   int64
	OnLast func()
}

// NewPool starts n app threads. queue must exceed the requests the event
// loop can have dispatched at once (connections × pipeline depth) so
// ServeExchange never blocks the loop.
func NewPool(app *wsgi.App, n, queue int, scheme string, opt PoolOptions) (*Pool, error) {
	p := &Pool{app: app, scheme: []byte(scheme), jobs: make(chan *eventloop.Exchange, queue),
		slot: opt.Slot, last: opt.Last, onLast: opt.OnLast}
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

// ServeExchange queues ex for the next free app thread.
func (p *Pool) ServeExchange(ex *eventloop.Exchange) {
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
	p.once.Do(func() { close(p.jobs) })
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
	var req wsgi.Request
	for ex := range p.jobs {
		fillRequest(&req, ex, p.scheme)
		if n := p.started.Add(1); n == p.last && p.onLast != nil {
			p.onLast()
		}
		if p.slot != nil {
			p.slot.Busy(i)
		}
		// Any error (wsgi.ErrAbort, a closed connection) leaves the
		// response incomplete: the connection closes after what was sent.
		if err := t.Call(&req, ex); err != nil {
			ex.Abort()
		} else {
			ex.Finish()
		}
		if p.slot != nil {
			p.slot.Idle(i)
			p.slot.AddRequest()
		}
	}
}
