package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// accessFormat uses every atom that does not depend on the clock or the pid.
const accessFormat = `%(h)s %(l)s %(u)s "%(r)s" %(s)s %(b)s %(B)s "%(f)s" "%(a)s" %(m)s %(U)s %(q)s %(H)s ` +
	`%({x-custom}i)s %({content-type}o)s %({content-length}o)s %({missing}i)s %(REQUEST_METHOD)s ` +
	`%({request_method}e)s %({PATH_INFO}e)s %({query_string}e)s %({raw_uri}e)s %({remote_addr}e)s %({server_name}e)s %({http_user_agent}e)s`

const accessRequest = "GET /hello/w%C3%B6rld?a=1&b=%22q%22 HTTP/1.1\r\nHost: example.test\r\n" +
	"User-Agent: agent \"007\"\r\nReferer: http://ref.example/\r\nX-Custom: custom value\r\n" +
	"Authorization: Basic dXNlcjpwYXNz\r\nConnection: close\r\n\r\n"

// accessLine runs a server with --access-logfile, sends accessRequest and
// returns the one line it logged.
func accessLine(t *testing.T, bin string, extra ...string) string {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "access.log")
	args := append([]string{"--access-logfile", logPath, "--access-logformat", accessFormat}, extra...)
	s, err := startBinary(t, bin, append(args, "hello:app")...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, s.Log())
	}
	if resp := raw(t, s.Addr, accessRequest); !strings.HasPrefix(resp, "HTTP/1.1 200") {
		t.Fatalf("%s answered %q", bin, resp)
	}
	var line string
	waitFor(t, bin+"'s access line", func() bool {
		b, _ := os.ReadFile(logPath)
		line = strings.TrimSpace(string(b))
		return line != ""
	})
	return line
}

// TestAccessLogMatchesGunicorn compares narwhal's access line with Debian
// gunicorn's for the same request and format string.
func TestAccessLogMatchesGunicorn(t *testing.T) {
	gunicorn, err := exec.LookPath("gunicorn")
	if err != nil {
		t.Fatal("gunicorn (Debian package) not installed: run scripts/deps.sh")
	}
	want := accessLine(t, gunicorn)
	for _, class := range []string{"sync", "gevent-like"} {
		if got := accessLine(t, binary, "-k", class); got != want {
			t.Errorf("%s:\nnarwhal  %s\ngunicorn %s", class, got, want)
		}
	}
}

func TestAccessLogJSONAndReopen(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "access.log")
	s := start(t, "--access-logfile", logPath, "--access-log-json", "lifecycle:app")
	get(t, s.URL("/pid?x=1"))
	waitFor(t, "a JSON line", func() bool {
		b, _ := os.ReadFile(logPath)
		return strings.Contains(string(b), `"path":"/pid","query":"x=1"`) && strings.Contains(string(b), `"status":200`)
	})
	os.Rename(logPath, logPath+".1")
	s.cmd.Process.Signal(syscall.SIGUSR1)
	// The worker reopens on its own signal: lines logged before that go to
	// the renamed file.
	waitFor(t, "a line after USR1 in a new file", func() bool {
		get(t, s.URL("/after"))
		b, _ := os.ReadFile(logPath)
		return strings.Contains(string(b), `"path":"/after"`)
	})
}

func TestBadAccessLogFormatRefused(t *testing.T) {
	failsCleanly(t, 1, `access_log_format`, "--access-logfile", "-", "--access-logformat", "%(h", "lifecycle:app")
}
