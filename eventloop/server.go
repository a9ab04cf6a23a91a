package eventloop

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Server serves HTTP/1.1 on gnet event loops. Create it with New, start it
// with ServeFDs (inherited listeners) or ServeReusePort, stop it with
// Shutdown. All methods are safe for concurrent use.
type Server struct {
	cfg          *Config
	handler      Handler
	serverHeader []byte

	client  *gnet.Client // engine for connections accepted from inherited fds
	engine  atomic.Pointer[gnet.Engine]
	connSem chan struct{} // MaxConns slots for accepted connections

	mu        sync.Mutex
	conns     map[*conn]struct{}
	polled    map[*conn]struct{}
	pollKick  chan struct{}
	listeners []*listener

	coarse    atomic.Int64 // nanotime refreshed by housekeeping
	draining  atomic.Bool
	drainAt   atomic.Int64  // nanotime Shutdown began; set before draining
	drain     chan struct{} // closed when Shutdown begins: stops the accept loops
	drainOnce sync.Once
	stopped   chan struct{}
	stopOnce  sync.Once
	ready     chan struct{}

	accepted atomic.Int64
	rejected atomic.Int64
}

// New returns a Server that passes complete requests to h.
func New(cfg Config, h Handler) *Server {
	cfg.setDefaults()
	s := &Server{
		cfg:      &cfg,
		handler:  h,
		connSem:  make(chan struct{}, cfg.MaxConns),
		conns:    make(map[*conn]struct{}),
		polled:   make(map[*conn]struct{}),
		pollKick: make(chan struct{}, 1),
		drain:    make(chan struct{}),
		stopped:  make(chan struct{}),
		ready:    make(chan struct{}),
	}
	if cfg.Server != "" {
		s.serverHeader = []byte(cfg.Server)
	}
	s.coarse.Store(time.Now().UnixNano())
	return s
}

func (s *Server) now() int64             { return s.coarse.Load() }
func (s *Server) clock() time.Time       { return time.Now() }
func (s *Server) keepAlive() bool        { return s.cfg.Keepalive > 0 && !s.draining.Load() }
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Stats reports counters for tests and metrics.
type Stats struct {
	Accepted, Rejected int64
	Open               int
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Accepted: s.accepted.Load(), Rejected: s.rejected.Load(), Open: len(s.conns)}
}

// ServeFDs serves listening sockets inherited as file descriptors (from the
// master, or systemd). It returns once the listeners accept; Shutdown stops it.
func (s *Server) ServeFDs(fds []int) error {
	cli, err := gnet.NewClient(&events{s: s},
		gnet.WithMulticore(true), gnet.WithNumEventLoop(s.cfg.Loops),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay), gnet.WithLogger(gnetLogger{s.cfg.ErrorLog}))
	if err != nil {
		return err
	}
	if err := cli.Start(); err != nil {
		return err
	}
	s.client = cli
	for _, fd := range fds {
		ln, err := newListener(fd)
		if err != nil {
			s.Shutdown(context.Background())
			return err
		}
		s.mu.Lock()
		s.listeners = append(s.listeners, ln)
		s.mu.Unlock()
		go s.acceptLoop(ln)
	}
	go s.housekeep()
	go s.pollLoop()
	close(s.ready)
	return nil
}

// ServeReusePort binds its own SO_REUSEPORT socket per address through gnet
// ("tcp://127.0.0.1:8000") and serves until Shutdown. It blocks. gnet sizes
// the accept queue from the kernel's somaxconn.
func (s *Server) ServeReusePort(addr string) error {
	go s.housekeep()
	go s.pollLoop()
	opts := []gnet.Option{gnet.WithMulticore(true), gnet.WithNumEventLoop(s.cfg.Loops),
		gnet.WithReusePort(true), gnet.WithTCPNoDelay(gnet.TCPNoDelay), gnet.WithLogger(gnetLogger{s.cfg.ErrorLog})}
	return gnet.Run(&events{s: s}, addr, opts...)
}

// Drain begins a shutdown without waiting for it: from now on responses
// carry Connection: close and no new connection is accepted. A worker that
// reached max_requests calls it before running its last request, so that
// request's response already tells the client to reconnect elsewhere.
// Shutdown follows to serve the backlog and wait for connections.
func (s *Server) Drain() {
	s.drainOnce.Do(func() {
		s.drainAt.Store(time.Now().UnixNano())
		s.draining.Store(true)
		close(s.drain)
	})
}

// Shutdown stops accepting, serves the connections already waiting in the
// listeners' backlogs, closes idle connections, lets in-flight requests
// finish (their responses carry Connection: close) and returns when every
// connection is gone or ctx ends, after which it closes the rest. A
// connection that has sent nothing yet gets firstRequestGrace to do so.
func (s *Server) Shutdown(ctx context.Context) error {
	s.Drain()
	s.mu.Lock()
	lns := s.listeners
	s.listeners = nil
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, ln := range lns {
		s.drainBacklog(ctx, ln)
		ln.close()
		// Its acceptLoop may be enrolling a connection it just accepted;
		// once it returns, every accepted connection is in s.conns.
		select {
		case <-ln.done:
		case <-ctx.Done():
		}
	}
	for _, c := range conns {
		c.wake()
	}
	var err error
	for {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(5 * time.Millisecond):
			continue
		}
		break
	}
	s.stopOnce.Do(func() {
		close(s.stopped)
		if s.client != nil {
			_ = s.client.Stop()
		}
		if e := s.engine.Load(); e != nil {
			sctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = e.Stop(sctx)
			cancel()
		}
	})
	return err
}

func (s *Server) track(c *conn) {
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	s.accepted.Add(1)
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	delete(s.polled, c)
	s.mu.Unlock()
	if c.fromSem {
		<-s.connSem
	}
}

// poll registers c for fast re-wakes: gnet says nothing when a congested
// socket drains, so such connections are woken every millisecond.
func (s *Server) poll(c *conn) {
	if c.polled.CompareAndSwap(false, true) {
		s.mu.Lock()
		s.polled[c] = struct{}{}
		s.mu.Unlock()
		select {
		case s.pollKick <- struct{}{}:
		default:
		}
	}
}

func (s *Server) pollLoop() {
	var batch []*conn
	for {
		s.mu.Lock()
		batch = batch[:0]
		for c := range s.polled {
			batch = append(batch, c)
			delete(s.polled, c)
		}
		s.mu.Unlock()
		for _, c := range batch {
			c.polled.Store(false)
			c.wake()
		}
		if len(batch) == 0 {
			select {
			case <-s.pollKick:
			case <-s.stopped:
				return
			}
			continue
		}
		select {
		case <-time.After(time.Millisecond):
		case <-s.stopped:
			return
		}
	}
}
