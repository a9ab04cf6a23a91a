package workers

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/narwhalhq/narwhal/eventloop"
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
}

// NewPool starts n app threads. queue must exceed the requests the event
// loop can have dispatched at once (connections × pipeline depth) so
// ServeExchange never blocks the loop.
func NewPool(app *wsgi.App, n, queue int, scheme string) (*Pool, error) {
	p := &Pool{app: app, scheme: []byte(scheme), jobs: make(chan *eventloop.Exchange, queue)}
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		p.wg.Add(1)
		go p.thread(errs)
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

func (p *Pool) thread(started chan<- error) {
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
		// Any error (wsgi.ErrAbort, a closed connection) leaves the
		// response incomplete: the connection closes after what was sent.
		if err := t.Call(&req, ex); err != nil {
			ex.Abort()
		} else {
			ex.Finish()
		}
	}
}
