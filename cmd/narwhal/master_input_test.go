package main

import (
	"fmt"
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

	"golang.org/x/sys/unix"
)

// failsCleanly starts narwhal with args, expects it to exit with code and a
// log line matching pattern, and no process left behind.
func failsCleanly(t *testing.T, code int, pattern string, args ...string) string {
	t.Helper()
	s, _ := startErr(t, args...)
	if got := s.exitCode(t); got != code {
		t.Fatalf("exit %d, want %d\n%s", got, code, s.Log())
	}
	if !regexp.MustCompile(pattern).MatchString(s.Log()) {
		t.Errorf("log does not match %q:\n%s", pattern, s.Log())
	}
	if strings.Contains(s.Log(), "Booting worker") {
		t.Errorf("a worker started:\n%s", s.Log())
	}
	return s.Log()
}

func TestBadStartInput(t *testing.T) {
	t.Run("unbindable address", func(t *testing.T) {
		failsCleanly(t, 1, `\[ERROR\] Can't connect to 256\.1\.1\.1:80: `, "-b", "256.1.1.1:80", "lifecycle:app")
	})
	t.Run("address in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		log := failsCleanly(t, 1, `Can't connect to `+regexp.QuoteMeta(ln.Addr().String())+`: address already in use`,
			"-b", ln.Addr().String(), "lifecycle:app")
		if n := strings.Count(log, "Connection in use"); n != 4 {
			t.Errorf("%d retries logged, want gunicorn's 4", n)
		}
	})
	t.Run("pidfile directory missing", func(t *testing.T) {
		failsCleanly(t, 1, `pidfile /nonexistent/dir/n\.pid: /nonexistent/dir doesn't exist`, "--pid", "/nonexistent/dir/n.pid", "lifecycle:app")
	})
	t.Run("pidfile of a live process", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "n.pid")
		os.WriteFile(p, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
		failsCleanly(t, 1, fmt.Sprintf(`already running on PID %d`, os.Getpid()), "--pid", p, "lifecycle:app")
		if readPid(p) != os.Getpid() {
			t.Error("another process's pidfile was touched")
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		s, _ := startErr(t, "-u", "no-such-user-narwhal", "lifecycle:app")
		if code := s.exitCode(t); code == 0 {
			t.Fatalf("exit 0\n%s", s.Log())
		}
		if !strings.Contains(s.Log(), "no-such-user-narwhal") {
			t.Errorf("message does not name the user:\n%s", s.Log())
		}
	})
	t.Run("worker tmp dir missing", func(t *testing.T) {
		failsCleanly(t, 1, `worker_tmp_dir: /nonexistent/tmp doesn't exist`, "--worker-tmp-dir", "/nonexistent/tmp", "lifecycle:app")
	})
}

func TestWorkersRunAsUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	// The app directory must be readable by nobody: t.TempDir's parent is not.
	dir, err := os.MkdirTemp("", "narwhal-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	src, _ := os.ReadFile(filepath.Join(appsDir(), "lifecycle.py"))
	os.WriteFile(filepath.Join(dir, "lifecycle.py"), src, 0o644)
	s := start(t, "-u", "nobody", "-g", "nogroup", "--chdir", dir, "lifecycle:app")
	pid := pidOf(t, s)
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	uid := regexp.MustCompile(`(?m)^Uid:\s+(\d+)`).FindStringSubmatch(string(st))
	groups := regexp.MustCompile(`(?m)^Groups:[ \t]*(.*)$`).FindStringSubmatch(string(st))
	if uid == nil || uid[1] != "65534" {
		t.Errorf("worker uid %v, want nobody (65534)", uid)
	}
	if groups != nil && strings.TrimSpace(groups[1]) != "" {
		t.Errorf("worker kept supplementary groups %q", groups[1])
	}
	if st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid)); !regexp.MustCompile(`(?m)^Uid:\s+0\s`).Match(st) {
		t.Error("master does not run as root any more")
	}
}

func TestUSR1ReopensLogs(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "error.log")
	s := start(t, "--error-logfile", logPath, "lifecycle:app")
	waitFor(t, "workers in the log file", func() bool {
		b, _ := os.ReadFile(logPath)
		return strings.Contains(string(b), "Booting worker")
	})
	os.Rename(logPath, logPath+".1")
	s.cmd.Process.Signal(syscall.SIGUSR1)
	waitFor(t, "a new error.log", func() bool { _, err := os.Stat(logPath); return err == nil })
	master := s.cmd.Process.Pid
	worker := children(master)[0]
	// The workers reopen too: their exit lines go to the new file.
	waitFor(t, "the worker holding the new file", func() bool { return holds(worker, logPath) })
	s.Stop()
	b, _ := os.ReadFile(logPath)
	for _, want := range []string{fmt.Sprintf("[%d] [INFO] Worker exiting (pid: %d)", worker, worker), fmt.Sprintf("[%d] [INFO] Shutting down: Master", master)} {
		if !strings.Contains(string(b), want) {
			t.Errorf("reopened file lacks %q:\n%s", want, b)
		}
	}
	if old, _ := os.ReadFile(logPath + ".1"); !strings.Contains(string(old), "Listening at") {
		t.Errorf("rotated file lost its lines:\n%s", old)
	}
}

func TestDaemonDetachesAndServes(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "d.pid")
	logPath := filepath.Join(dir, "error.log")
	cmd := exec.Command(binary, "-D", "--pid", pidfile, "--error-logfile", logPath,
		"-b", "127.0.0.1:0", "--pythonpath", appsDir(), "lifecycle:app")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("narwhal -D: %v\n%s", err, out)
	}
	var daemon int
	waitFor(t, "the daemon's pidfile", func() bool { daemon = readPid(pidfile); return daemon != 0 })
	t.Cleanup(func() { stopPid(daemon) })
	if daemon == cmd.Process.Pid {
		t.Fatal("the launching process is the daemon")
	}
	if sid, _ := unix.Getsid(daemon); sid != daemon {
		t.Errorf("daemon session %d, want its own (%d)", sid, daemon)
	}
	var addr string
	waitFor(t, "the daemon's address", func() bool {
		b, _ := os.ReadFile(logPath)
		if m := listeningRe.FindStringSubmatch(string(b)); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	s := &server{Addr: addr}
	if pid := pidOf(t, s); ppid(pid) != daemon {
		t.Errorf("served by %d, not a worker of the daemon %d", pid, daemon)
	}
	// WINCH stops a daemon's workers (gunicorn), HUP brings them back.
	syscall.Kill(daemon, syscall.SIGWINCH)
	waitFor(t, "no workers after WINCH", func() bool { return len(children(daemon)) == 0 })
	syscall.Kill(daemon, syscall.SIGHUP)
	waitFor(t, "workers after HUP", func() bool { return len(children(daemon)) == 1 })
	pidOf(t, s)
	stopPid(daemon)
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Errorf("pidfile left after TERM: %v", err)
	}
}

func TestSystemdSocketActivation(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	ln.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// LISTEN_PID must be narwhal's own pid: the shell execs it in place.
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`,
		binary, "--pythonpath", appsDir(), "-b", "127.0.0.1:1", "lifecycle:app")
	cmd.ExtraFiles = []*os.File{f}
	s := &server{t: t, cmd: cmd, done: make(chan struct{})}
	pr, pw, _ := os.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	go func() { s.err = cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Stop)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := pr.Read(buf)
			s.mu.Lock()
			s.log.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	s.Addr = ln.Addr().String()
	s.waitLog(t, `Listening at: http://`+regexp.QuoteMeta(s.Addr))
	if pid := pidOf(t, s); ppid(pid) != cmd.Process.Pid {
		t.Errorf("served by %d, not a worker of %d", pid, cmd.Process.Pid)
	}
	if strings.Contains(s.Log(), "127.0.0.1:1") {
		t.Errorf("bound --bind despite socket activation:\n%s", s.Log())
	}
}

func TestReusePortLetsTwoServersShareAPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	a := start(t, "--reuse-port", "-b", addr, "lifecycle:app")
	b := start(t, "--reuse-port", "-b", addr, "lifecycle:app")
	// A new connection each time: the kernel spreads connections, not requests.
	seen := map[int]bool{}
	deadline := time.Now().Add(20 * time.Second)
	for len(seen) < 2 && time.Now().Before(deadline) {
		resp := raw(t, addr, "GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		m := regexp.MustCompile(`X-Pid: (\d+)`).FindStringSubmatch(resp)
		if m == nil {
			t.Fatalf("response %q: no X-Pid", resp)
		}
		pid, _ := strconv.Atoi(m[1])
		if ppid(pid) == 0 {
			t.Fatalf("response %q: not a live worker's pid", resp)
		}
		seen[ppid(pid)] = true
	}
	if !seen[a.cmd.Process.Pid] || !seen[b.cmd.Process.Pid] {
		t.Errorf("masters serving: %v, want both %d and %d", seen, a.cmd.Process.Pid, b.cmd.Process.Pid)
	}
}

// holds reports whether process pid has path itself (not a file renamed
// away from it) open.
func holds(pid int, path string) bool {
	want, err := os.Stat(path)
	if err != nil {
		return false
	}
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, fd := range fds {
		if st, err := os.Stat(fd); err == nil && os.SameFile(st, want) {
			return true
		}
	}
	return false
}
