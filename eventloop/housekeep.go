package eventloop

import "time"

// housekeep refreshes the coarse clock and closes connections that outstay
// gunicorn's limits: idle keep-alive connections after Config.Keepalive, and
// partial requests that send nothing for Config.ReadTimeout.
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
			draining := s.draining.Load()
			batch = batch[:0]
			s.mu.Lock()
			for c := range s.conns {
				idle, lr := c.idleSince.Load(), c.lastRead.Load()
				switch {
				case idle != 0 && (draining || ns-idle > keep):
					batch = append(batch, c)
				case idle == 0 && lr != 0 && ns-lr > read:
					batch = append(batch, c)
				}
			}
			s.mu.Unlock()
			for _, c := range batch {
				_ = c.gc.Close()
			}
		}
	}
}
