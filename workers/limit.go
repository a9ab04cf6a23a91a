package workers

import (
	"math/rand/v2"
	"sync/atomic"

	"github.com/narwhalhq/narwhal/metrics"
)

// requestLimit is max_requests: onLast runs before the last-th request
// starts, so its response can already close the connection.
type requestLimit struct {
	last    int64
	onLast  func()
	started atomic.Int64
}

func (l *requestLimit) start() {
	if l == nil {
		return
	}
	if n := l.started.Add(1); n == l.last && l.onLast != nil {
		l.onLast()
	}
}

// requestLimit is max_requests with gunicorn's jitter, or nil.
func (w *worker) requestLimit(drain func()) *requestLimit {
	n := w.cfg.Int("max_requests")
	if n <= 0 {
		return nil
	}
	return &requestLimit{
		// gunicorn: max_requests + randint(0, max_requests_jitter), so
		// workers started together do not all restart together.
		last: int64(n + rand.IntN(w.cfg.Int("max_requests_jitter")+1)),
		onLast: func() {
			w.log.Infof("Autorestarting worker after current request.")
			w.slot.SetReason(metrics.ReasonMaxRequests)
			drain()
			w.stop(stopGraceful)
		},
	}
}
