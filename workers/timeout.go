package workers

import (
	"time"
)

// Watch enforces request_timeout on the pool's app threads: a request
// running longer than timeout gets 504 Gateway Timeout at once (or its
// connection closed, if its head already went out), its Python stack is
// logged, and RequestTimeout is raised inside it so the thread unwinds
// when it next runs Python. A thread still not back after grace more is
// stuck in C code: onStuck recycles the worker. gunicorn has no such
// setting (its timeout kills a whole sync worker, gunicorn #2086).
func (p *Pool) Watch(timeout, grace time.Duration, log *Logger, onStuck func()) {
	every := min(max(timeout/4, 10*time.Millisecond), 250*time.Millisecond)
	p.watchWG.Add(1)
	go func() {
		defer p.watchWG.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		stuck := false
		for {
			select {
			case <-p.quit:
				return
			case now := <-t.C:
				for i := range p.lanes {
					if p.expire(i, now, timeout, log) && !stuck {
						continue
					}
					l := &p.lanes[i]
					l.mu.Lock()
					late := l.ex != nil && l.expired && now.Sub(l.began) > timeout+grace
					l.mu.Unlock()
					if late && !stuck {
						stuck = true
						log.Errorf("App thread %d did not return within graceful_timeout after its request timed out: restarting the worker", i)
						onStuck()
					}
				}
			}
		}
	}()
}

// expire times out lane i's request if it is due, and reports whether it did.
func (p *Pool) expire(i int, now time.Time, timeout time.Duration, log *Logger) bool {
	l := &p.lanes[i]
	l.mu.Lock()
	if l.ex == nil || l.expired || now.Sub(l.began) <= timeout {
		l.mu.Unlock()
		return false
	}
	l.expired = true
	ex, t, ran := l.ex, l.t, now.Sub(l.began)

	what := string(ex.Req.Bytes(ex.Req.Method)) + " " + string(ex.Req.Bytes(ex.Req.Target))
	defer l.mu.Unlock()
	// Under l.mu the thread cannot finish this request's bookkeeping or
	// start another, so ex is not recycled and the stack and the interrupt
	// are this request's. Stack and Interrupt wait for the GIL, which the
	// thread releases while it runs Python or waits in Go.
	if !ex.Expire() {
		return false
	}
	log.Errorf("Request timeout after %.3gs: %s (app thread %d); Python stack:\n%s",
		ran.Seconds(), what, i, t.Stack())
	if err := t.Interrupt("RequestTimeout"); err != nil {
		log.Debugf("request timeout: %v", err)
	}
	return true
}
