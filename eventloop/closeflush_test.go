package eventloop

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Closes the loop decides on its own (drain, keep-alive expiry, read
// timeout) must wait until the connection's output has left: gnet's Close
// drops what the socket did not take at once, which cut a large last
// response to a slow reader short.

const (
	bigSize = 8 << 20
	getBig  = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"
)

// bigBody is a deterministic pattern that exposes lost or shifted bytes.
var bigBody = sync.OnceValue(func() []byte {
	b := make([]byte, bigSize)
	for i := range b {
		b[i] = byte(i%251) ^ byte(i>>16)
	}
	return b
})

// big answers every request inline with bigBody and a Content-Length, so the
// whole response is handed to gnet at once and the Exchange is retired while
// most of it still waits in gnet's outbound buffer. It pins the socket's send
// buffer small: left to autotune, the kernel takes megabytes of the response,
// which then survive a close whatever gnet drops.
var big = HandlerFunc(func(ex *Exchange) {
	ex.c.gc.SetWriteBuffer(16 << 10)
	body := bigBody()
	ex.WriteHead(200, []byte("200 OK"), []byte("Content-Type: application/octet-stream\r\n"), int64(len(body)), false)
	ex.Write(body)
	ex.Finish()
})

// dialSmallRcvBuf connects with a small receive buffer, so the server's
// socket takes little of a large response and gnet buffers the rest.
func dialSmallRcvBuf(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return c, bufio.NewReader(c)
}

// getBigSlowly sends req (a GET /big first) and reads the response body 64
// KiB at a time, sleeping pause after each chunk; progress, if set, is called
// with the body bytes read so far after each chunk. It fails the test unless
// exactly bigBody arrives.
func getBigSlowly(t *testing.T, c net.Conn, br *bufio.Reader, req string, pause time.Duration, progress func(int)) {
	t.Helper()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("read response head: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != bigSize {
		t.Fatalf("got %d with Content-Length %d, want 200 with %d", resp.StatusCode, resp.ContentLength, bigSize)
	}
	got := make([]byte, bigSize)
	n := 0
	for n < bigSize {
		m, err := io.ReadFull(resp.Body, got[n:min(n+64<<10, bigSize)])
		n += m
		if err != nil {
			t.Fatalf("body cut short: %d of %d bytes, then %v", n, bigSize, err)
		}
		if progress != nil {
			progress(n)
		}
		time.Sleep(pause)
	}
	want := bigBody()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("body differs from byte %d on", i)
		}
	}
	if m, err := resp.Body.Read(make([]byte, 1)); m != 0 || err != io.EOF {
		t.Fatalf("after the body: %d bytes, %v; want EOF", m, err)
	}
}

// expectEOF checks that the server closes the connection once the response
// is through (the read deadline bounds the wait).
func expectEOF(t *testing.T, br *bufio.Reader) {
	t.Helper()
	if b, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the response: byte %q, %v; want the connection closed", b, err)
	}
}

// Shutdown while a large response is still being read: the connection goes
// idle with the response buffered, and the drain must close it only after the
// whole body has left. Repeated: before the fix it failed most, not all, runs.
func TestShutdownDrainFlushesLargeResponse(t *testing.T) {
	for run := 0; run < 3; run++ {
		t.Run(fmt.Sprint(run), func(t *testing.T) {
			srv, addr := startServer(t, Config{}, big)
			c, br := dialSmallRcvBuf(t, addr)
			done := make(chan error, 1)
			started := false
			getBigSlowly(t, c, br, getBig, time.Millisecond, func(n int) {
				if started || n < 1<<20 {
					return
				}
				started = true
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
					defer cancel()
					done <- srv.Shutdown(ctx)
				}()
				for !srv.draining.Load() {
					time.Sleep(time.Millisecond)
				}
			})
			expectEOF(t, br)
			waitShutdown(t, done)
		})
	}
}

// stallNearEnd returns a progress hook that stops reading once, for stall,
// when tail bytes of the body remain. The kernel's buffers hold less than
// tail, so gnet still holds output, but not above Config.HighWater: the loop
// no longer polls the connection, which then looks idle (no queue, no fresh
// input) to housekeeping for the whole stall.
func stallNearEnd(tail int, stall time.Duration) func(int) {
	stalled := false
	return func(n int) {
		if !stalled && n >= bigSize-tail {
			stalled = true
			time.Sleep(stall)
		}
	}
}

// A connection whose last response is still being written is not lost to the
// keep-alive timeout, although its request queue is empty: the close waits
// for the output. The reader stalls well past the 200ms keep-alive.
func TestKeepaliveCloseFlushesLargeResponse(t *testing.T) {
	_, addr := startServer(t, Config{Keepalive: 200 * time.Millisecond}, big)
	c, br := dialSmallRcvBuf(t, addr)
	getBigSlowly(t, c, br, getBig, 2*time.Millisecond, stallNearEnd(192<<10, 800*time.Millisecond))
	expectEOF(t, br)
}

// Likewise for the read timeout: a partial pipelined request that stalls
// behind a large response closes the connection only after that response.
func TestReadTimeoutCloseFlushesLargeResponse(t *testing.T) {
	_, addr := startServer(t, Config{ReadTimeout: 200 * time.Millisecond}, big)
	c, br := dialSmallRcvBuf(t, addr)
	getBigSlowly(t, c, br, getBig+"GET /stalled HTTP/1.1\r\n", 2*time.Millisecond, stallNearEnd(192<<10, 800*time.Millisecond))
	expectEOF(t, br)
}
