package main

import (
	"bytes"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/narwhalhq/narwhal/config"
)

// syslogSettings are the settings of issue 6 (--log-syslog*).
var syslogSettings = []string{"syslog", "syslog_addr", "syslog_prefix", "syslog_facility", "disable_redirect_access_to_syslog"}

// skipUnlessSyslogHonoured: narwhal refuses a planned setting at start.
func skipUnlessSyslogHonoured(t *testing.T) {
	t.Helper()
	for _, name := range syslogSettings {
		if s := config.Lookup(name); s.Support.Level != config.Honoured {
			t.Skipf("enable once syslog settings are honoured: %s is %s", name, s.Support.Level)
		}
	}
}

// syslogSink is a datagram socket standing in for /dev/log.
type syslogSink struct {
	Addr string // unix://PATH#dgram
	mu   sync.Mutex
	msgs []string
}

func listenSyslog(t *testing.T) *syslogSink {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s := &syslogSink{Addr: "unix://" + path + "#dgram"}
	go func() {
		buf := make([]byte, 1<<17)
		for {
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, string(buf[:n]))
			s.mu.Unlock()
		}
	}()
	return s
}

// matching returns the messages that match re.
func (s *syslogSink) matching(re *regexp.Regexp) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.msgs {
		if re.MatchString(m) {
			out = append(out, m)
		}
	}
	return out
}

func (s *syslogSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b bytes.Buffer
	for _, m := range s.msgs {
		b.WriteString(strings.ReplaceAll(m, "\x00", `\0`) + "\n")
	}
	return b.String()
}

// waitSyslog waits for a message matching pattern and returns the first.
func (s *syslogSink) wait(t *testing.T, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	var got []string
	waitFor(t, "a syslog message matching "+pattern+" among:\n"+s.String(), func() bool {
		got = s.matching(re)
		return len(got) > 0
	})
	return got[0]
}

// syslogNormal blanks what differs between runs: pids and the date.
var syslogNormal = regexp.MustCompile(`\[\d+\]|\[\d{2}/\w{3}/\d{4}:[^\]]+\]`)

// syslogAccessMessage runs bin with --log-syslog, sends one request and
// stops it; it returns the access message, normalised, after checking the
// error-log messages of the master and the worker.
func syslogAccessMessage(t *testing.T, bin string) string {
	t.Helper()
	sink := listenSyslog(t)
	s, err := startBinary(t, bin, "--log-syslog", "--log-syslog-to", sink.Addr, "--log-syslog-prefix", "x",
		"--log-syslog-facility", "local3", "hello:app")
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, s.Log())
	}
	if code, body := get(t, s.URL("/p?q=1")); code != 200 {
		t.Fatalf("%s: GET %d %q", bin, code, body)
	}
	// local3 (19) at INFO (6) is PRI 158.
	sink.wait(t, `^<158>gunicorn\.x\.error: \[\d+\] Listening at: http://127\.0\.0\.1:\d+ \(\d+\)\x00$`)
	sink.wait(t, `^<158>gunicorn\.x\.error: \[(\d+)\] Booting worker with pid: \d+\x00$`)
	access := sink.wait(t, `^<158>gunicorn\.x\.access: `)
	s.Stop()
	// The last lines of both processes reach syslog before they exit.
	sink.wait(t, `^<158>gunicorn\.x\.error: \[\d+\] Worker exiting \(pid: \d+\)\x00$`)
	sink.wait(t, `^<158>gunicorn\.x\.error: \[\d+\] Shutting down: Master\x00$`)
	// Syslog is in addition to the error log, not instead of it.
	if !strings.Contains(s.Log(), "] [INFO] Booting worker with pid: ") {
		t.Errorf("%s: the error log lost its lines:\n%s", bin, s.Log())
	}
	return syslogNormal.ReplaceAllString(access, "[X]")
}

// TestSyslogLinesMatchGunicorn runs narwhal and Debian's gunicorn with the
// same --log-syslog* flags against a datagram socket: both send the error
// log's lines, and the same access message, byte for byte but for the pid
// and the date.
func TestSyslogLinesMatchGunicorn(t *testing.T) {
	skipUnlessSyslogHonoured(t)
	got := syslogAccessMessage(t, binary)
	want := `<158>gunicorn.x.access: [X] 127.0.0.1 - - [X] "GET /p?q=1 HTTP/1.1" 200 13 "-" "Go-http-client/1.1"` + "\x00"
	if gunicorn, err := exec.LookPath("gunicorn"); err == nil {
		want = syslogAccessMessage(t, gunicorn)
	} else {
		t.Logf("gunicorn (Debian package) not installed: comparing with the expected message only")
	}
	if got != want {
		t.Errorf("access message:\nnarwhal  %q\ngunicorn %q", got, want)
	}
}

// TestSyslogDisableRedirectAccess keeps access lines out of syslog; they
// still go to --access-logfile.
func TestSyslogDisableRedirectAccess(t *testing.T) {
	skipUnlessSyslogHonoured(t)
	sink := listenSyslog(t)
	s := start(t, "--log-syslog", "--log-syslog-to", sink.Addr, "--disable-redirect-access-to-syslog",
		"--access-logfile", "-", "hello:app")
	if code, _ := get(t, s.URL("/q")); code != 200 {
		t.Fatalf("GET %d", code)
	}
	s.waitLog(t, `"GET /q HTTP/1.1" 200`)
	// Default facility user (1), default prefix: proc_name, "hello:app".
	sink.wait(t, `^<14>gunicorn\.hello\.app\.error: \[\d+\] Booting worker`)
	s.Stop()
	sink.wait(t, `Shutting down: Master\x00$`)
	if got := sink.matching(regexp.MustCompile(`\.access: `)); len(got) != 0 {
		t.Errorf("access lines sent to syslog: %q", got)
	}
}

// TestSyslogBadFacilityRefused: gunicorn stops at start on an unknown
// syslog_facility ("unknown facility name"); so does narwhal.
func TestSyslogBadFacilityRefused(t *testing.T) {
	skipUnlessSyslogHonoured(t)
	s, err := startErr(t, "--log-syslog", "--log-syslog-facility", "local9", "hello:app")
	if err == nil {
		t.Fatalf("started with syslog_facility local9:\n%s", s.Log())
	}
	if code := s.exitCode(t); code != 1 || !strings.Contains(s.Log(), "unknown facility name") {
		t.Errorf("exit %d, want 1 and unknown facility name:\n%s", code, s.Log())
	}
}
