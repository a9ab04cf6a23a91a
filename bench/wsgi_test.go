package bench

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

var listeningRe = regexp.MustCompile(`Listening at: http://(\S+)`)

// StartLogging runs a gunicorn-compatible server that logs gunicorn's
// "Listening at:" line, and returns once that address accepts.
func StartLogging(t testing.TB, name string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(name, args...)
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		buf := make([]byte, 64<<10)
		var seen []byte
		for {
			n, err := out.Read(buf)
			seen = append(seen, buf[:n]...)
			if m := listeningRe.FindSubmatch(seen); m != nil {
				addr <- string(m[1])
				// Keep draining so the server never blocks on a full pipe.
				for {
					if _, err := out.Read(buf); err != nil {
						return
					}
				}
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case a := <-addr:
		time.Sleep(500 * time.Millisecond) // let workers import the app
		return &Process{Addr: a, cmd: cmd}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start listening", name)
	}
	return nil
}

// BenchmarkWSGIHello compares narwhal serving a plain WSGI hello app (one
// worker, sync) with gunicorn's gthread worker (one worker, 8 threads) in
// the same run: keep-alive, 64 connections.
func BenchmarkWSGIHello(b *testing.B) {
	gunicorn, err := exec.LookPath("gunicorn")
	if err != nil {
		b.Fatal("gunicorn not installed: run scripts/deps.sh")
	}
	bin := GoBuild(b, b.TempDir(), "./cmd/narwhal")
	apps := filepath.Join(RepoRoot(), "examples")
	ours := StartLogging(b, bin, "-b", "127.0.0.1:0", "--pythonpath", apps, "hello:app")
	peer := StartLogging(b, gunicorn, "-b", "127.0.0.1:0", "-w", "1", "-k", "gthread", "--threads", "8", "--pythonpath", apps, "hello:app")
	for i := 0; i < b.N; i++ {
		o := Wrk(b, "http://"+ours.Addr+"/", 64, "")
		p := Wrk(b, "http://"+peer.Addr+"/", 64, "")
		Report(b, "wsgi hello keep-alive c64", o, p, "gunicorn-gthread")
	}
}
