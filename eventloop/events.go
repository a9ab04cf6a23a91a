package eventloop

import (
	"time"

	"github.com/panjf2000/gnet/v2"
)

// events adapts gnet's callbacks to conn.
type events struct {
	gnet.BuiltinEventEngine
	s *Server
}

func (e *events) OnBoot(eng gnet.Engine) gnet.Action {
	e.s.engine.Store(&eng)
	return gnet.None
}

func (e *events) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	c := newConn(e.s, gc)
	if tag, ok := gc.Context().(semTag); ok && bool(tag) {
		c.fromSem = true
	}
	gc.SetContext(c)
	e.s.track(c)
	if e.s.draining.Load() {
		return nil, gnet.Close
	}
	return nil, gnet.None
}

func (e *events) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.Close
	}
	return c.onTraffic()
}

func (e *events) OnClose(gc gnet.Conn, _ error) gnet.Action {
	if c, ok := gc.Context().(*conn); ok {
		c.onClose()
	}
	return gnet.None
}

func (e *events) OnTick() (time.Duration, gnet.Action) { return time.Hour, gnet.None }

// semTag marks, through gnet's enroll context, a connection that holds a
// Server.connSem slot.
type semTag bool
