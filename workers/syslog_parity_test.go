package workers

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// utSyslogApp answers "ok", and raises on /boom so gunicorn logs an ERROR
// with its traceback.
const utSyslogApp = `
def app(environ, start_response):
    if environ["PATH_INFO"] == "/boom":
        raise ValueError("boom")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
`

var (
	// utSyslogMsg is one message as gunicorn 20.1 sends it.
	utSyslogMsg = regexp.MustCompile(`(?s)^<(\d+)>gunicorn\.(.+)\.(error|access): \[(\d+)\] (.*)\x00$`)
	// utSyslogPid is the pid field a message's head carries.
	utSyslogPid = regexp.MustCompile(`^(<\d+>[^ ]+ )\[\d+\] `)
	// utErrorLine is a line of gunicorn's error log on stderr.
	utErrorLine = regexp.MustCompile(`(?m)^\[[^\]]+\] \[(\d+)\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] (.*)$`)
	utListening = regexp.MustCompile(`Listening at: http://([0-9.]+:\d+)`)
	utBooting   = regexp.MustCompile(`Booting worker with pid: (\d+)`)
)

// TestSyslogParityWithGunicorn runs Debian's gunicorn 20.1 with
// --log-syslog against a socket of the test's, then has narwhal's Syslog
// send the same messages (each at the level gunicorn's stderr shows it
// at) and requires the same bytes, pids aside: PRI, program name, pid
// field, text and NUL terminator, one message per datagram.
func TestSyslogParityWithGunicorn(t *testing.T) {
	const gunicorn = "/usr/bin/gunicorn"
	if _, err := os.Stat(gunicorn); err != nil {
		t.Skipf("skipping: Debian's gunicorn is not installed (apt-get install gunicorn): %v", err)
	}
	for _, tc := range []struct {
		name   string
		listen func(t *testing.T) (*utSyslogRecv, string) // a socket and its syslog_addr
		args   []string
		access bool
	}{
		{
			name: "unix dgram, prefix, facility",
			listen: func(t *testing.T) (*utSyslogRecv, string) {
				r, path := utListenUnixgram(t)
				return r, "unix://" + path + "#dgram"
			},
			args:   []string{"--log-syslog-prefix", "x", "--log-syslog-facility", "local3", "--log-level", "debug"},
			access: true,
		},
		{
			name: "udp, default prefix and facility, no access lines",
			listen: func(t *testing.T) (*utSyslogRecv, string) {
				r, addr := utListenUDP(t)
				return r, "udp://" + addr
			},
			args: []string{"-n", "site:one", "--disable-redirect-access-to-syslog"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			theirs, to := tc.listen(t)
			args := append([]string{"-b", "127.0.0.1:0", "--workers", "1", "--log-syslog", "--log-syslog-to", to}, tc.args...)
			args = append(args, "syslogapp:app")
			sent, stderr := utRunGunicornSyslog(t, gunicorn, theirs, args)

			// Their levels, by pid and first line of the message.
			levels := map[string]int{}
			for _, m := range utErrorLine.FindAllStringSubmatch(stderr, -1) {
				levels[m[1]+" "+m[3]] = levelByName[strings.ToLower(m[2])]
			}

			// narwhal's Syslog from the same command line, sending to a
			// socket of the same kind.
			ours, ourTo := tc.listen(t)
			for i, a := range args {
				if a == to {
					args[i] = ourTo
				}
			}
			cfg := utConfig(t, args...)
			s, err := OpenSyslog(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			l := NewLogger(io.Discard, true)
			l.SetSyslog(s)

			seen := map[string]int{}
			for _, msg := range sent {
				m := utSyslogMsg.FindSubmatch(msg)
				if m == nil {
					t.Errorf("gunicorn sent %q: not <PRI>gunicorn.PREFIX.error|access: [PID] TEXT\\0", msg)
					continue
				}
				kind, pid, text := string(m[3]), string(m[4]), string(m[5])
				seen[kind]++
				if kind == "access" {
					if s.forAccess() == nil {
						t.Errorf("gunicorn sent an access line, narwhal would not: %q", msg)
						continue
					}
					s.logAccess(m[5])
				} else {
					first, _, _ := strings.Cut(text, "\n")
					level, ok := levels[pid+" "+first]
					if !ok {
						t.Errorf("no stderr line for %q", msg)
						continue
					}
					seen[utLevelNames[level]]++
					l.log(level, utLevelNames[level], "%s", text)
				}
				got := ours.next(t)
				g, w := utSyslogPid.ReplaceAll(got, []byte("$1[PID] ")), utSyslogPid.ReplaceAll(msg, []byte("$1[PID] "))
				if !bytes.Equal(g, w) {
					t.Errorf("narwhal sent\n  %q\ngunicorn sent\n  %q", g, w)
				}
			}
			t.Logf("gunicorn sent %d messages: %v", len(sent), seen)
			if tc.access != (seen["access"] > 0) {
				t.Errorf("access lines sent: %d, want some %v", seen["access"], tc.access)
			}
			for _, level := range []string{"INFO", "WARNING", "ERROR"} {
				if seen[level] == 0 {
					t.Errorf("gunicorn sent no %s line: the comparison does not cover that priority", level)
				}
			}
		})
	}
}

var utLevelNames = [...]string{LevelDebug: "DEBUG", LevelInfo: "INFO", LevelWarning: "WARNING", LevelError: "ERROR", LevelCritical: "CRITICAL"}

// utRunGunicornSyslog kills gunicorn's worker (a WARNING), serves two
// requests (one an app error) with the next one, stops gunicorn and returns what it sent to syslog and its stderr.
func utRunGunicornSyslog(t *testing.T, gunicorn string, r *utSyslogRecv, args []string) ([][]byte, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "syslogapp.py"), []byte(utSyslogApp), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr utLockedBuffer
	cmd := exec.Command(gunicorn, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	defer func() {
		cmd.Process.Kill()
		<-done
	}()

	var sent [][]byte
	// waitFor collects messages up to one that matches re.
	waitFor := func(re *regexp.Regexp) [][]byte {
		deadline := time.After(30 * time.Second)
		for {
			select {
			case m := <-r.msgs:
				sent = append(sent, m)
				if sub := re.FindSubmatch(m); sub != nil {
					return sub
				}
			case <-done:
				t.Fatalf("gunicorn exited:\n%s", stderr.String())
			case <-deadline:
				t.Fatalf("gunicorn sent no message matching %s within 30s:\n%s", re, stderr.String())
			}
		}
	}
	addr := string(waitFor(utListening)[1])
	worker, _ := strconv.Atoi(string(waitFor(utBooting)[1]))
	// A worker killed by a signal is gunicorn's WARNING.
	if err := syscall.Kill(worker, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(regexp.MustCompile(`was terminated due to signal 9`))
	waitFor(utBooting)
	c := &http.Client{Timeout: 10 * time.Second}
	for path, want := range map[string]int{"/p?q=1": 200, "/boom": 500} {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("User-Agent", "ua é")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("gunicorn did not stop on TERM:\n%s", stderr.String())
	}
	// Every datagram was queued on our socket before gunicorn exited.
	for {
		select {
		case m := <-r.msgs:
			sent = append(sent, m)
			continue
		case <-time.After(200 * time.Millisecond):
		}
		break
	}
	if !bytes.Contains(sent[len(sent)-1], []byte("Shutting down: Master")) {
		t.Errorf("last message %q, want Shutting down: Master", sent[len(sent)-1])
	}
	return sent, stderr.String()
}
