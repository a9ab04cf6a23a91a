package workers

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/narwhalhq/narwhal/config"
)

// utSyslogRecv collects what a test socket receives, one message each.
type utSyslogRecv struct {
	msgs chan []byte
}

// next waits for the next message.
func (r *utSyslogRecv) next(t *testing.T) []byte {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no syslog message within 5s")
		return nil
	}
}

// expect checks the next messages byte for byte, then that none follows.
func (r *utSyslogRecv) expect(t *testing.T, want ...string) {
	t.Helper()
	for i, w := range want {
		if got := r.next(t); string(got) != w {
			t.Errorf("message %d:\n got %q\nwant %q", i, got, w)
		}
	}
	select {
	case m := <-r.msgs:
		t.Errorf("unexpected message %q", m)
	case <-time.After(50 * time.Millisecond):
	}
}

func utReadPackets(c net.PacketConn, r *utSyslogRecv) {
	buf := make([]byte, 1<<17)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		r.msgs <- bytes.Clone(buf[:n])
	}
}

// utListenUnixgram is a datagram socket in a fresh directory, as
// /dev/log is.
func utListenUnixgram(t *testing.T) (*utSyslogRecv, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &utSyslogRecv{msgs: make(chan []byte, 4096)}
	go utReadPackets(c, r)
	return r, path
}

func utListenUDP(t *testing.T) (*utSyslogRecv, string) {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &utSyslogRecv{msgs: make(chan []byte, 4096)}
	go utReadPackets(c, r)
	return r, c.LocalAddr().String()
}

// utListenStream accepts connections and splits what they send at each
// NUL, the only framing SysLogHandler puts on a stream.
func utListenStream(t *testing.T, network, addr string) (*utSyslogRecv, net.Listener) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	r := &utSyslogRecv{msgs: make(chan []byte, 4096)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b, _ := io.ReadAll(c)
				for len(b) > 0 {
					i := bytes.IndexByte(b, 0)
					if i < 0 {
						r.msgs <- append(bytes.Clone(b), "<unterminated>"...)
						return
					}
					r.msgs <- bytes.Clone(b[:i+1])
					b = b[i+1:]
				}
			}()
		}
	}()
	return r, ln
}

func utNewSyslog(t *testing.T, opt SyslogOptions) *Syslog {
	t.Helper()
	s, err := NewSyslog(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// utAccessLine is an access line as gunicorn's default format writes it,
// a latin-1 user agent re-encoded as UTF-8.
const utAccessLine = `127.0.0.1 - - [21/Nov/2026:22:27:07 +0000] "GET /p?q=1 HTTP/1.1" 200 13 "-" "ua ` + "\xc3\x83\xc2\xa9" + `"`

func TestUnitSyslogUnixgramExactBytes(t *testing.T) {
	r, path := utListenUnixgram(t)
	s := utNewSyslog(t, SyslogOptions{Addr: "unix://" + path + "#dgram", Facility: "local3", Prefix: "x", Access: true})
	l := NewLogger(io.Discard, true)
	l.SetSyslog(s)
	utLogAll(l)
	s.logAccess([]byte(utAccessLine))
	fmt.Fprint(l, "Traceback (most recent call last):\n  File \"app.py\", line 1\nValueError: x\n")
	l.Infof("two\nlines")
	pid := os.Getpid()
	// local3 is 19: PRI 152 + severity.
	r.expect(t,
		fmt.Sprintf("<159>gunicorn.x.error: [%d] d 1\x00", pid),
		fmt.Sprintf("<158>gunicorn.x.error: [%d] i x\x00", pid),
		fmt.Sprintf("<156>gunicorn.x.error: [%d] w\x00", pid),
		fmt.Sprintf("<155>gunicorn.x.error: [%d] e \"q\"\x00", pid),
		fmt.Sprintf("<154>gunicorn.x.error: [%d] c\x00", pid),
		fmt.Sprintf("<158>gunicorn.x.access: [%d] %s\x00", pid, utAccessLine),
		fmt.Sprintf("<155>gunicorn.x.error: [%d] Traceback (most recent call last):\n  File \"app.py\", line 1\nValueError: x\x00", pid),
		fmt.Sprintf("<158>gunicorn.x.error: [%d] two\nlines\x00", pid),
	)
	if d := s.Dropped(); d != 0 {
		t.Errorf("Dropped() = %d, want 0", d)
	}
}

func TestUnitSyslogUDPExactBytes(t *testing.T) {
	r, addr := utListenUDP(t)
	// Facility names are case-insensitive, as in gunicorn (.lower()).
	s := utNewSyslog(t, SyslogOptions{Addr: "udp://" + addr, Facility: "DAEMON", Prefix: "app.app", Access: true})
	l := NewLogger(io.Discard, false)
	l.SetSyslog(s)
	utLogAll(l) // no DEBUG line at info
	s.logAccess([]byte(utAccessLine))
	pid := os.Getpid()
	// daemon is 3: PRI 24 + severity.
	r.expect(t,
		fmt.Sprintf("<30>gunicorn.app.app.error: [%d] i x\x00", pid),
		fmt.Sprintf("<28>gunicorn.app.app.error: [%d] w\x00", pid),
		fmt.Sprintf("<27>gunicorn.app.app.error: [%d] e \"q\"\x00", pid),
		fmt.Sprintf("<26>gunicorn.app.app.error: [%d] c\x00", pid),
		fmt.Sprintf("<30>gunicorn.app.app.access: [%d] %s\x00", pid, utAccessLine),
	)
}

func TestUnitSyslogStreams(t *testing.T) {
	for _, tc := range []struct {
		name    string
		network string
		addr    func(ln net.Listener) string
	}{
		// No "#dgram": SysLogHandler tries a datagram socket, then a stream.
		{"unix stream", "unix", func(ln net.Listener) string { return "unix://" + ln.Addr().String() }},
		// (A '#' in the path would cut it short, as in gunicorn: the
		// subtest's name, part of its TempDir, has none.)
		{"unix stream suffix", "unix", func(ln net.Listener) string { return "unix://" + ln.Addr().String() + "#stream" }},
		{"tcp", "tcp", func(ln net.Listener) string { return "tcp://" + ln.Addr().String() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			where := "127.0.0.1:0"
			if tc.network == "unix" {
				where = filepath.Join(t.TempDir(), "log.sock")
			}
			r, ln := utListenStream(t, tc.network, where)
			s := utNewSyslog(t, SyslogOptions{Addr: tc.addr(ln), Facility: "user", Prefix: "p", Access: true})
			l := NewLogger(io.Discard, false)
			l.SetSyslog(s)
			l.Infof("one")
			s.logAccess([]byte("GET /"))
			l.Errorf("three")
			s.Close() // the receiver reads until the connection closes
			pid := os.Getpid()
			r.expect(t,
				fmt.Sprintf("<14>gunicorn.p.error: [%d] one\x00", pid),
				fmt.Sprintf("<14>gunicorn.p.access: [%d] GET /\x00", pid),
				fmt.Sprintf("<11>gunicorn.p.error: [%d] three\x00", pid),
			)
		})
	}
}

func TestUnitSyslogAddr(t *testing.T) {
	for _, tc := range []struct {
		addr     string
		networks string
		dial     string
		err      string
	}{
		{addr: "unix:///dev/log", networks: "unixgram,unix", dial: "/dev/log"},
		{addr: "unix:///dev/log#dgram", networks: "unixgram", dial: "/dev/log"},
		{addr: "unix:///dev/log#stream", networks: "unixgram,unix", dial: "/dev/log"},
		{addr: "udp://localhost:514", networks: "udp", dial: "localhost:514"},
		{addr: "udp://LogHost", networks: "udp", dial: "loghost:514"},
		{addr: "udp://", networks: "udp", dial: "localhost:514"},
		{addr: "udp://10.0.0.1:0514", networks: "udp", dial: "10.0.0.1:514"},
		{addr: "tcp://[::1]:6514", networks: "tcp", dial: "[::1]:6514"},
		{addr: "tcp://[::1]", networks: "tcp", dial: "[::1]:514"},
		{addr: "localhost:514", err: "invalid syslog address"},
		{addr: "UDP://localhost", err: "invalid syslog address"},
		{addr: "udp://localhost:syslog", err: "'syslog' is not a valid port number."},
		{addr: "udp://localhost:", err: "'' is not a valid port number."},
		{addr: "tcp://localhost:70000", err: "'70000' is not a valid port number."},
	} {
		d, err := parseSyslogAddr(tc.addr)
		if tc.err != "" {
			if err == nil || !strings.HasSuffix(err.Error(), tc.err) {
				t.Errorf("parseSyslogAddr(%q) = %v, %v; want error %q", tc.addr, d, err, tc.err)
			}
			continue
		}
		if got := strings.Join(d.networks, ","); err != nil || got != tc.networks || d.addr != tc.dial {
			t.Errorf("parseSyslogAddr(%q) = %s %s, %v; want %s %s", tc.addr, got, d.addr, err, tc.networks, tc.dial)
		}
	}
}

func TestUnitSyslogFacility(t *testing.T) {
	for name, want := range map[string]int{"user": 1, "daemon": 3, "Local0": 16, "local7": 23, "security": 4, "kern": 0, "AUTHPRIV": 10} {
		if got, err := syslogFacility(name); err != nil || got != want {
			t.Errorf("syslogFacility(%q) = %d, %v; want %d", name, got, err, want)
		}
	}
	for _, name := range []string{"", "local8", "console", "ntp"} { // Python's extra names are not gunicorn's
		if _, err := syslogFacility(name); err == nil || !strings.Contains(err.Error(), "unknown facility name") {
			t.Errorf("syslogFacility(%q): %v, want unknown facility name", name, err)
		}
	}
	if _, err := NewSyslog(SyslogOptions{Addr: "udp://localhost", Facility: "nope"}); err == nil {
		t.Error("NewSyslog with an unknown facility succeeded")
	}
}

// utConfig parses a gunicorn command line as the master does.
func utConfig(t *testing.T, args ...string) *config.Config {
	t.Helper()
	t.Chdir(t.TempDir()) // no ./gunicorn.conf.py
	cfg, err := config.Parse(args, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestUnitSyslogFromConfig(t *testing.T) {
	r, addr := utListenUDP(t)
	to := "udp://" + addr
	pid := os.Getpid()
	for _, tc := range []struct {
		name   string
		args   []string
		off    bool
		access bool
		want   string // an INFO line "hi"
	}{
		{name: "off", args: []string{"app:app"}, off: true},
		// The default prefix is proc_name with ':' as '.', the default
		// proc_name the app: gunicorn.app.app.
		{name: "defaults", args: []string{"--log-syslog", "--log-syslog-to", to, "app:app"}, access: true,
			want: fmt.Sprintf("<14>gunicorn.app.app.error: [%d] hi\x00", pid)},
		{name: "proc_name", args: []string{"--log-syslog", "--log-syslog-to", to, "-n", "my:site", "app:app"}, access: true,
			want: fmt.Sprintf("<14>gunicorn.my.site.error: [%d] hi\x00", pid)},
		{name: "prefix, facility, no access", args: []string{"--log-syslog", "--log-syslog-to", to, "--log-syslog-prefix", "a:b",
			"--log-syslog-facility", "local7", "--disable-redirect-access-to-syslog", "app:app"},
			want: fmt.Sprintf("<190>gunicorn.a:b.error: [%d] hi\x00", pid)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := utConfig(t, tc.args...)
			s, err := OpenSyslog(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if (s == nil) != tc.off {
				t.Fatalf("OpenSyslog = %v, want nil %v", s, tc.off)
			}
			if got := s.forAccess() != nil; got != tc.access {
				t.Errorf("access lines to syslog: %v, want %v", got, tc.access)
			}
			if s == nil {
				return
			}
			s.logError(LevelInfo, "hi")
			r.expect(t, tc.want)
		})
	}
	cfg := utConfig(t, "--log-syslog", "--log-syslog-facility", "bogus", "app:app")
	if _, err := OpenSyslog(cfg); err == nil || !strings.Contains(err.Error(), "unknown facility name") {
		t.Errorf("OpenSyslog with syslog_facility bogus: %v", err)
	}
	cfg = utConfig(t, "--log-syslog", "--log-syslog-to", "syslog.example:514", "app:app")
	if _, err := OpenSyslog(cfg); err == nil || !strings.Contains(err.Error(), "invalid syslog address") {
		t.Errorf("OpenSyslog with a schemeless syslog_addr: %v", err)
	}
}

func TestUnitSyslogAccessLogWithoutFile(t *testing.T) {
	r, path := utListenUnixgram(t)
	_ = r
	for _, tc := range []struct {
		name string
		args []string
		want bool
	}{
		{"no accesslog, no syslog", []string{"app:app"}, false},
		{"syslog takes access lines", []string{"--log-syslog", "--log-syslog-to", "unix://" + path, "app:app"}, true},
		{"redirect disabled", []string{"--log-syslog", "--log-syslog-to", "unix://" + path, "--disable-redirect-access-to-syslog", "app:app"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := utConfig(t, tc.args...)
			s, err := OpenSyslog(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			a, err := openAccessLog(cfg, s)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if (a != nil) != tc.want {
				t.Fatalf("openAccessLog = %v, want one %v", a, tc.want)
			}
			if a == nil {
				return
			}
			if a.path != "" || a.syslog != s {
				t.Errorf("access log: path %q, syslog %p; want \"\", %p", a.path, a.syslog, s)
			}
			if err := a.Reopen(); err != nil {
				t.Errorf("Reopen of a syslog-only access log: %v", err)
			}
		})
	}
}

// A destination that does not read must cost the caller nothing: lines
// are queued, then dropped and counted.
func TestUnitSyslogNeverBlocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadBuffer(4096) // nobody reads: the sender soon blocks in send(2)
	s := utNewSyslog(t, SyslogOptions{Addr: "unix://" + path + "#dgram", Facility: "user", Prefix: "x", Access: true, Queue: 8})
	line := bytes.Repeat([]byte("x"), 1000)
	const n = 20000
	began := time.Now()
	for range n {
		s.logAccess(line)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("%d lines to a stuck syslog took %v", n, d)
	}
	if d := s.Dropped(); d < n/2 {
		t.Errorf("Dropped() = %d after %d lines to a stuck syslog", d, n)
	}
}

// utLockedBuffer is a Logger's output, safe to read while it logs.
type utLockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *utLockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *utLockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// A restarted syslog daemon gets lines again; the outage is reported once
// on the error log.
func TestUnitSyslogReconnects(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log.sock")
	listen := func() (*utSyslogRecv, net.PacketConn) {
		c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		r := &utSyslogRecv{msgs: make(chan []byte, 4096)}
		go utReadPackets(c, r)
		return r, c
	}
	r, c := listen()
	var out utLockedBuffer
	l := NewLogger(&out, false)
	s := utNewSyslog(t, SyslogOptions{Addr: "unix://" + path, Facility: "user", Prefix: "x"})
	l.SetSyslog(s)
	l.Infof("before")
	if got := r.next(t); !bytes.Contains(got, []byte("] before\x00")) {
		t.Fatalf("got %q", got)
	}
	c.Close() // the daemon stops and its socket goes
	os.Remove(path)
	for i := 0; !strings.Contains(out.String(), "log lines are dropped"); i++ {
		if i > 500 {
			t.Fatalf("no warning about the unreachable syslog:\n%s", out.String())
		}
		l.Infof("during %d", i)
		s.Flush()
	}
	r, c = listen()
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		l.Infof("after %d", i)
		s.Flush()
		select {
		case got := <-r.msgs:
			if !bytes.Contains(got, []byte("] after ")) {
				t.Errorf("first line after the restart: %q", got)
			}
			if n := strings.Count(out.String(), "log lines are dropped"); n != 1 {
				t.Errorf("outage reported %d times:\n%s", n, out.String())
			}
			if s.Dropped() == 0 {
				t.Error("Dropped() = 0 after an outage")
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line reached the restarted syslog; log:\n%s", out.String())
		}
	}
}

// Close sends what is queued: a worker's last line ("Worker exiting")
// is not lost to os.Exit.
func TestUnitSyslogCloseSendsQueued(t *testing.T) {
	r, path := utListenUnixgram(t)
	s := utNewSyslog(t, SyslogOptions{Addr: "unix://" + path, Facility: "user", Prefix: "x"})
	for i := range 100 {
		s.logError(LevelInfo, fmt.Sprint("line ", i))
	}
	s.Close()
	s.Close()
	for i := range 100 {
		if got, want := r.next(t), fmt.Sprintf("] line %d\x00", i); !strings.HasSuffix(string(got), want) {
			t.Fatalf("message %d: %q, want ...%q", i, got, want)
		}
	}
	var nilSyslog *Syslog
	nilSyslog.Flush()
	nilSyslog.Close()
	nilSyslog.logError(LevelError, "x")
	nilSyslog.logAccess([]byte("x"))
}

// utDiscardUnixgram is a datagram socket whose reader keeps nothing (and
// allocates nothing).
func utDiscardUnixgram(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "log.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 1<<16)
		for {
			if _, _, err := c.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	return path
}

func TestUnitSyslogAccessAllocs(t *testing.T) {
	path := utDiscardUnixgram(t)
	s := utNewSyslog(t, SyslogOptions{Addr: "unix://" + path + "#dgram", Facility: "user", Prefix: "x", Access: true})
	line := []byte(utAccessLine)
	// Warm the buffer pool as a running worker's is: buffers come back
	// once sent, so a line needs a new one only while many are in flight.
	for range 1000 {
		s.logAccess(line)
	}
	s.Flush()
	if n := testing.AllocsPerRun(500, func() { s.logAccess(line) }); n != 0 {
		t.Errorf("logAccess allocates %v times per line, want 0", n)
	}
}

func BenchmarkSyslogAccess(b *testing.B) {
	path := utDiscardUnixgram(b)
	s, err := NewSyslog(SyslogOptions{Addr: "unix://" + path + "#dgram", Facility: "user", Prefix: "x", Access: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	line := []byte(utAccessLine)
	b.ReportAllocs()
	for b.Loop() {
		s.logAccess(line)
	}
	b.ReportMetric(float64(s.Dropped())/float64(b.N), "drops/op")
}

// HUP applies changed syslog settings to the master and keeps its
// connection otherwise, also across a new errorlog.
func TestUnitSyslogReload(t *testing.T) {
	r, addr := utListenUDP(t)
	to := "udp://" + addr
	base := []string{"--log-syslog", "--log-syslog-to", to, "--log-syslog-prefix", "x", "app:app"}
	old := utConfig(t, base...)
	prev, err := OpenSyslog(old)
	if err != nil {
		t.Fatal(err)
	}
	defer prev.Close()
	var out utLockedBuffer
	a := &Arbiter{log: NewLogger(&out, false)}
	a.log.SetSyslog(prev)
	closed := func(s *Syslog) bool {
		select {
		case <-s.done:
			return true
		default:
			return false
		}
	}

	a.log = NewLogger(&out, false) // errorlog changed: a new Logger
	a.reloadSyslog(prev, old, utConfig(t, base...))
	if a.log.Syslog() != prev || closed(prev) {
		t.Fatalf("unchanged settings: Syslog %p (closed %v), want %p", a.log.Syslog(), closed(prev), prev)
	}

	bad := utConfig(t, append([]string{"--log-syslog-facility", "nope"}, base...)...)
	a.reloadSyslog(prev, old, bad)
	if a.log.Syslog() != prev || closed(prev) || !strings.Contains(out.String(), "unknown facility name") {
		t.Fatalf("bad facility: Syslog %p, want the previous one kept and the error logged:\n%s", a.log.Syslog(), out.String())
	}
	if got := r.next(t); !bytes.Contains(got, []byte("<11>gunicorn.x.error: ")) || !bytes.Contains(got, []byte("unknown facility name")) {
		t.Errorf("the reload error reached syslog as %q", got)
	}

	changed := utConfig(t, "--log-syslog", "--log-syslog-to", to, "--log-syslog-prefix", "y", "app:app")
	a.reloadSyslog(prev, old, changed)
	next := a.log.Syslog()
	if next == nil || next == prev || !closed(prev) {
		t.Fatalf("changed prefix: Syslog %p, previous %p closed %v", next, prev, closed(prev))
	}
	a.log.Infof("after")
	r.expect(t, fmt.Sprintf("<14>gunicorn.y.error: [%d] after\x00", os.Getpid()))

	a.reloadSyslog(next, changed, utConfig(t, "app:app"))
	if a.log.Syslog() != nil || !closed(next) {
		t.Errorf("syslog turned off: Syslog %p, previous closed %v", a.log.Syslog(), closed(next))
	}
}
