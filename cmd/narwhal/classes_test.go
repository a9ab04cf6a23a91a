package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// workerClasses are the -k arguments the WSGI behaviour suite runs under:
// every test of wsgi_test.go, frameworks_test.go and parity_test.go runs
// once per class, as a subtest named after it.
var workerClasses = []struct {
	name string
	args []string
}{
	{"sync", []string{"-k", "sync"}},
	{"threads", []string{"-k", "threads", "--threads", "4"}},
	{"gevent-like", []string{"-k", "gevent-like"}},
}

// forEachClass runs f once per worker class, in a subtest named after the
// class; class is the class's command-line arguments.
func forEachClass(t *testing.T, f func(t *testing.T, class []string)) {
	t.Helper()
	for _, c := range workerClasses {
		t.Run(c.name, func(t *testing.T) { f(t, c.args) })
	}
}

// withClass returns class followed by args, in a new slice.
func withClass(class []string, args ...string) []string {
	return append(append([]string{}, class...), args...)
}

// classOf is the -k value in class.
func classOf(class []string) string {
	for i, a := range class {
		if a == "-k" && i+1 < len(class) {
			return class[i+1]
		}
	}
	return "sync"
}

// wantMultithread is the wsgi.multithread a worker of class reports: true
// only with the threads class (it runs --threads 4 app threads). narwhal
// gives threads > 1 (workers/worker.go); gevent-like runs one app thread.
// Note: gunicorn's gthread and gevent workers both report true.
func wantMultithread(class []string) bool {
	return classOf(class) != "sync" // gunicorn: gthread and the async workers
}

// testClient is an HTTP client whose kept-alive connections end with the
// test: requests to one server reuse them (keep-alive under each class),
// while no later test can pick up a connection to a server already
// stopped (as the harness's get avoids with a new connection each time).
func testClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Timeout: 60 * time.Second, Transport: tr}
}

// pipelineApp answers with the request's id (from the query) after
// sleeping the query's sleep seconds, so requests that finish out of
// order are told apart. It is written to a directory given as --chdir,
// which goes first on sys.path as in gunicorn.
const pipelineApp = `import time


def app(environ, start_response):
    q = dict(p.split("=", 1) for p in environ["QUERY_STRING"].split("&") if p)
    time.sleep(float(q.get("sleep", "0")))
    n = len(environ["wsgi.input"].read())
    body = ("%s %s %d" % (environ["REQUEST_METHOD"], q["id"], n)).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body))), ("X-Id", q["id"])])
    return [body]
`

// TestPipelinedResponsesInOrder sends ten requests in one write, the
// early ones slower than the late ones, and checks the responses come back
// in request order under every class (the threads and gevent-like classes
// may run them at once, but must answer in order).
func TestPipelinedResponsesInOrder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pipeline_app.py"), []byte(pipelineApp), 0o644); err != nil {
		t.Fatal(err)
	}
	type preq struct {
		method, query, body string
	}
	reqs := []preq{
		{"GET", "id=0&sleep=0.3", ""},
		{"GET", "id=1", ""},
		{"GET", "id=2&sleep=0.2", ""},
		{"POST", "id=3", "hello"},
		{"GET", "id=4&sleep=0.1", ""},
		{"HEAD", "id=5", ""},
		{"POST", "id=6&sleep=0.05", "a longer body"},
		{"GET", "id=7", ""},
		{"GET", "id=8&sleep=0.15", ""},
		{"GET", "id=9", ""},
	}
	var wire strings.Builder
	for _, r := range reqs {
		fmt.Fprintf(&wire, "%s /p?%s HTTP/1.1\r\nHost: x\r\n", r.method, r.query)
		if r.method == "POST" {
			fmt.Fprintf(&wire, "Content-Length: %d\r\n", len(r.body))
		}
		fmt.Fprintf(&wire, "\r\n%s", r.body)
	}
	forEachClass(t, func(t *testing.T, class []string) {
		s := start(t, withClass(class, "--chdir", dir, "pipeline_app:app")...)
		get(t, s.URL("/p?id=warm")) // the worker has booted: the log below times only the pipeline
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		began := time.Now()
		if _, err := io.WriteString(c, wire.String()); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		for i, r := range reqs {
			resp, err := http.ReadResponse(br, &http.Request{Method: r.method})
			if err != nil {
				t.Fatalf("response %d: %v\n%s", i, err, s.Log())
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("response %d body: %v", i, err)
			}
			id := fmt.Sprint(i)
			want := fmt.Sprintf("%s %s %d", r.method, id, len(r.body))
			if r.method == "HEAD" {
				want = ""
			}
			if resp.StatusCode != 200 || resp.Header.Get("X-Id") != id || string(b) != want {
				t.Fatalf("response %d: %d X-Id %q body %q, want X-Id %s body %q", i,
					resp.StatusCode, resp.Header.Get("X-Id"), b, id, want)
			}
		}
		// Serially the requests take 0.8 s; classes that run them at once
		// take less, which is not asserted (timing), only logged.
		t.Logf("%d pipelined responses in %v", len(reqs), time.Since(began).Round(time.Millisecond))
		// The connection is still usable after the pipeline.
		fmt.Fprintf(c, "GET /p?id=last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
		if err != nil {
			t.Fatalf("request after the pipeline: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "GET last 0" {
			t.Fatalf("request after the pipeline: %q", b)
		}
	})
}
