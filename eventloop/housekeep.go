package eventloop

import "time"

// firstRequestGrace is how long, while draining, a connection that has sent
// nothing yet is kept (counted from Shutdown or from its accept, whichever
// is later) before it is closed as idle. Its first request may be in flight,
// notably on connections Shutdown accepts from the backlog, and closing it
// fails a request the client cannot know is safe to retry (gunicorn #3397,
// #2593). Short, because the worker is exiting; Config.ReadTimeout caps it.
const firstRequestGrace = time.Second

// housekeep refreshes the coarse clock and closes connections that outstay
// gunicorn's limits: idle keep-alive connections after Config.Keepalive, and
// partial requests that send nothing for Config.ReadTimeout. While draining,
// idle connections are closed at once, except those still waiting for a
// first request, which get firstRequestGrace.
func (s *Server) housekeep() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	var batch []*conn
	for {
		select {
		case <-s.stopped:
			return
		case now := <-t.C:
			ns := now.UnixNano()
			s.coarse.Store(ns)
			keep, read := int64(s.cfg.Keepalive), int64(s.cfg.ReadTimeout)
			if keep < 0 {
				keep = 0
			}
			grace := min(int64(firstRequestGrace), read)
			draining := s.draining.Load()
			drainAt := s.drainAt.Load()
			batch = batch[:0]
			s.mu.Lock()
			for c := range s.conns {
				idle, lr := c.idleSince.Load(), c.lastRead.Load()
				switch {
				case idle != 0 && draining && !c.gotInput.Load():
					if ns-max(idle, drainAt) > grace {
						batch = append(batch, c)
					}
				case idle != 0 && (draining || ns-idle > keep):
					batch = append(batch, c)
				case idle == 0 && lr != 0 && ns-lr > read:
					batch = append(batch, c)
				}
			}
			s.mu.Unlock()
			for _, c := range batch {
				c.requestClose()
			}
		}
	}
}
