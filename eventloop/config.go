package eventloop

import (
	"runtime"
	"time"

	"github.com/narwhalhq/narwhal/eventloop/http1"
)

// Config tunes a Server. The zero value of every field means its default.
type Config struct {
	// Limits are the request-head limits (gunicorn's limit_request_*).
	Limits http1.Limits
	// Keepalive is how long an idle keep-alive connection is kept (gunicorn
	// keepalive, default 2 s). Negative disables keep-alive: every response
	// closes its connection.
	Keepalive time.Duration
	// ReadTimeout bounds how long a started request may take to arrive
	// (head and body); default 30 s, gunicorn's timeout.
	ReadTimeout time.Duration
	// MaxPipeline bounds requests in flight per connection; further pipelined
	// requests wait in the input buffer (default 64).
	MaxPipeline int
	// MaxConns bounds the connections a server holds; further connections
	// wait in the kernel's accept backlog (gunicorn worker_connections,
	// default 1000). Applies to inherited listeners.
	MaxConns int
	// BodyMemory is the largest request body held in memory; larger bodies
	// are spooled to a temp file in TmpDir (default 1 MiB).
	BodyMemory int
	// MaxBody rejects larger request bodies with 413 (0: unlimited, as gunicorn).
	MaxBody int64
	// HighWater is the unsent output, per Exchange and per connection, above
	// which writers block and reading of a parked connection stops (default 256 KiB).
	HighWater int
	// TmpDir holds spooled request bodies ("" = os.TempDir()).
	TmpDir string
	// KeepResponseHeaders keeps a copy of each response's header lines
	// for Exchange.ResponseHeaders (an access log that shows them).
	KeepResponseHeaders bool
	// Server is the Server header value; empty omits the header.
	Server string
	// Proxy says which front ends are trusted with the PROXY protocol and
	// with secure_scheme_headers (proxy.go).
	Proxy Proxy
	// Loops is the number of gnet event loops (default GOMAXPROCS).
	Loops int
	// HandlerBlocks says the handler runs every request on the loop
	// goroutine (the sync worker class): only then may a write go straight
	// to the socket (writeThrough, sendFinal). An Exchange is marked inline
	// until ServeExchange returns, and a handler that hands it to another
	// goroutine may see that goroutine write before then, off the loop.
	HandlerBlocks bool
	// ErrorLog receives connection-level errors; nil discards them.
	ErrorLog func(format string, args ...any)
}

func (c *Config) setDefaults() {
	if c.Limits == (http1.Limits{}) {
		c.Limits = http1.DefaultLimits()
	}
	if c.Keepalive == 0 {
		c.Keepalive = 2 * time.Second
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 30 * time.Second
	}
	if c.MaxPipeline <= 0 {
		c.MaxPipeline = 64
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 1000
	}
	if c.BodyMemory <= 0 {
		c.BodyMemory = 1 << 20
	}
	if c.HighWater <= 0 {
		c.HighWater = 256 << 10
	}
	if c.Loops <= 0 {
		c.Loops = runtime.GOMAXPROCS(0)
	}
	c.Proxy.setDefaults()
	if c.ErrorLog == nil {
		c.ErrorLog = func(string, ...any) {}
	}
}
