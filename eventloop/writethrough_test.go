package eventloop

import (
	"bufio"
	"crypto/sha256"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// streamInline is a handler that blocks the loop, as the sync worker class
// does (Handler): it streams n bytes in 64 KiB writes and records the most
// output it ever held unsent and the error that ended it.
type streamInline struct {
	n       atomic.Int64
	maxHeld atomic.Int64
	done    chan error
}

func (h *streamInline) ServeExchange(ex *Exchange) {
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	n := int(h.n.Load())
	var err error
	if err = ex.WriteHead(200, []byte("200 OK"), nil, int64(n), false); err == nil {
		for left := n; left > 0 && err == nil; left -= len(chunk) {
			err = ex.Write(chunk[:min(left, len(chunk))])
			ex.c.mu.Lock()
			held := int64(len(ex.out))
			ex.c.mu.Unlock()
			if held > h.maxHeld.Load() {
				h.maxHeld.Store(held)
			}
		}
	}
	if err != nil {
		ex.Abort()
	} else {
		ex.Finish()
	}
	h.done <- err
}

func TestInlineStreamWritesThrough(t *testing.T) {
	const n = 8 << 20
	h := &streamInline{done: make(chan error, 4)}
	h.n.Store(n)
	cfg := Config{HighWater: 256 << 10, Loops: 1, HandlerBlocks: true}
	_, addr := startServer(t, cfg, h)
	c, br := dial(t, addr)
	defer c.Close()
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	// A slow reader: the handler must wait on the socket, not buffer.
	time.Sleep(100 * time.Millisecond)
	resp, _ := readResp(t, br, "HEAD") // the head only
	if resp.StatusCode != 200 || resp.ContentLength != n {
		t.Fatalf("head: %d, Content-Length %d", resp.StatusCode, resp.ContentLength)
	}
	sum := sha256.New()
	if got, err := io.CopyN(sum, br, n); err != nil || got != n {
		t.Fatalf("body: %d bytes, %v", got, err)
	}
	if err := <-h.done; err != nil {
		t.Fatalf("handler: %v", err)
	}
	// Held output never exceeds HighWater plus one write.
	if held := h.maxHeld.Load(); held > int64(cfg.HighWater)+64<<10+64 {
		t.Fatalf("held %d bytes unsent, over HighWater", held)
	}
	// The connection still serves the next request.
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	resp, _ = readResp(t, br, "HEAD")
	if resp.StatusCode != 200 {
		t.Fatalf("second request: %d", resp.StatusCode)
	}
	io.CopyN(io.Discard, br, n)
	<-h.done
}

func TestInlineStreamClientResets(t *testing.T) {
	h := &streamInline{done: make(chan error, 4)}
	h.n.Store(64 << 20)
	_, addr := startServer(t, Config{HighWater: 256 << 10, Loops: 1, HandlerBlocks: true}, h)
	c, br := dial(t, addr)
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	br.ReadString('\n')
	// Unread input makes the close a reset.
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	select {
	case err := <-h.done:
		if err != ErrClosed {
			t.Fatalf("handler got %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler was not told the client left")
	}
	// The loop survived and serves others.
	h.n.Store(10)
	for i := 0; i < 3; i++ {
		c2, br2 := dial(t, addr)
		c2.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
		resp, body := readResp(t, br2, "GET")
		if resp.StatusCode != 200 || len(body) != 10 {
			t.Fatalf("after the reset: %d, %q", resp.StatusCode, strconv.Itoa(len(body)))
		}
		c2.Close()
		<-h.done
	}
}

// A final write does not wait for a slow reader: the loop sends it as the
// socket drains, and meanwhile serves other connections.
func TestInlineFinalWriteDoesNotWait(t *testing.T) {
	const n = 8 << 20
	body := make([]byte, n)
	returned := make(chan struct{}, 4)
	h := HandlerFunc(func(ex *Exchange) {
		if ex.Req.Bytes(ex.Req.Target)[1] == 'b' {
			ex.WriteHead(200, []byte("200 OK"), nil, n, false)
			ex.WriteFinal(body)
			returned <- struct{}{}
		} else {
			ex.WriteHead(200, []byte("200 OK"), nil, 2, false)
			ex.WriteFinal([]byte("ok"))
		}
		ex.Finish()
	})
	_, addr := startServer(t, Config{HighWater: 256 << 10, Loops: 1, HandlerBlocks: true}, h)
	slow, slowBr := dial(t, addr)
	slow.Write([]byte("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"))
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("WriteFinal waited for the reader")
	}
	// The same loop answers someone else while the slow reader reads nothing.
	c, br := dial(t, addr)
	c.Write([]byte("GET /small HTTP/1.1\r\nHost: x\r\n\r\n"))
	if resp, body := readResp(t, br, "GET"); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("other client: %d %q", resp.StatusCode, body)
	}
	resp, _ := readResp(t, slowBr, "HEAD")
	if got, err := io.CopyN(io.Discard, slowBr, n); err != nil || got != n || resp.StatusCode != 200 {
		t.Fatalf("slow reader: %d bytes, %v", got, err)
	}
}

// A connection accepted while an inline handler holds the loop looks idle
// to housekeep, whose keep-alive close must not drop the request that
// waits unread in its socket.
func TestInlineBlockedLoopKeepsWaitingRequest(t *testing.T) {
	const hold = 700 * time.Millisecond
	holding := make(chan struct{}, 3)
	h := HandlerFunc(func(ex *Exchange) {
		if string(ex.Req.Bytes(ex.Req.Target)) == "/hold" {
			holding <- struct{}{}
			time.Sleep(hold)
		}
		ex.WriteHead(200, []byte("200 OK"), nil, 2, false)
		ex.Write([]byte("ok"))
		ex.Finish()
	})
	_, addr := startServer(t, Config{Keepalive: 200 * time.Millisecond, Loops: 1, HandlerBlocks: true}, h)
	a, abr := dial(t, addr)
	defer a.Close()
	a.Write([]byte("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"))
	<-holding // the loop is in the handler
	// Both are enrolled when a's handler returns; whichever the loop
	// reads second waits, looking idle, through the other's handler.
	var brs []*bufio.Reader
	for i := 0; i < 2; i++ {
		c, br := dial(t, addr)
		defer c.Close()
		c.Write([]byte("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"))
		brs = append(brs, br)
	}
	if resp, _ := readResp(t, abr, "GET"); resp.StatusCode != 200 {
		t.Fatalf("first request: %d", resp.StatusCode)
	}
	for i, br := range brs {
		if resp, body := readResp(t, br, "GET"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("waiting request %d: %d %q", i, resp.StatusCode, body)
		}
	}
}

// Large final writes go to the socket directly (sendFinal) as far as it
// takes them; pipelined responses still arrive whole and in order, whether
// the client reads at once or only after the socket has filled.
func TestInlineFinalDirectKeepsOrder(t *testing.T) {
	const n = 1 << 20
	bodies := make([][]byte, 4)
	for i := range bodies {
		bodies[i] = make([]byte, n)
		for j := range bodies[i] {
			bodies[i][j] = byte(i*7 + j)
		}
	}
	h := HandlerFunc(func(ex *Exchange) {
		i := int(ex.Req.Bytes(ex.Req.Target)[1] - '0')
		ex.WriteHead(200, []byte("200 OK"), nil, n, false)
		ex.Write([]byte{}) // nothing: the head alone stays queued
		ex.WriteFinal(bodies[i])
		ex.Finish()
	})
	_, addr := startServer(t, Config{HighWater: 256 << 10, Loops: 1, HandlerBlocks: true}, h)
	for _, wait := range []time.Duration{0, 300 * time.Millisecond} {
		c, br := dial(t, addr)
		c.Write([]byte("GET /0 HTTP/1.1\r\nHost: x\r\n\r\nGET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n"))
		time.Sleep(wait)
		for i := range bodies {
			resp, body := readResp(t, br, "GET")
			if resp.StatusCode != 200 || sha256.Sum256([]byte(body)) != sha256.Sum256(bodies[i]) {
				t.Fatalf("wait %v, response %d: %d, %d bytes, not its body", wait, i, resp.StatusCode, len(body))
			}
		}
		c.Close()
	}
}

// A final write to a client that has reset drops the output, closes the
// connection and leaves the loop serving others.
func TestInlineFinalDirectClientGone(t *testing.T) {
	body := make([]byte, 1<<20)
	entered, reset := make(chan struct{}), make(chan struct{})
	h := HandlerFunc(func(ex *Exchange) {
		if ex.Req.Bytes(ex.Req.Target)[1] == 'g' {
			close(entered)
			<-reset // the client has reset meanwhile
		}
		ex.WriteHead(200, []byte("200 OK"), nil, int64(len(body)), false)
		ex.WriteFinal(body)
		ex.Finish()
	})
	_, addr := startServer(t, Config{Loops: 1, HandlerBlocks: true}, h)
	gone, _ := dial(t, addr)
	gone.Write([]byte("GET /gone HTTP/1.1\r\nHost: x\r\n\r\n"))
	<-entered
	gone.(*net.TCPConn).SetLinger(0)
	gone.Close() // on loopback the reset arrives within the call
	close(reset)
	c, br := dial(t, addr)
	defer c.Close()
	c.Write([]byte("GET /next HTTP/1.1\r\nHost: x\r\n\r\n"))
	if resp, got := readResp(t, br, "GET"); resp.StatusCode != 200 || len(got) != len(body) {
		t.Fatalf("after the reset: %d, %d bytes", resp.StatusCode, len(got))
	}
}

// The same when housekeep's wake reaches the loop before the read event of
// the request: gnet runs queued tasks after the batch of events it fetched,
// so a request that arrives while that batch's handler holds the loop is
// still unread in the socket when the wake runs, and closing would reset it.
func TestIdleCloseSparesUnreadRequest(t *testing.T) {
	holds := map[string]chan struct{}{"/hold1": make(chan struct{}), "/hold2": make(chan struct{})}
	holding := make(chan string, 2)
	h := HandlerFunc(func(ex *Exchange) {
		target := string(ex.Req.Bytes(ex.Req.Target))
		if release, ok := holds[target]; ok {
			holding <- target
			<-release
		}
		ex.WriteHead(200, []byte("200 OK"), nil, 2, false)
		ex.Write([]byte("ok"))
		ex.Finish()
	})
	srv, addr := startServer(t, Config{Loops: 1, HandlerBlocks: true}, h)
	seen := map[*conn]bool{}
	x, xbr := dial(t, addr) // idle so far
	defer x.Close()
	xc := enrolled(t, srv, seen)
	c2, br2 := dial(t, addr)
	defer c2.Close()
	c2c := enrolled(t, srv, seen)
	c1, br1 := dial(t, addr)
	defer c1.Close()
	enrolled(t, srv, seen)
	c1.Write([]byte("GET /hold1 HTTP/1.1\r\nHost: x\r\n\r\n"))
	<-holding
	// While the loop is held, the next batch gets ready: c2's request and
	// the wake of housekeep's idle close for x.
	c2.Write([]byte("GET /hold2 HTTP/1.1\r\nHost: x\r\n\r\n"))
	xc.requestClose()
	waitUnread(t, c2c)
	close(holds["/hold1"])
	<-holding
	// In c2's handler: x's request arrives after the batch was fetched.
	x.Write([]byte("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"))
	waitUnread(t, xc)
	close(holds["/hold2"])
	readResp(t, br1, "GET")
	readResp(t, br2, "GET")
	if resp, body := readResp(t, xbr, "GET"); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("x: %d %q", resp.StatusCode, body)
	}
}

// enrolled waits for the server's next connection, one not in seen, and
// adds it there.
func enrolled(t *testing.T, srv *Server, seen map[*conn]bool) *conn {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		srv.mu.Lock()
		for c := range srv.conns {
			if !seen[c] {
				seen[c] = true
				srv.mu.Unlock()
				return c
			}
		}
		srv.mu.Unlock()
	}
	t.Fatal("no new connection enrolled")
	return nil
}

// waitUnread waits until input sits in c's socket, unread by the loop.
func waitUnread(t *testing.T, c *conn) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !c.unread(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the server's socket")
		}
	}
}

// Without Config.HandlerBlocks, a handler's inline writes stay buffered:
// the socket is written by the loop alone, since an Exchange handed to
// another goroutine is still marked inline until ServeExchange returns. A
// client that does not read then holds neither the handler nor the loop.
func TestInlineWritesBufferedUnlessHandlerBlocks(t *testing.T) {
	h := &streamInline{done: make(chan error, 4)}
	h.n.Store(8 << 20)
	_, addr := startServer(t, Config{HighWater: 256 << 10, Loops: 1}, h)
	slow, _ := dial(t, addr) // never reads
	defer slow.Close()
	slow.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatalf("handler: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler waited on a client that does not read")
	}
	h.n.Store(10)
	c, br := dial(t, addr)
	defer c.Close()
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	if resp, body := readResp(t, br, "GET"); resp.StatusCode != 200 || len(body) != 10 {
		t.Fatalf("other client: %d, %d bytes", resp.StatusCode, len(body))
	}
}
