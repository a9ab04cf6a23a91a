package workers

import (
	"time"

	"github.com/narwhalhq/narwhal/eventloop"
	"github.com/narwhalhq/narwhal/metrics"
	"github.com/narwhalhq/narwhal/wsgi"
)

// hubHandler is the eventloop.Handler of the gevent-like worker class:
// every request goes to the wsgi.Hub, which runs it in a greenlet on the
// one Python thread, so a thousand requests waiting on I/O need no thread
// each.
type hubHandler struct {
	hub    *wsgi.Hub
	scheme []byte
	slot   *metrics.Slot
	limit  *requestLimit
	access *accessLog
	// scratch is used by Done, which one goroutine (the Hub's delivering
	// goroutine) calls for every request that ran.
	scratch accessScratch
}

func (h *hubHandler) ServeExchange(ex *eventloop.Exchange) {
	h.hub.Submit(&hubTask{Exchange: ex, h: h})
}

// hubTask adapts an Exchange to wsgi.HubTask; the Exchange is the Sink.
type hubTask struct {
	*eventloop.Exchange
	h     *hubHandler
	began time.Time
}

func (t *hubTask) Fill(r *wsgi.Request) {
	t.h.limit.start()
	if t.h.slot != nil {
		t.h.slot.Begin()
	}
	t.began = time.Now()
	fillRequest(r, t.Exchange, t.h.scheme)
}

func (t *hubTask) Done(err error) {
	// Any error (wsgi.ErrAbort, a closed connection, a stopped hub) leaves
	// the response incomplete: the connection closes after what was sent.
	if !t.began.IsZero() { // zero: stopped before it ran
		if t.h.slot != nil {
			observe(t.h.slot, t.Exchange, t.began)
		}
		if t.h.access != nil {
			t.h.access.log(&t.h.scratch, t.Exchange, t.began)
		}
	}
	if err != nil {
		t.Abort()
	} else {
		t.Finish()
	}
}
