package eventloop

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"testing"
	"time"
)

// shutdownAsync starts Shutdown with a generous deadline and waits until it
// has begun draining.
func shutdownAsync(t *testing.T, srv *Server) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	for !srv.draining.Load() {
		time.Sleep(time.Millisecond)
	}
	return done
}

func waitShutdown(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v, want every connection finished before the deadline", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Shutdown did not return")
	}
}

// Connections the kernel has completed but the worker has not accepted
// (MaxConns is full) are served on shutdown, not reset when the worker closes
// the last copy of the listening socket (gunicorn #3397, #2593).
func TestShutdownServesBacklog(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	h := HandlerFunc(func(ex *Exchange) {
		target := string(ex.Req.Bytes(ex.Req.Target))
		go func() {
			if target == "/first" {
				close(started)
				<-release
			}
			ex.WriteHead(200, []byte("200 OK"), nil, int64(len(target)), false)
			ex.Write([]byte(target))
			ex.Finish()
		}()
	})
	srv, addr, closeFD := startServerFD(t, Config{MaxConns: 1}, h)
	first, fbr := dial(t, addr)
	fmt.Fprintf(first, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started // first holds the only MaxConns slot
	const queued = 8
	brs := make([]*bufio.Reader, queued)
	for i := range brs {
		c, br := dial(t, addr)
		fmt.Fprintf(c, "GET /q%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		brs[i] = br
	}
	if n := srv.Stats().Accepted; n != 1 {
		t.Fatalf("accepted %d connections, want 1: the rest must wait in the backlog", n)
	}
	closeFD() // the master closes its copy, then signals the worker
	done := shutdownAsync(t, srv)
	close(release)

	check := func(br *bufio.Reader, want string) {
		t.Helper()
		resp, body := readResp(t, br, "GET")
		if resp.StatusCode != 200 || body != want || !resp.Close {
			t.Fatalf("got %d %q close=%v, want 200 %q with Connection: close", resp.StatusCode, body, resp.Close, want)
		}
	}
	check(fbr, "/first")
	for i, br := range brs {
		check(br, fmt.Sprintf("/q%d", i))
	}
	waitShutdown(t, done)
	if n := srv.Stats().Accepted; n != 1+queued {
		t.Fatalf("accepted %d connections, want %d", n, 1+queued)
	}
	// Every MaxConns slot comes back (conns release theirs just after they
	// leave s.conns, so allow a moment).
	for deadline := time.Now().Add(5 * time.Second); len(srv.connSem) != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d MaxConns slots still held after shutdown", len(srv.connSem))
		}
	}
}

// A connection that has sent nothing is not closed as idle the moment
// draining starts: its first request may be in flight. One that never sends
// is closed after firstRequestGrace, and Shutdown returns well before its
// deadline.
func TestShutdownFirstRequestGrace(t *testing.T) {
	srv, addr := startServer(t, Config{}, hello)
	late, lbr := dial(t, addr)
	_, sbr := dial(t, addr) // silent
	for deadline := time.Now().Add(10 * time.Second); srv.Stats().Open < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("connections not accepted")
		}
	}
	start := time.Now()
	done := shutdownAsync(t, srv)

	time.Sleep(100 * time.Millisecond)
	fmt.Fprintf(late, "GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := readResp(t, lbr, "GET"); body != "hello /late" || !resp.Close {
		t.Fatalf("request sent after shutdown began: %q close=%v, want served with Connection: close", body, resp.Close)
	}
	if _, err := sbr.ReadByte(); err != io.EOF {
		t.Fatalf("silent connection: %v, want EOF", err)
	}
	if d := time.Since(start); d < firstRequestGrace/2 {
		t.Fatalf("silent connection closed %v after shutdown began, before the %v grace", d, firstRequestGrace)
	}
	waitShutdown(t, done)
}

// With nothing pending Shutdown returns at once, and a connection that has
// been served and is idle is closed without waiting for any grace.
func TestShutdownIdleIsQuick(t *testing.T) {
	srv, addr := startServer(t, Config{}, hello)
	c, br := dial(t, addr)
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	readResp(t, br, "GET")
	start := time.Now()
	done := shutdownAsync(t, srv)
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection during shutdown: %v, want EOF", err)
	}
	if d := time.Since(start); d >= firstRequestGrace {
		t.Fatalf("served idle connection closed after %v, want at once", d)
	}
	waitShutdown(t, done)

	// A server with no connections at all.
	srv2, _ := startServer(t, Config{}, hello)
	start = time.Now()
	waitShutdown(t, shutdownAsync(t, srv2))
	if d := time.Since(start); d >= firstRequestGrace {
		t.Fatalf("Shutdown with nothing pending took %v", d)
	}
}

// Shutdown serves what was queued when it began, not what arrives later:
// with a handler that holds the loop each enroll waits for it, and a client
// that reconnects at every answer would otherwise keep a retiring worker
// serving far past max_requests.
func TestShutdownDrainsOnlyWhatWasQueued(t *testing.T) {
	release := make(chan struct{})
	h := HandlerFunc(func(ex *Exchange) {
		target := string(ex.Req.Bytes(ex.Req.Target))
		if target == "/first" {
			<-release
		} else {
			time.Sleep(20 * time.Millisecond)
		}
		ex.WriteHead(200, []byte("200 OK"), nil, int64(len(target)), false)
		ex.Write([]byte(target))
		ex.Finish()
	})
	srv, addr := startServer(t, Config{MaxConns: 1, Loops: 1}, h)
	first, fbr := dial(t, addr)
	fmt.Fprintf(first, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n")
	for srv.Stats().Accepted != 1 {
		time.Sleep(time.Millisecond)
	}
	const queued = 3
	brs := make([]*bufio.Reader, queued)
	for i := range brs {
		c, br := dial(t, addr)
		fmt.Fprintf(c, "GET /q%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		brs[i] = br
	}
	// The kernel completes the handshakes itself; wait until all three
	// are in the accept queue before the drain counts it.
	ln := srv.listeners[0]
	for ln.queued() != queued {
		time.Sleep(time.Millisecond)
	}
	done := shutdownAsync(t, srv)
	close(release)
	readResp(t, fbr, "GET")
	for i, br := range brs {
		if resp, body := readResp(t, br, "GET"); resp.StatusCode != 200 || body != fmt.Sprintf("/q%d", i) {
			t.Fatalf("queued %d: %d %q", i, resp.StatusCode, body)
		}
		late, _ := dial(t, addr) // waits in the backlog for another worker
		defer late.Close()
		fmt.Fprintf(late, "GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	waitShutdown(t, done)
	if n := srv.Stats().Accepted; n != 1+queued {
		t.Fatalf("accepted %d connections, want the %d queued at shutdown and the first", n, queued)
	}
}
