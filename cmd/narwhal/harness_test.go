package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the real narwhal, built once for the whole test run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "narwhal-test-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "narwhal")
	cmd := exec.Command("go", "build", "-o", binary, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building narwhal:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// appsDir holds the WSGI apps the integration tests serve.
func appsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "apps")
}

// server is a running narwhal process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	Addr string // host:port it listens on, or unix:PATH
	mu   sync.Mutex
	log  bytes.Buffer
	done chan struct{}
	err  error
	// readDone closes when every holder of the output pipe has exited.
	readDone chan struct{}
}

var listeningRe = regexp.MustCompile(`Listening at: (?:http://)?([^\s,]+)`)

// start runs narwhal with args (a -b 127.0.0.1:0 is added unless args bind)
// and waits until it listens.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	s, err := startErr(t, args...)
	if err != nil {
		t.Fatalf("narwhal %v: %v\n%s", args, err, s.Log())
	}
	return s
}

func startErr(t *testing.T, args ...string) (*server, error) {
	t.Helper()
	return startBinary(t, binary, args...)
}

// startBinary starts any gunicorn-compatible server binary (narwhal, or
// Debian's gunicorn for parity tests) with the same conventions.
func startBinary(t *testing.T, bin string, args ...string) (*server, error) {
	t.Helper()
	bound := false
	for _, a := range args {
		if a == "-b" || strings.HasPrefix(a, "--bind") {
			bound = true
		}
	}
	if !bound {
		args = append([]string{"-b", "127.0.0.1:0"}, args...)
	}
	args = append([]string{"--pythonpath", appsDir()}, args...)
	return launch(t, bin, t.TempDir(), args...)
}

// launch starts bin in dir with exactly args and waits until it listens
// (on stdout, stderr or its --error-logfile) and accepts.
func launch(t *testing.T, bin, dir string, args ...string) (*server, error) {
	t.Helper()
	s := &server{t: t, done: make(chan struct{}), readDone: make(chan struct{})}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Dir = dir
	s.cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	// An *os.File, not an io.Writer: Wait must return when narwhal exits,
	// even while a process it started (a USR2 master) still holds the pipe.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = pw
	s.cmd.Stdout = pw
	err = s.cmd.Start()
	pw.Close()
	if err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		defer close(s.readDone)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log.WriteString(line + "\n")
			s.mu.Unlock()
			if m := listeningRe.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	if logFile := errorLogFile(args); logFile != "" {
		// Logging to a file: the address is announced there.
		go func() {
			for {
				b, _ := os.ReadFile(logFile)
				if m := listeningRe.FindSubmatch(b); m != nil {
					addr <- string(m[1])
					return
				}
				select {
				case <-s.done:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
	}
	t.Cleanup(func() { s.Stop() })
	select {
	case a := <-addr:
		s.Addr = a
		if err := s.waitReady(); err != nil {
			return s, err
		}
		return s, nil
	case <-s.done:
		return s, fmt.Errorf("exited before listening: %v", s.err)
	case <-time.After(30 * time.Second):
		return s, fmt.Errorf("not listening after 30s")
	}
}

// errorLogFile is the --error-logfile argument, "" when logging to stderr.
func errorLogFile(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--error-logfile="); ok {
			return v
		}
		if (a == "--error-logfile" || a == "--log-file") && i+1 < len(args) && args[i+1] != "-" {
			return args[i+1]
		}
	}
	return ""
}

// waitReady polls until the app answers (the worker has booted).
func (s *server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		network, addr := "tcp", s.Addr
		if path, ok := strings.CutPrefix(s.Addr, "unix:"); ok {
			network, addr = "unix", path
		}
		c, err := net.DialTimeout(network, addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("exited: %v", s.err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("no connection accepted")
}

// Log returns everything the server printed so far.
func (s *server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// waitLog polls the log for a pattern.
func (s *server) waitLog(t *testing.T, pattern string) {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if re.MatchString(s.Log()) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("log never matched %q:\n%s", pattern, s.Log())
}

// Stop sends TERM and waits for exit (KILL after 10 s).
func (s *server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.drainLog()
}

// drainLog waits briefly for the output the process wrote before exiting.
// Only briefly: a process it started (a USR2 master) may hold the pipe on.
func (s *server) drainLog() {
	if s.readDone == nil {
		return
	}
	select {
	case <-s.readDone:
	case <-time.After(2 * time.Second):
	}
}

// exitCode waits for the process to exit on its own and returns its code.
func (s *server) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("still running:\n%s", s.Log())
	}
	s.drainLog()
	if s.err == nil {
		return 0
	}
	if ee, ok := s.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	t.Fatalf("wait: %v", s.err)
	return -1
}

// URL returns http://addr + path.
func (s *server) URL(path string) string { return "http://" + s.Addr + path }

// get fetches a path with a fresh client and returns status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	// A new connection each time: a kept-alive one may belong to a worker
	// a test has just stopped.
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// raw sends bytes on a new connection and returns everything read until
// the server closes it or the deadline passes.
func raw(t *testing.T, addr, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, req)
	b, _ := io.ReadAll(c)
	return string(b)
}
