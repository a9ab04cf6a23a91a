package eventloop

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// reservePort binds (without listening) a SO_REUSEPORT socket on port 0 and
// keeps it: the port stays ours, and a bound non-listening socket never
// steals connections from the listening ones (DESIGN.md, gnet facts).
func reservePort(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, 0xf /* SO_REUSEPORT */, 1); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	return sa.(*syscall.SockaddrInet4).Port
}

func TestReusePortMode(t *testing.T) {
	port := reservePort(t)
	srv := New(Config{}, hello)
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeReusePort(fmt.Sprintf("tcp://127.0.0.1:%d", port)) }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for srv.engine.Load() == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	c, br := dial(t, addr)
	fmt.Fprintf(c, "GET /rp HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := readResp(t, br, "GET"); body != "hello /rp" {
		t.Fatalf("got %q", body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	select {
	case <-errc:
	case <-time.After(5 * time.Second):
		t.Fatal("ServeReusePort did not return after Shutdown")
	}
}
