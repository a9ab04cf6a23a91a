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
	tag, enrolled := gc.Context().(semTag)
	c.fromSem = enrolled && bool(tag)
	gc.SetContext(c)
	e.s.track(c)
	// gnet's own listeners (ServeReusePort) accept until the engine stops:
	// refuse those while draining. A connection we accepted from an
	// inherited listener, even during Shutdown's backlog drain, is served
	// (gunicorn #3397).
	if e.s.draining.Load() && !enrolled {
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

// semTag is the gnet enroll context of a connection accepted from an
// inherited listener; true when it holds a Server.connSem slot.
type semTag bool
