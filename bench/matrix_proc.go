package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// served is one server process group serving one app for the matrix. The
// server is started as the leader of a new process group, so its workers
// (which inherit the group) are measured and stopped together.
type served struct {
	Server Server
	App    App
	Loads  []Load // the loads this process group serves
	Addr   string
	cmd    *exec.Cmd
	exited chan struct{}
	log    string
}

// startServed starts s serving a for loads on a free loopback port; it
// does not wait for it to answer (see ready).
func startServed(e *MatrixEnv, s Server, a App, loads []Load, logDir string) (*served, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := s.Args(e, a, loads[0], addr)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = e.Apps
	cmd.Env = append(os.Environ(), "PYTHONPATH="+e.Apps, "PYTHONDONTWRITEBYTECODE=1")
	// Pdeathsig: a killed test binary takes its servers down with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	logPath := filepath.Join(logDir, s.Name+"-"+a.Name+"-"+loads[0].Name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	sv := &served{Server: s, App: a, Loads: loads, Addr: addr, cmd: cmd, exited: make(chan struct{}), log: logPath}
	go func() { cmd.Wait(); close(sv.exited) }()
	return sv, nil
}

// freeAddr asks the kernel for a free loopback port. Servers without a
// "port 0 and tell me" mode need one chosen for them; the port is free
// again a moment later, and nothing else on loopback races for it here.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// stop kills the whole process group (the server and all its workers) and
// reaps the leader.
func (sv *served) stop() {
	syscall.Kill(-sv.cmd.Process.Pid, syscall.SIGKILL)
	<-sv.exited
}

// ready polls the app's check until it passes, the server exits, or the
// timeout passes; the error says which, with the end of the server's log.
// One check may take the whole timeout: servers that bind before their
// workers have imported the app (narwhal, uWSGI) hold the first request
// until a worker is ready, which takes a while when ten servers import
// Django at once on a small machine.
func (sv *served) ready(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if last = sv.check(ctx); last == nil {
			return nil
		}
		select {
		case <-sv.exited:
			return fmt.Errorf("exited: %v\n%s", last, sv.logTail())
		case <-ctx.Done():
			return fmt.Errorf("not ready after %v: %v\n%s", timeout, last, sv.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// check sends the app's check request on a fresh keep-alive connection,
// as the loads do, and verifies the status and the body.
func (sv *served) check(ctx context.Context) error {
	method := sv.App.Method
	if method == "" {
		method = "GET"
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+sv.Addr+"/", bytes.NewReader(sv.App.Body))
	if err != nil {
		return err
	}
	if sv.App.Body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := http.Client{Transport: tr} // ctx bounds it
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d, body %.200q", resp.StatusCode, body)
	}
	return sv.App.Check(body)
}

func (sv *served) logTail() string {
	b, _ := os.ReadFile(sv.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}
