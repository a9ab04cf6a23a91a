package workers

import (
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/narwhalhq/narwhal/config"
)

const (
	syslogQueue     = 1024                   // lines waiting to be sent; more are dropped
	syslogWriteWait = 500 * time.Millisecond // one send: a stuck daemon costs lines, never requests
	syslogDialWait  = time.Second            // one connection attempt
	syslogRedial    = time.Second            // between failed connection attempts
	syslogFlushWait = time.Second            // how long Flush and Close wait for the queue
)

// SyslogOptions are the syslog settings, resolved.
type SyslogOptions struct {
	Addr     string // syslog_addr: unix://PATH[#dgram], udp://HOST[:PORT], tcp://HOST[:PORT]
	Facility string // syslog_facility: user, daemon, local0 ... local7, ...
	Prefix   string // syslog_prefix, else proc_name with ':' as '.'
	Access   bool   // the access log too: not disable_redirect_access_to_syslog
	Queue    int    // lines waiting to be sent; syslogQueue when 0
}

// Syslog sends log lines to syslog_addr as gunicorn's SysLogHandler does
// (--log-syslog): one message per line,
//
//	<PRI>gunicorn.PREFIX.error: [PID] MESSAGE\0
//
// PRI is facility*8 + severity (DEBUG 7, INFO 6, WARNING 4, ERROR 3,
// CRITICAL 2), "access" replaces "error" for access lines (always INFO),
// and the NUL is Python's append_nul. On a stream socket (tcp://, or a
// unix:// path that refuses datagrams) the NUL is the only framing, as in
// gunicorn.
//
// Lines are queued and one goroutine owns the socket: a caller never
// blocks, a full queue drops the line (Dropped counts them). A failed send
// reopens the socket and sends once more, as SysLogHandler does for local
// sockets; while the destination is unreachable lines are dropped and a
// connection is attempted at most every syslogRedial. A Syslog is safe for
// concurrent use; Close ends it.
type Syslog struct {
	dest     syslogDest
	facility int
	errorTag string // "gunicorn.PREFIX.error: "
	access   []byte // "<PRI>gunicorn.PREFIX.access: [PID] ", nil when access lines stay out

	q       chan *[]byte
	pool    sync.Pool // *[]byte, so queueing a line allocates nothing
	flushes chan chan struct{}
	quit    chan struct{}
	done    chan struct{}
	closing sync.Once
	dropped atomic.Uint64
	report  atomic.Pointer[Logger] // where the sender reports an unreachable destination

	// The sender goroutine's own.
	conn    net.Conn
	retryAt time.Time
	failing bool // an outage was reported; reported again after a success
}

// OpenSyslog returns the Syslog the settings ask for, nil when syslog is
// off. The error is gunicorn's for a bad syslog_addr or syslog_facility.
func OpenSyslog(cfg *config.Config) (*Syslog, error) {
	if !cfg.Bool("syslog") {
		return nil, nil
	}
	return NewSyslog(syslogOptions(cfg))
}

// syslogOptions is gunicorn's _set_syslog_handler reading the settings.
func syslogOptions(cfg *config.Config) SyslogOptions {
	prefix := cfg.String("syslog_prefix")
	if prefix == "" {
		prefix = strings.ReplaceAll(cfg.ProcName(), ":", ".")
	}
	return SyslogOptions{
		Addr:     cfg.String("syslog_addr"),
		Facility: cfg.String("syslog_facility"),
		Prefix:   prefix,
		Access:   !cfg.Bool("disable_redirect_access_to_syslog"),
	}
}

// NewSyslog checks the options and starts the sender; the first connection
// is made when the first line is sent. An unreachable destination is not an
// error: gunicorn (on Python 3.11) starts without a unix:// socket too,
// though it refuses to start when a tcp:// one refuses the connection or a
// host does not resolve.
func NewSyslog(opt SyslogOptions) (*Syslog, error) {
	dest, err := parseSyslogAddr(opt.Addr)
	if err != nil {
		return nil, err
	}
	facility, err := syslogFacility(opt.Facility)
	if err != nil {
		return nil, err
	}
	n := opt.Queue
	if n <= 0 {
		n = syslogQueue
	}
	tag := "gunicorn." + opt.Prefix
	s := &Syslog{dest: dest, facility: facility, errorTag: tag + ".error: ",
		q: make(chan *[]byte, n), flushes: make(chan chan struct{}), quit: make(chan struct{}), done: make(chan struct{})}
	if opt.Access {
		s.access = s.appendHead(nil, syslogSeverity[LevelInfo], tag+".access: ", os.Getpid())
	}
	go s.send()
	return s, nil
}

// appendHead appends "<PRI>TAG[PID] ", gunicorn's "%s: [%(process)d] "
// after SysLogHandler's priority.
func (s *Syslog) appendHead(dst []byte, severity int, tag string, pid int) []byte {
	dst = append(dst, '<')
	dst = strconv.AppendInt(dst, int64(s.facility<<3|severity), 10)
	dst = append(dst, '>')
	dst = append(dst, tag...)
	dst = append(dst, '[')
	dst = strconv.AppendInt(dst, int64(pid), 10)
	return append(dst, "] "...)
}

// logError queues an error-log line; a no-op on a nil Syslog.
func (s *Syslog) logError(level int, msg string) {
	if s == nil {
		return
	}
	b := s.buffer()
	*b = s.appendHead(*b, syslogSeverity[level], s.errorTag, os.Getpid())
	*b = append(*b, msg...)
	s.queue(b)
}

// forAccess is s when access lines go to syslog, else nil.
func (s *Syslog) forAccess() *Syslog {
	if s == nil || s.access == nil {
		return nil
	}
	return s
}

// logAccess queues an access-log line (without its newline); a no-op on a
// nil Syslog. It allocates nothing: it runs once per request.
func (s *Syslog) logAccess(line []byte) {
	if s == nil || s.access == nil {
		return
	}
	b := s.buffer()
	*b = append(append(*b, s.access...), line...)
	s.queue(b)
}

func (s *Syslog) buffer() *[]byte {
	if b, ok := s.pool.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 512)
	return &b
}

func (s *Syslog) release(b *[]byte) {
	*b = (*b)[:0]
	s.pool.Put(b)
}

// queue adds the NUL terminator (SysLogHandler.append_nul) and hands the
// message to the sender, or drops it when the queue is full.
func (s *Syslog) queue(b *[]byte) {
	*b = append(*b, 0)
	select {
	case s.q <- b:
	default:
		s.dropped.Add(1)
		s.release(b)
	}
}

// Dropped is how many lines were not sent: queue full, destination
// unreachable, or a send that failed twice.
func (s *Syslog) Dropped() uint64 {
	if s == nil {
		return 0
	}
	return s.dropped.Load()
}

// Flush waits, at most syslogFlushWait, until the lines queued so far are
// sent: before os.Exit, so the last lines ("Worker exiting") are not lost.
// A no-op on a nil Syslog.
func (s *Syslog) Flush() {
	if s == nil {
		return
	}
	t := time.NewTimer(syslogFlushWait)
	defer t.Stop()
	ack := make(chan struct{})
	select {
	case s.flushes <- ack:
	case <-s.done:
		return
	case <-t.C:
		return
	}
	select {
	case <-ack:
	case <-s.done:
	case <-t.C:
	}
}

// Close sends what is queued (within syslogFlushWait), closes the socket
// and stops the sender. Lines logged afterwards are dropped. A no-op on a
// nil Syslog; safe to call twice.
func (s *Syslog) Close() {
	if s == nil {
		return
	}
	s.closing.Do(func() {
		close(s.quit)
		t := time.NewTimer(syslogFlushWait + syslogWriteWait)
		defer t.Stop()
		select {
		case <-s.done:
		case <-t.C:
		}
	})
}

// SetSyslog makes l send every line it logs to s too (nil: stop), and s
// report an unreachable destination on l. Safe while l is in use.
func (l *Logger) SetSyslog(s *Syslog) {
	l.syslog.Store(s)
	if s != nil {
		s.report.Store(l)
	}
}

// Syslog is where l's lines go besides its file, nil when nowhere.
func (l *Logger) Syslog() *Syslog { return l.syslog.Load() }

// syslogRaw sends raw text written to l (a traceback) as one ERROR line,
// as gunicorn's log.exception sends the traceback with its message.
func (l *Logger) syslogRaw(p []byte) {
	if s := l.syslog.Load(); s != nil && l.level <= LevelError {
		s.logError(LevelError, strings.TrimRight(string(p), "\n"))
	}
}

// openErrorLog is the error log as gunicorn's Logger.setup makes it: the
// errorlog file at loglevel, and syslog when --log-syslog.
func openErrorLog(cfg *config.Config) (*Logger, error) {
	l, err := OpenLogger(cfg.String("errorlog"), cfg.LogLevel())
	if err != nil {
		return nil, err
	}
	s, err := OpenSyslog(cfg)
	if err != nil {
		if l.f != nil {
			l.f.Close()
		}
		return nil, err
	}
	l.SetSyslog(s)
	return l, nil
}

// reloadSyslog is HUP for the master's syslog: prev (the Logger's before
// the reload) carries on unless a syslog setting changed. gunicorn keeps
// the logger it started with; narwhal applies the new settings, as it does
// for errorlog.
func (a *Arbiter) reloadSyslog(prev *Syslog, old, cfg *config.Config) {
	if old.Bool("syslog") == cfg.Bool("syslog") && syslogOptions(old) == syslogOptions(cfg) {
		a.log.SetSyslog(prev)
		return
	}
	s, err := OpenSyslog(cfg)
	if err != nil {
		a.log.SetSyslog(prev)
		a.log.Errorf("Reload: %v; syslog settings unchanged", err)
		return
	}
	a.log.SetSyslog(s)
	prev.Close()
}
