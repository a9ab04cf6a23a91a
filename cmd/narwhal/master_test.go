package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// children returns the pids whose parent is pid, from /proc.
func children(pid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		cpid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid(cpid) == pid {
			out = append(out, cpid)
		}
	}
	sort.Ints(out)
	return out
}

// ppid reads a process's parent from /proc/PID/stat (0 if it is gone or a
// zombie already).
func ppid(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// "pid (comm) state ppid ...": comm may hold spaces; split after ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 2 || f[0] == "Z" {
		return 0
	}
	p, _ := strconv.Atoi(f[1])
	return p
}

func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.TrimRight(string(b), "\x00")
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil && ppid(pid) != 0 }

// waitWorkers waits until pid has exactly n children and returns them.
func waitWorkers(t *testing.T, s *server, pid, n int) []int {
	t.Helper()
	var kids []int
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if kids = children(pid); len(kids) == n {
			return kids
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("master %d has %d workers %v, want %d\n%s", pid, len(kids), kids, n, s.Log())
	return nil
}

// pidOf asks the app which worker process answered.
func pidOf(t *testing.T, s *server) int {
	t.Helper()
	_, body := get(t, s.URL("/pid"))
	pid, err := strconv.Atoi(body)
	if err != nil {
		t.Fatalf("/pid answered %q", body)
	}
	return pid
}

func TestMasterTitlesAndWorkerCount(t *testing.T) {
	s := start(t, "-w", "3", "lifecycle:app")
	master := s.cmd.Process.Pid
	kids := waitWorkers(t, s, master, 3)
	if got := cmdline(master); got != "narwhal: master [lifecycle:app]" {
		t.Errorf("master title %q", got)
	}
	for _, k := range kids {
		// Between fork and exec a worker still shows its master's title.
		waitFor(t, "worker title", func() bool { return cmdline(k) == "narwhal: worker [lifecycle:app]" })
	}
	if pid := pidOf(t, s); pid == master || ppid(pid) != master {
		t.Errorf("request answered by %d, not a worker of %d", pid, master)
	}

	s.cmd.Process.Signal(syscall.SIGTTIN)
	waitWorkers(t, s, master, 4)
	// One at a time: signals of one kind sent together arrive as one.
	s.cmd.Process.Signal(syscall.SIGTTOU)
	waitWorkers(t, s, master, 3)
	s.cmd.Process.Signal(syscall.SIGTTOU)
	kids = waitWorkers(t, s, master, 2)

	// A killed worker is replaced, and the log says how it died.
	syscall.Kill(kids[0], syscall.SIGKILL)
	s.waitLog(t, fmt.Sprintf(`Worker \(pid:%d\) was sent SIGKILL! Perhaps out of memory\?`, kids[0]))
	now := waitWorkers(t, s, master, 2)
	for _, k := range now {
		if k == kids[0] {
			t.Fatalf("killed worker %d still listed", k)
		}
	}
	pidOf(t, s)
	s.Stop()
	if s.err != nil {
		t.Fatalf("exit after TERM: %v\n%s", s.err, s.Log())
	}
	for _, k := range now {
		if alive(k) {
			t.Errorf("worker %d outlived its master", k)
		}
	}
}

// loadLoop keeps conns clients busy with GETs until stop is called, counting
// failures; it stops by itself after a minute.
type loadLoop struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	errs       []string
	bodies     map[string]int
	stop       chan struct{}
	wg         sync.WaitGroup
}

func startLoad(url string, conns int) *loadLoop {
	l := &loadLoop{stop: make(chan struct{}), bodies: map[string]int{}}
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	deadline := time.Now().Add(time.Minute)
	for i := 0; i < conns; i++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for time.Now().Before(deadline) {
				select {
				case <-l.stop:
					return
				default:
				}
				resp, err := client.Get(url)
				if err == nil {
					b, rerr := io.ReadAll(resp.Body)
					resp.Body.Close()
					if rerr == nil && resp.StatusCode == 200 {
						l.ok.Add(1)
						l.mu.Lock()
						l.bodies[string(b)]++
						l.mu.Unlock()
						continue
					}
					err = fmt.Errorf("status %d, body error %v", resp.StatusCode, rerr)
				}
				l.failed.Add(1)
				l.mu.Lock()
				if len(l.errs) < 5 {
					l.errs = append(l.errs, err.Error())
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func (l *loadLoop) seen(body string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bodies[body] > 0
}

func (l *loadLoop) finish(t *testing.T) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	t.Logf("load: %d requests succeeded, %d failed", l.ok.Load(), l.failed.Load())
	if n := l.failed.Load(); n > 0 {
		t.Errorf("%d of %d requests failed: %v", n, n+l.ok.Load(), l.errs)
	}
	if l.ok.Load() == 0 {
		t.Error("no request succeeded")
	}
}

// versionApp writes a one-line app answering with version.
func versionApp(t *testing.T, dir, version string) {
	t.Helper()
	src := fmt.Sprintf("def app(environ, start_response):\n    start_response('200 OK', [('Content-Type', 'text/plain')])\n    return [b'%s']\n", version)
	if err := os.WriteFile(filepath.Join(dir, "versioned.py"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHUPUnderLoadLosesNothing(t *testing.T) {
	dir := t.TempDir()
	versionApp(t, dir, "v1")
	s := start(t, "-w", "2", "--chdir", dir, "versioned:app")
	master := s.cmd.Process.Pid
	old := waitWorkers(t, s, master, 2)
	l := startLoad(s.URL("/"), 32)
	waitFor(t, "v1 under load", func() bool { return l.seen("v1") })

	versionApp(t, dir, "v2")
	s.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "v2 after HUP", func() bool { return l.seen("v2") })
	s.waitLog(t, "Hang up: Master")
	for _, pid := range old {
		waitFor(t, fmt.Sprintf("old worker %d to exit", pid), func() bool { return !alive(pid) })
	}
	time.Sleep(300 * time.Millisecond) // keep the load on the new workers a moment
	l.finish(t)
	if _, body := get(t, s.URL("/")); body != "v2" {
		t.Errorf("after HUP the app answers %q", body)
	}
	waitWorkers(t, s, master, 2)
}

func TestHUPWithBrokenAppKeepsServing(t *testing.T) {
	dir := t.TempDir()
	versionApp(t, dir, "v1")
	s := start(t, "--chdir", dir, "versioned:app")
	master := s.cmd.Process.Pid
	// Served once: the worker has imported v1 before the file changes.
	if _, body := get(t, s.URL("/")); body != "v1" {
		t.Fatalf("answers %q", body)
	}
	old := waitWorkers(t, s, master, 1)
	os.WriteFile(filepath.Join(dir, "versioned.py"), []byte("raise ImportError('deploy went wrong')\n"), 0o644)
	s.cmd.Process.Signal(syscall.SIGHUP)
	s.waitLog(t, `Reload failed: App failed to load\. Keeping the 1 worker\(s\) of the previous configuration\.`)
	if _, body := get(t, s.URL("/")); body != "v1" {
		t.Errorf("previous workers answer %q", body)
	}
	if now := waitWorkers(t, s, master, 1); fmt.Sprint(now) != fmt.Sprint(old) {
		t.Errorf("workers %v, want the previous ones %v", now, old)
	}
	if strings.Contains(s.Log(), "Shutting down") {
		t.Fatalf("master halted:\n%s", s.Log())
	}
}

func TestUSR2UpgradeThenTermOldMaster(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "narwhal.pid")
	s := start(t, "-w", "2", "--pid", pidfile, "lifecycle:app")
	old := s.cmd.Process.Pid
	waitWorkers(t, s, old, 2)
	if readPid(pidfile) != old {
		t.Fatalf("pidfile holds %d, want %d", readPid(pidfile), old)
	}
	l := startLoad(s.URL("/pid"), 32)
	waitFor(t, "the load running", func() bool { return l.ok.Load() > 0 })

	s.cmd.Process.Signal(syscall.SIGUSR2)
	var next int
	waitFor(t, "PIDFILE.2", func() bool { next = readPid(pidfile + ".2"); return next != 0 })
	t.Cleanup(func() { stopPid(next) })
	if ppid(next) != old {
		t.Fatalf("new master %d is not a child of %d", next, old)
	}
	waitFor(t, "the new master's title", func() bool { return cmdline(next) == "narwhal: master [lifecycle:app.2]" })
	// 2 old workers + the new master; the new master has its own 2.
	newWorkers := waitWorkers(t, s, next, 2)

	// The old master's workers close their keep-alive connections as they
	// stop; the clients reconnect to the new master's workers.
	s.cmd.Process.Signal(syscall.SIGTERM)
	if code := s.exitCode(t); code != 0 {
		t.Fatalf("old master exit %d\n%s", code, s.Log())
	}
	waitFor(t, "promotion", func() bool { return readPid(pidfile) == next })
	if _, err := os.Stat(pidfile + ".2"); err == nil {
		t.Error("PIDFILE.2 left behind after promotion")
	}
	waitFor(t, "promoted title", func() bool { return cmdline(next) == "narwhal: master [lifecycle:app]" })
	waitFor(t, "a new worker to answer", func() bool { return l.seen(strconv.Itoa(newWorkers[0])) || l.seen(strconv.Itoa(newWorkers[1])) })
	l.finish(t)
	if pid := pidOf(t, s); ppid(pid) != next {
		t.Errorf("answered by %d whose parent is %d, want the new master %d", pid, ppid(pid), next)
	}
}

func readPid(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// stopPid TERMs a process the test does not own and waits for it to go.
func stopPid(pid int) {
	if pid <= 0 {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(15 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if alive(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

func TestTermFinishesSlowRequestsAndBacklog(t *testing.T) {
	// One app thread and one connection slot: the first request sleeps,
	// the others wait in the kernel's accept backlog when TERM arrives.
	maddr := freeAddr(t)
	s := start(t, "--worker-connections", "1", "--graceful-timeout", "20", "--metrics-bind", maddr, "lifecycle:app")
	waitWorkers(t, s, s.cmd.Process.Pid, 1)
	pidOf(t, s) // booted
	type result struct {
		status string
		err    error
	}
	results := make(chan result, 6)
	// send writes a request at once (connect returns once the kernel has
	// queued the connection) and reads the answer in the background.
	send := func(path string) {
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
		go func() {
			defer c.Close()
			line, err := bufio.NewReader(c).ReadString('\n')
			results <- result{strings.TrimSpace(line), err}
		}()
	}
	send("/sleep?1.5")
	waitFor(t, "the slow request running", func() bool {
		return scrape(t, maddr)["narwhal_http_requests_in_flight"] == 1
	})
	for i := 0; i < 5; i++ {
		send("/pid")
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	for i := 0; i < 6; i++ {
		r := <-results
		if r.err != nil || r.status != "HTTP/1.1 200 OK" {
			t.Errorf("request %d: %q %v", i, r.status, r.err)
		}
	}
	if code := s.exitCode(t); code != 0 {
		t.Errorf("exit %d\n%s", code, s.Log())
	}
}

func TestWorkerTimeoutNamesStuckFunction(t *testing.T) {
	s := start(t, "--timeout", "2", "lifecycle:app")
	master := s.cmd.Process.Pid
	stuck := waitWorkers(t, s, master, 1)[0]
	go func() {
		c := &http.Client{Timeout: 30 * time.Second}
		if resp, err := c.Get(s.URL("/spin")); err == nil {
			resp.Body.Close()
		}
	}()
	s.waitLog(t, fmt.Sprintf(`\[CRITICAL\] WORKER TIMEOUT \(pid:%d\)`, stuck))
	s.waitLog(t, `(?s)aborted by its master.*in spin_forever`)
	waitFor(t, "a replacement worker", func() bool {
		kids := children(master)
		return len(kids) == 1 && kids[0] != stuck
	})
	if pid := pidOf(t, s); pid == stuck {
		t.Fatal("stuck worker still answering")
	}
	if !strings.Contains(s.Log(), fmt.Sprintf("Worker (pid:%d) exited with code 1.", stuck)) &&
		!strings.Contains(s.Log(), fmt.Sprintf("Worker (pid:%d) was sent SIGKILL!", stuck)) {
		t.Errorf("no exit logged for %d:\n%s", stuck, s.Log())
	}
}

func TestMaxRequestsRecycles(t *testing.T) {
	s := start(t, "--max-requests", "50", "lifecycle:app")
	pids := map[int]int{}
	for i := 0; i < 120; i++ {
		pids[pidOf(t, s)]++
	}
	if len(pids) < 3 {
		t.Errorf("120 requests with --max-requests 50 were served by %d workers: %v", len(pids), pids)
	}
	// The 50th response closes the connection and the worker stops
	// accepting; the client's next connection may already wait in the
	// backlog, which the retiring worker serves rather than reset.
	for pid, n := range pids {
		if n > 52 {
			t.Errorf("worker %d served %d requests", pid, n)
		}
	}
	if !strings.Contains(s.Log(), "Autorestarting worker after current request.") {
		t.Errorf("no autorestart logged:\n%s", s.Log())
	}
}

func TestAppImportErrorHaltsWithoutLoop(t *testing.T) {
	s, _ := startErr(t, "-w", "2", "broken_import:app")
	if code := s.exitCode(t); code != 4 {
		t.Fatalf("exit %d, want 4\n%s", code, s.Log())
	}
	log := s.Log()
	for _, want := range []string{"Reason: App failed to load.", "Shutting down: Master", "ModuleNotFoundError"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "Booting worker"); n > 2 {
		t.Errorf("%d workers booted: a crash loop\n%s", n, log)
	}
	if kids := children(s.cmd.Process.Pid); len(kids) != 0 {
		t.Errorf("left running: %v", kids)
	}
}

func TestUnixSocketWithPythonClient(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "narwhal.sock")
	s := start(t, "-b", "unix:"+sock, "--umask", "0o077", "lifecycle:app")
	// --umask shapes the socket file's mode, as in gunicorn.
	if st, err := os.Stat(sock); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("socket mode %v (%v), want 0700 from --umask 0o077", st.Mode().Perm(), err)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `
import http.client, socket, sys
class UnixConn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sys.argv[1])
c = UnixConn("localhost")
c.request("GET", "/pid")
r = c.getresponse()
print(r.status, r.read().decode())
`, sock).CombinedOutput()
	if err != nil {
		t.Fatalf("python client: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`^200 \d+\n$`).Match(out) {
		t.Errorf("python client got %q", out)
	}
	s.Stop()
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket file left after TERM: %v", err)
	}
}
