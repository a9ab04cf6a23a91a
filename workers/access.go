package workers

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/narwhalhq/narwhal/config"
	"github.com/narwhalhq/narwhal/eventloop"
	"github.com/narwhalhq/narwhal/eventloop/http1"
	"github.com/narwhalhq/narwhal/workers/accesslog"
)

// accessFlushEvery bounds how long a line waits in the buffer: gunicorn
// writes each line at once, but a write(2) per request costs a busy worker
// more than the app does; a short delay keeps tail -f useful.
const accessFlushEvery = 200 * time.Millisecond

// accessLog writes --access-logfile: one line per request in
// access_log_format (or JSON with access_log_json), buffered and flushed
// every accessFlushEvery, at 32 KiB, and at exit. "-" is stdout, as in
// gunicorn.
type accessLog struct {
	format   *accesslog.Format
	json     bool
	needResp bool // the format shows response headers
	envKeys  []string
	envNames [][]byte // envKeys as bytes, for the Record's fields
	path     string   // "" when the lines only go to syslog
	pid      int
	syslog   *Syslog // --log-syslog: every line goes there too; nil when not

	mu     sync.Mutex
	f      *os.File
	buf    []byte
	quit   chan struct{}
	done   chan struct{}
	closed sync.Once
}

// openAccessLog returns nil when accesslog is not set and sys (the error
// log's Syslog) does not take access lines.
func openAccessLog(cfg *config.Config, sys *Syslog) (*accessLog, error) {
	sys = sys.forAccess()
	if (cfg.IsNone("accesslog") || cfg.String("accesslog") == "") && sys == nil {
		return nil, nil
	}
	f, err := accesslog.Compile(cfg.String("access_log_format"))
	if err != nil {
		return nil, err
	}
	a := &accessLog{format: f, json: cfg.Bool("access_log_json"), needResp: f.Uses("o"), envKeys: f.EnvKeys(),
		path: cfg.String("accesslog"), pid: os.Getpid(), syslog: sys, quit: make(chan struct{}), done: make(chan struct{})}
	for _, k := range a.envKeys {
		a.envNames = append(a.envNames, []byte(k))
	}
	if a.path == "-" {
		a.f = os.Stdout
	} else if err := a.Reopen(); err != nil {
		return nil, err
	}
	go a.flusher()
	return a, nil
}

// Reopen reopens the file (USR1).
func (a *accessLog) Reopen() error {
	if a == nil || a.path == "-" || a.path == "" {
		return nil
	}
	f, err := os.OpenFile(a.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("accesslog %s: %w", a.path, err)
	}
	a.mu.Lock()
	a.flushLocked()
	old := a.f
	a.f = f
	a.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

func (a *accessLog) flusher() {
	defer close(a.done)
	t := time.NewTicker(accessFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-a.quit:
			a.mu.Lock()
			a.flushLocked()
			a.mu.Unlock()
			return
		case <-t.C:
			a.mu.Lock()
			a.flushLocked()
			a.mu.Unlock()
		}
	}
}

func (a *accessLog) flushLocked() {
	if len(a.buf) > 0 && a.f != nil {
		_, _ = a.f.Write(a.buf)
	}
	a.buf = a.buf[:0]
}

// Close flushes what is buffered.
func (a *accessLog) Close() {
	if a == nil {
		return
	}
	a.closed.Do(func() {
		close(a.quit)
		<-a.done
	})
}

// accessScratch is one app thread's reusable record.
type accessScratch struct {
	rec   accesslog.Record
	path  []byte
	proto []byte
	env   []byte
	line  []byte
}

// log writes the line for a finished request; call before Finish.
func (a *accessLog) log(s *accessScratch, ex *eventloop.Exchange, began time.Time) {
	q := &ex.Req
	r := &s.rec
	now := time.Now()
	r.RemoteAddr = ex.Remote.Host
	s.path = unquote(s.path[:0], q.Bytes(q.Path))
	r.Method, r.RawURI, r.PathInfo, r.Query = q.Bytes(q.Method), q.Bytes(q.Target), s.path, q.Bytes(q.Query)
	s.proto = append(append(s.proto[:0], "HTTP/1."...), byte('0'+q.Minor))
	r.Protocol = s.proto
	r.Code, r.Sent = ex.Result()
	r.Status = nil
	r.ReqHeaders = r.ReqHeaders[:0]
	for _, f := range q.Fields {
		r.ReqHeaders = append(r.ReqHeaders, accesslog.Field{Name: q.Bytes(f.Name), Value: q.Bytes(f.Value)})
	}
	r.RespHeaders = r.RespHeaders[:0]
	if a.needResp {
		block, cl := ex.ResponseHeaders()
		r.RespHeaders = accesslog.AppendFields(r.RespHeaders, block)
		if cl >= 0 {
			s.env = strconv.AppendInt(s.env[:0], cl, 10)
			r.RespHeaders = append(r.RespHeaders, accesslog.Field{Name: []byte("Content-Length"), Value: s.env})
		}
	}
	r.Env = a.env(r.Env[:0], ex, s.path)
	r.Time, r.Duration, r.Pid = now, now.Sub(began), a.pid
	if a.json {
		s.line = a.format.AppendJSON(s.line[:0], r)
	} else {
		s.line = a.format.Append(s.line[:0], r)
	}
	a.syslog.logAccess(s.line)
	if a.path == "" {
		return
	}
	s.line = append(s.line, '\n')
	a.mu.Lock()
	a.buf = append(a.buf, s.line...)
	if len(a.buf) >= 32<<10 {
		a.flushLocked()
	}
	a.mu.Unlock()
}

// headerForEnv is the last value of the header an HTTP_* key names.
func headerForEnv(q *http1.Request, key string) []byte {
	var v []byte
	for _, f := range q.Fields {
		name := q.Bytes(f.Name)
		if len(name) != len(key) {
			continue
		}
		match := true
		for i := range name {
			c, k := name[i], key[i]
			if c == '-' {
				c = '_'
			}
			if c|0x20 != k|0x20 {
				match = false
				break
			}
		}
		if match {
			v = q.Bytes(f.Value)
		}
	}
	return v
}

// env resolves the {var}e atoms from the request's CGI variables; path is
// PATH_INFO as %(U)s logs it. The keys are lower-case, as gunicorn's atoms
// hold them (accesslog.Format.EnvKeys). The app's own changes to its
// environ are not visible here (a documented difference from gunicorn,
// which formats after the app returned).
func (a *accessLog) env(dst []accesslog.Field, ex *eventloop.Exchange, path []byte) []accesslog.Field {
	q := &ex.Req
	for i, k := range a.envKeys {
		var v []byte
		switch k {
		case "request_method":
			v = q.Bytes(q.Method)
		case "path_info":
			v = path
		case "query_string":
			v = q.Bytes(q.Query)
		case "raw_uri":
			v = q.Bytes(q.Target)
		case "remote_addr":
			v = ex.Remote.Host
		case "server_name":
			v = ex.Local.Host
		default:
			if len(k) > 5 && strings.EqualFold(k[:5], "HTTP_") {
				v = headerForEnv(q, k[5:])
				if v != nil {
					break
				}
			}
			continue
		}
		dst = append(dst, accesslog.Field{Name: a.envNames[i], Value: utf8FromLatin1(v)})
	}
	return dst
}

// utf8FromLatin1 is request bytes read as latin-1, as gunicorn's environ
// holds them (PEP 3333 native strings), in the UTF-8 that Record.Env
// wants: v itself when it is ASCII, a new slice (rare) otherwise.
func utf8FromLatin1(v []byte) []byte {
	for i, c := range v {
		if c >= utf8.RuneSelf {
			out := append(make([]byte, 0, 2*len(v)), v[:i]...)
			for _, c := range v[i:] {
				out = utf8.AppendRune(out, rune(c))
			}
			return out
		}
	}
	return v
}

// unquote percent-decodes a path as PATH_INFO holds it (gunicorn's
// unquote_to_wsgi_str); a '%' not followed by two hex digits stays.
func unquote(dst, p []byte) []byte {
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			if h, ok := unhex(p[i+1]); ok {
				if l, ok := unhex(p[i+2]); ok {
					dst = append(dst, h<<4|l)
					i += 2
					continue
				}
			}
		}
		dst = append(dst, p[i])
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
