package eventloop

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startServer serves h on a fresh loopback listener passed as a raw fd, the
// way a worker receives it from the master.
func startServer(t *testing.T, cfg Config, h Handler) (*Server, string) {
	t.Helper()
	srv, addr, _ := startServerFD(t, cfg, h)
	return srv, addr
}

// startServerFD is startServer that also returns a function closing the
// test's own copy of the listening fd (once), leaving the server's copy the
// last one, as in a worker after the master has closed its own.
func startServerFD(t *testing.T, cfg Config, h Handler) (*Server, string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	rc, _ := ln.(*net.TCPListener).SyscallConn()
	var fd int
	rc.Control(func(s uintptr) { fd, _ = syscall.Dup(int(s)) })
	ln.Close()
	srv := New(cfg, h)
	if err := srv.ServeFDs([]int{fd}); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	closeFD := func() { once.Do(func() { syscall.Close(fd) }) }
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		closeFD()
	})
	return srv, addr, closeFD
}

// hello answers inline on the loop.
var hello = HandlerFunc(func(ex *Exchange) {
	body := []byte("hello " + string(ex.Req.Bytes(ex.Req.Target)))
	ex.WriteHead(200, []byte("200 OK"), []byte("Content-Type: text/plain\r\n"), int64(len(body)), false)
	ex.Write(body)
	ex.Finish()
})

// async finishes each exchange on its own goroutine after the delay named
// by the X-Delay-Ms header, so pipelined handlers complete out of order.
var async = HandlerFunc(func(ex *Exchange) {
	go func() {
		var d int
		for _, f := range ex.Req.Fields {
			if strings.EqualFold(string(ex.Req.Bytes(f.Name)), "X-Delay-Ms") {
				d, _ = strconv.Atoi(string(ex.Req.Bytes(f.Value)))
			}
		}
		time.Sleep(time.Duration(d) * time.Millisecond)
		body := []byte(string(ex.Req.Bytes(ex.Req.Target)))
		ex.WriteHead(200, []byte("200 OK"), nil, int64(len(body)), false)
		ex.Write(body)
		ex.Finish()
	}()
})

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return c, bufio.NewReader(c)
}

func readResp(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	resp.Body.Close()
	return resp, string(b)
}

func TestKeepAlive(t *testing.T) {
	_, addr := startServer(t, Config{}, hello)
	c, br := dial(t, addr)
	for i := 0; i < 5; i++ {
		fmt.Fprintf(c, "GET /k%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		resp, body := readResp(t, br, "GET")
		if want := fmt.Sprintf("hello /k%d", i); body != want || resp.Close {
			t.Fatalf("request %d: got %q close=%v, want %q on a kept-alive connection", i, body, resp.Close, want)
		}
		if resp.Header.Get("Date") == "" {
			t.Fatal("no Date header")
		}
	}
	// HTTP/1.0 without keep-alive: response closes the connection.
	fmt.Fprintf(c, "GET /old HTTP/1.0\r\n\r\n")
	resp, _ := readResp(t, br, "GET")
	if !resp.Close {
		t.Fatal("HTTP/1.0 response should close")
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("connection not closed after HTTP/1.0 response: %v", err)
	}
}

func TestHTTP10KeepAlive(t *testing.T) {
	_, addr := startServer(t, Config{}, hello)
	c, br := dial(t, addr)
	for i := 0; i < 3; i++ {
		fmt.Fprintf(c, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		resp, _ := readResp(t, br, "GET")
		if resp.Close || resp.Header.Get("Connection") != "keep-alive" {
			t.Fatalf("HTTP/1.0 keep-alive: close=%v Connection=%q", resp.Close, resp.Header.Get("Connection"))
		}
	}
}

func TestPipelineInOrder(t *testing.T) {
	_, addr := startServer(t, Config{}, async)
	c, br := dial(t, addr)
	var req bytes.Buffer
	for i := 0; i < 16; i++ {
		// Earlier requests take longer, so handlers finish in reverse order.
		fmt.Fprintf(&req, "GET /p%02d HTTP/1.1\r\nHost: x\r\nX-Delay-Ms: %d\r\n\r\n", i, (16-i)*3)
	}
	c.Write(req.Bytes()) // all 16 in one write
	for i := 0; i < 16; i++ {
		_, body := readResp(t, br, "GET")
		if want := fmt.Sprintf("/p%02d", i); body != want {
			t.Fatalf("response %d: got %q, want %q", i, body, want)
		}
	}
}

func TestByteByByte(t *testing.T) {
	_, addr := startServer(t, Config{}, hello)
	c, br := dial(t, addr)
	raw := "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
	for i := 0; i < len(raw); i++ {
		if _, err := c.Write([]byte{raw[i]}); err != nil {
			t.Fatal(err)
		}
	}
	if _, body := readResp(t, br, "POST"); body != "hello /slow" {
		t.Fatalf("got %q", body)
	}
	if _, body := readResp(t, br, "GET"); body != "hello /next" {
		t.Fatalf("got %q", body)
	}
}

// A slow client holds no handler: another connection is served meanwhile.
func TestSlowClientDoesNotBlock(t *testing.T) {
	var mu sync.Mutex
	served := 0
	h := HandlerFunc(func(ex *Exchange) {
		mu.Lock()
		served++
		mu.Unlock()
		hello(ex)
	})
	_, addr := startServer(t, Config{}, h)
	slow, _ := dial(t, addr)
	fmt.Fprintf(slow, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
	c, br := dial(t, addr)
	fmt.Fprintf(c, "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := readResp(t, br, "GET"); body != "hello /fast" {
		t.Fatalf("got %q", body)
	}
	mu.Lock()
	defer mu.Unlock()
	if served != 1 {
		t.Fatalf("handler ran %d times; the incomplete upload must not be dispatched", served)
	}
}

func TestExpectContinue(t *testing.T) {
	echo := HandlerFunc(func(ex *Exchange) {
		b, _ := io.ReadAll(ex.Body.Reader())
		ex.WriteHead(200, []byte("200 OK"), nil, int64(len(b)), false)
		ex.Write(b)
		ex.Finish()
	})
	_, addr := startServer(t, Config{}, echo)
	c, br := dial(t, addr)
	fmt.Fprintf(c, "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("got %q, %v; want 100 Continue before the body is sent", line, err)
	}
	if l, _ := br.ReadString('\n'); l != "\r\n" {
		t.Fatalf("interim response not terminated: %q", l)
	}
	c.Write([]byte("data"))
	if _, body := readResp(t, br, "PUT"); body != "data" {
		t.Fatalf("got %q", body)
	}
}

func TestBadRequestsCloseWithStatus(t *testing.T) {
	reached := make(chan string, 10)
	h := HandlerFunc(func(ex *Exchange) {
		reached <- string(ex.Req.Bytes(ex.Req.Target))
		hello(ex)
	})
	_, addr := startServer(t, Config{}, h)
	cases := []struct {
		name, raw string
		status    int
	}{
		{"bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400},
		{"CL and TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"duplicate CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400},
		{"version", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
		{"long line", "GET /" + strings.Repeat("a", 5000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"too many fields", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: b\r\n", 101) + "\r\n", 431},
		{"bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, br := dial(t, addr)
			c.Write([]byte(tc.raw))
			resp, _ := readResp(t, br, "GET")
			if resp.StatusCode != tc.status || !resp.Close {
				t.Fatalf("got %d close=%v, want %d with Connection: close", resp.StatusCode, resp.Close, tc.status)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Fatalf("connection left open: %v", err)
			}
		})
	}
	select {
	case target := <-reached:
		t.Fatalf("malformed request reached the handler: %q", target)
	default:
	}
}

// A valid request before a malformed one is answered first, in order.
func TestErrorAfterPipelinedRequest(t *testing.T) {
	_, addr := startServer(t, Config{}, async)
	c, br := dial(t, addr)
	c.Write([]byte("GET /ok HTTP/1.1\r\nHost: x\r\nX-Delay-Ms: 20\r\n\r\nGET /bad HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n"))
	if resp, body := readResp(t, br, "GET"); resp.StatusCode != 200 || body != "/ok" {
		t.Fatalf("first: %d %q", resp.StatusCode, body)
	}
	if resp, _ := readResp(t, br, "GET"); resp.StatusCode != 400 {
		t.Fatalf("second: %d, want 400", resp.StatusCode)
	}
}

func TestKeepaliveTimeout(t *testing.T) {
	_, addr := startServer(t, Config{Keepalive: 300 * time.Millisecond}, hello)
	c, br := dial(t, addr)
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	readResp(t, br, "GET")
	start := time.Now()
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: %v, want EOF", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Fatalf("idle connection closed after %v, want about the 300ms keepalive", d)
	}
}

func TestKeepaliveDisabled(t *testing.T) {
	_, addr := startServer(t, Config{Keepalive: -1}, hello)
	c, br := dial(t, addr)
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, _ := readResp(t, br, "GET"); !resp.Close {
		t.Fatal("keepalive disabled: response should close")
	}
}

func TestLargeUploadAndDownload(t *testing.T) {
	const size = 50 << 20
	h := HandlerFunc(func(ex *Exchange) {
		go func() {
			if ex.Req.MethodIs("POST") {
				sum := sha256.New()
				n, _ := io.Copy(sum, ex.Body.Reader())
				spooled := ex.Body.File != nil
				body := fmt.Sprintf("%d %x %v", n, sum.Sum(nil), spooled)
				ex.WriteHead(200, []byte("200 OK"), nil, int64(len(body)), false)
				ex.Write([]byte(body))
				ex.Finish()
				return
			}
			ex.WriteHead(200, []byte("200 OK"), nil, -1, false) // chunked
			rng := rand.New(rand.NewSource(1))
			buf := make([]byte, 64<<10)
			for sent := 0; sent < size; sent += len(buf) {
				rng.Read(buf)
				if ex.Write(buf) != nil {
					break
				}
			}
			ex.Finish()
		}()
	})
	_, addr := startServer(t, Config{}, h)

	data := make([]byte, size)
	rand.New(rand.NewSource(2)).Read(data)
	c, br := dial(t, addr)
	c.SetDeadline(time.Now().Add(60 * time.Second))
	fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
	c.Write(data)
	_, body := readResp(t, br, "POST")
	if want := fmt.Sprintf("%d %x true", size, sha256.Sum256(data)); body != want {
		t.Fatalf("upload: got %q, want %q", body, want)
	}

	// Chunked upload of the same data.
	var chunked bytes.Buffer
	for off := 0; off < 1<<20; off += 1000 {
		end := min(off+1000, 1<<20)
		fmt.Fprintf(&chunked, "%x;ext=1\r\n%s\r\n", end-off, data[off:end])
	}
	chunked.WriteString("0\r\nX-Trailer: t\r\n\r\n")
	fmt.Fprintf(c, "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	c.Write(chunked.Bytes())
	_, body = readResp(t, br, "POST")
	if want := fmt.Sprintf("%d %x false", 1<<20, sha256.Sum256(data[:1<<20])); body != want {
		t.Fatalf("chunked upload: got %q, want %q", body, want)
	}

	// Download, read slowly at first so backpressure engages.
	fmt.Fprintf(c, "GET /down HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(200 * time.Millisecond)
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != size {
		t.Fatalf("download: %d bytes, %v; want %d", n, err, size)
	}
}

func TestHeadAndNoBodyStatuses(t *testing.T) {
	h := HandlerFunc(func(ex *Exchange) {
		code := 200
		if ex.Req.MethodIs("GET") {
			code, _ = strconv.Atoi(strings.TrimPrefix(string(ex.Req.Bytes(ex.Req.Path)), "/"))
		}
		ex.WriteHead(code, []byte(strconv.Itoa(code)+" X"), nil, 5, false)
		ex.Write([]byte("hello"))
		ex.Finish()
	})
	_, addr := startServer(t, Config{}, h)
	c, br := dial(t, addr)
	fmt.Fprintf(c, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\nGET /200 HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := readResp(t, br, "HEAD")
	if resp.ContentLength != 5 || body != "" {
		t.Fatalf("HEAD: length %d body %q", resp.ContentLength, body)
	}
	for _, code := range []int{204, 304} {
		resp, body := readResp(t, br, "GET")
		if resp.StatusCode != code || body != "" {
			t.Fatalf("%d: got %d body %q", code, resp.StatusCode, body)
		}
	}
	if _, body := readResp(t, br, "GET"); body != "hello" {
		t.Fatalf("after no-body responses the stream is out of sync: %q", body)
	}
}

func TestGracefulShutdown(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	h := HandlerFunc(func(ex *Exchange) {
		go func() {
			close(started)
			<-release
			ex.WriteHead(200, []byte("200 OK"), nil, 4, false)
			ex.Write([]byte("done"))
			ex.Finish()
		}()
	})
	srv, addr := startServer(t, Config{}, h)
	idle, ibr := dial(t, addr)
	_ = idle
	busy, bbr := dial(t, addr)
	fmt.Fprintf(busy, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	done := make(chan error)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	if _, err := ibr.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection during shutdown: %v, want EOF", err)
	}
	close(release)
	resp, body := readResp(t, bbr, "GET")
	if body != "done" || !resp.Close {
		t.Fatalf("in-flight request: %q close=%v, want completed with Connection: close", body, resp.Close)
	}
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

// The worker_connections bound leaves excess connections in the backlog:
// they are served once a slot frees, not reset.
func TestMaxConnsQueuesInBacklog(t *testing.T) {
	_, addr := startServer(t, Config{MaxConns: 1, Keepalive: 200 * time.Millisecond}, hello)
	first, br1 := dial(t, addr)
	fmt.Fprintf(first, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n")
	readResp(t, br1, "GET")
	second, br2 := dial(t, addr)
	fmt.Fprintf(second, "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
	// Served once the first connection's keep-alive expires.
	if _, body := readResp(t, br2, "GET"); body != "hello /2" {
		t.Fatalf("got %q", body)
	}
}

// A connection that stays busy past the keep-alive timeout is not closed:
// the timeout counts idleness, not age.
func TestKeepaliveCountsIdlenessNotAge(t *testing.T) {
	_, addr := startServer(t, Config{Keepalive: 300 * time.Millisecond}, hello)
	c, br := dial(t, addr)
	deadline := time.Now().Add(time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		fmt.Fprintf(c, "GET /%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		if _, body := readResp(t, br, "GET"); body != fmt.Sprintf("hello /%d", i) {
			t.Fatalf("request %d: %q", i, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCloseRequestBodyArrivesLater is a request that asks to close whose
// body comes in later reads: it must still be received and answered
// (found by bench/'s upload cell: 64 KiB with Connection: close hung).
func TestCloseRequestBodyArrivesLater(t *testing.T) {
	echoLen := HandlerFunc(func(ex *Exchange) {
		b, _ := io.ReadAll(ex.Body.Reader())
		msg := []byte(fmt.Sprint(len(b)))
		ex.WriteHead(200, []byte("200 OK"), nil, int64(len(msg)), false)
		ex.Write(msg)
		ex.Finish()
	})
	_, addr := startServer(t, Config{}, echoLen)
	for _, chunked := range []bool{false, true} {
		c, br := dial(t, addr)
		body := strings.Repeat("b", 256<<10)
		if chunked {
			fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n")
		} else {
			fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n", len(body))
		}
		time.Sleep(50 * time.Millisecond) // the head is parsed before the body arrives
		for i := 0; i < len(body); i += 16 << 10 {
			part := body[i : i+16<<10]
			if chunked {
				fmt.Fprintf(c, "%x\r\n%s\r\n", len(part), part)
			} else {
				io.WriteString(c, part)
			}
		}
		if chunked {
			io.WriteString(c, "0\r\n\r\n")
		}
		if _, got := readResp(t, br, "POST"); got != fmt.Sprint(len(body)) {
			t.Fatalf("chunked=%v: got %q", chunked, got)
		}
		c.Close()
	}
}
