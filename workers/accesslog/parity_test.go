package accesslog

import (
	"bufio"
	"io"
	"net"
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

// parityApp answers by path: /empty with a 204 and no body, anything else
// with a known body and a header holding quotes.
const parityApp = `
def app(environ, start_response):
    if environ["PATH_INFO"] == "/empty":
        start_response("204 No Content", [("X-Resp", "none")])
        return [b""]
    body = b"hello, parity\n"
    start_response("201 Created", [
        ("Content-Type", "text/plain"),
        ("Content-Length", str(len(body))),
        ("X-Resp", 'say "hi"'),
    ])
    return [body]
`

// parityTiming starts the format with the atoms that depend on the clock
// and the pid; the test reads them back from gunicorn's line and feeds
// them into the Record, so the whole line is compared byte for byte.
const parityTiming = `%(t)s %(T)s %(M)s %(D)s %(L)s %(p)s | `

var parityTimingRE = regexp.MustCompile(`^(\[[^\]]+\]) \d+ \d+ (\d+) \d+\.\d{6} <(\d+)> \| `)

// parityFormat uses every atom, header, environ and conversion kind.
const parityFormat = parityTiming + `%(h)s %(l)s %(u)s "%(r)s" %(s)s %(m)s %(U)s %(q)s %(H)s %(b)s %(B)s ` +
	`"%(f)s" "%(a)s" %({x-custom}i)s %({X-Latin}i)s %({x-resp}o)s %({content-length}o)s %({date}o)s ` +
	`%({missing}i)s %({wsgi.url_scheme}e)s %({REMOTE_ADDR}e)s %({nope}e)s %(zz)s 100%% [%(s)5s] [%(m)-6s] ` +
	`%(B)05d %(B)#x %(U).4s %(h)r %(f)r %({x-latin}i)a %(a).8r`

type parityCase struct {
	name    string
	request string
	record  Record // without Time, Duration and Pid
}

func parityCases() []parityCase {
	env := []Field{h("wsgi.url_scheme", "http"), h("REMOTE_ADDR", "127.0.0.1")}
	return []parityCase{{
		name: "every atom set",
		request: "GET /caf%C3%A9/x%20y?q=1&r=%22z%22 HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
			"User-Agent: parity/1.0 \"quoted\"\r\nReferer: http://example.test/ref\r\n" +
			// "user:pass": Debian's gunicorn 20.1 and gunicorn 23 agree on it.
			"Authorization: Basic dXNlcjpwYXNz\r\nX-Custom: c1\r\nX-Custom: c2\r\n" +
			"X-Latin: caf\xe9\r\nConnection: close\r\n\r\n",
		record: Record{
			RemoteAddr: []byte("127.0.0.1"), Method: []byte("GET"),
			RawURI: []byte("/caf%C3%A9/x%20y?q=1&r=%22z%22"), PathInfo: []byte("/caf\xc3\xa9/x y"),
			Query: []byte("q=1&r=%22z%22"), Protocol: []byte("HTTP/1.1"),
			Status: []byte("201 Created"), Code: 201, Sent: int64(len("hello, parity\n")),
			ReqHeaders: []Field{h("Host", "127.0.0.1"), h("User-Agent", `parity/1.0 "quoted"`),
				h("Referer", "http://example.test/ref"), h("Authorization", "Basic dXNlcjpwYXNz"),
				h("X-Custom", "c1"), h("X-Custom", "c2"), h("X-Latin", "caf\xe9"), h("Connection", "close")},
			RespHeaders: []Field{h("Content-Type", "text/plain"), h("Content-Length", "14"), h("X-Resp", `say "hi"`)},
			Env:         env,
		},
	}, {
		name:    "empty body, nothing optional",
		request: "GET /empty HTTP/1.0\r\n\r\n",
		record: Record{
			RemoteAddr: []byte("127.0.0.1"), Method: []byte("GET"), RawURI: []byte("/empty"),
			PathInfo: []byte("/empty"), Protocol: []byte("HTTP/1.0"),
			Status: []byte("204 No Content"), Code: 204, Sent: 0,
			RespHeaders: []Field{h("X-Resp", "none")},
			Env:         env,
		},
	}, {
		name: "repeated and empty headers",
		request: "POST /form?x HTTP/1.1\r\nHost: h\r\nUser-Agent: a\r\nUser-Agent: b\r\nReferer: \r\n" +
			"Content-Length: 5\r\nConnection: close\r\n\r\nhello",
		record: Record{
			RemoteAddr: []byte("127.0.0.1"), Method: []byte("POST"), RawURI: []byte("/form?x"),
			PathInfo: []byte("/form"), Query: []byte("x"), Protocol: []byte("HTTP/1.1"),
			Status: []byte("201 Created"), Code: 201, Sent: 14,
			ReqHeaders: []Field{h("Host", "h"), h("User-Agent", "a"), h("User-Agent", "b"), h("Referer", ""),
				h("Content-Length", "5"), h("Connection", "close")},
			RespHeaders: []Field{h("Content-Type", "text/plain"), h("Content-Length", "14"), h("X-Resp", `say "hi"`)},
			Env:         env,
		},
	}}
}

// TestParityWithGunicorn serves a WSGI app with Debian's gunicorn, sends
// known requests, and requires narwhal's rendering of the same request to
// equal gunicorn's access-log line byte for byte.
func TestParityWithGunicorn(t *testing.T) {
	python := gunicornPython(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(parityApp), 0o644); err != nil {
		t.Fatal(err)
	}
	g := startGunicorn(t, python, dir, parityFormat)
	f, err := Compile(parityFormat)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range parityCases() {
		t.Run(tc.name, func(t *testing.T) {
			theirs := g.roundTrip(t, tc.request)
			t.Logf("gunicorn: %s", theirs)
			m := parityTimingRE.FindStringSubmatch(theirs)
			if m == nil {
				t.Fatalf("gunicorn's line does not start with the timing atoms: %q", theirs)
			}
			r := tc.record
			if r.Time, err = time.Parse(clfTime, m[1]); err != nil {
				t.Fatalf("gunicorn's t %q: %v", m[1], err)
			}
			micros, _ := strconv.ParseInt(m[2], 10, 64)
			r.Duration = time.Duration(micros) * time.Microsecond
			r.Pid, _ = strconv.Atoi(m[3])
			if ours := string(f.Append(nil, &r)); ours != theirs {
				t.Errorf("access log lines differ:\nnarwhal  %q\ngunicorn %q", ours, theirs)
			}
		})
	}
}

type gunicornProc struct {
	addr  string
	lines chan string // access-log lines from stdout
}

// startGunicorn runs gunicorn on 127.0.0.1, port 0, with the access log on
// stdout, and waits for "Listening at" on stderr. The process group is
// stopped when the test ends.
func startGunicorn(t *testing.T, python, dir, format string) *gunicornProc {
	t.Helper()
	args := []string{"-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1", "--worker-class", "sync",
		"--access-logfile", "-", "--access-logformat", format, "--error-logfile", "-", "--log-level", "info",
		"--chdir", dir, "app:app"}
	cmd := exec.Command(python, args...)
	cmd.Dir = dir // no gunicorn.conf.py here
	// A fixed half-hour zone checks %z; a clean environment keeps
	// GUNICORN_CMD_ARGS out; UTF-8 is the encoding the log is written in.
	cmd.Env = []string{"PATH=/usr/bin:/bin", "TZ=" + testTZ, "LANG=C.UTF-8",
		"PYTHONIOENCODING=utf-8", "PYTHONDONTWRITEBYTECODE=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting gunicorn: %v", err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		// gunicorn's master stops its workers on TERM; KILL the group
		// if it has not exited in time.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	g := &gunicornProc{lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			g.lines <- sc.Text()
		}
		close(g.lines)
	}()
	listening := make(chan string, 1)
	var errlog strings.Builder
	errlogDone := make(chan struct{})
	go func() {
		defer close(errlogDone)
		re := regexp.MustCompile(`Listening at: http://(127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			errlog.WriteString(sc.Text() + "\n")
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				listening <- m[1]
				_, _ = io.Copy(io.Discard, stderr) // keep the pipe drained
				return
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case g.addr = <-listening:
	case <-errlogDone:
		t.Fatalf("gunicorn exited before listening:\n%s", errlog.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("gunicorn did not report \"Listening at\" within 30s")
	}
	return g
}

// roundTrip sends one raw request, reads the whole response, and returns
// the access-log line gunicorn wrote for it.
func (g *gunicornProc) roundTrip(t *testing.T, request string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", g.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	var line string
	select {
	case l, ok := <-g.lines:
		if !ok {
			t.Fatal("gunicorn closed its stdout")
		}
		line = l
	case <-time.After(10 * time.Second):
		t.Fatal("no access-log line within 10s")
	}
	// Checked after taking the line, so a failure here leaves no stale line
	// for the next request.
	if !regexp.MustCompile(`^HTTP/1\.[01] 2\d\d `).Match(resp) {
		t.Fatalf("unexpected response: %q", resp)
	}
	return line
}
