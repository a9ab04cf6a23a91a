package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitFile polls path until it contains want.
func waitFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(path); strings.Contains(string(b), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("%s never contained %q:\n%s", path, want, b)
}

// TestCaptureOutput: with --capture-output the app's stdout and stderr go to
// the error log file (gunicorn 23 glogging: dup2 of the errorlog onto fds 1
// and 2), and follow it when USR1 reopens it. Without the flag, stdout stays
// the process's. PYTHONUNBUFFERED is cleared, so stdout is block-buffered
// as under a default gunicorn and print() reaches the file when the worker
// exits and flushes it, as gunicorn's does.
func TestCaptureOutput(t *testing.T) {
	t.Setenv("PYTHONUNBUFFERED", "")
	t.Run("captured", func(t *testing.T) {
		logFile := filepath.Join(t.TempDir(), "error.log")
		s, err := startErr(t, "--capture-output", "--error-logfile", logFile, "printer:app")
		if err != nil {
			skipIfRefused(t, s, "capture_output")
			t.Fatalf("narwhal: %v\n%s", err, s.Log())
		}
		if code, body := get(t, s.URL("/")); code != 200 || body != "printed\n" {
			t.Fatalf("got %d %q", code, body)
		}
		// Line-buffered sys.stderr and raw fd 2 arrive at once.
		waitFile(t, logFile, "printer-stderr-marker\n")
		waitFile(t, logFile, "printer-fd2-marker\n")

		// USR1 (logrotate): fds 1 and 2 move to the new file too.
		if err := os.Rename(logFile, logFile+".1"); err != nil {
			t.Fatal(err)
		}
		s.cmd.Process.Signal(syscall.SIGUSR1)
		deadline := time.Now().Add(20 * time.Second)
		for {
			get(t, s.URL("/"))
			if b, _ := os.ReadFile(logFile); strings.Contains(string(b), "printer-fd2-marker") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("fd 2 never followed the reopened error log:\n%s", s.Log())
			}
			time.Sleep(50 * time.Millisecond)
		}
		s.Stop()
		// The buffered print()s are flushed at exit, into the current file.
		waitFile(t, logFile, "printer-stdout-marker\n")
		if log := s.Log(); strings.Contains(log, "printer-") {
			t.Errorf("app output reached the terminal:\n%s", log)
		}
	})
	t.Run("not captured", func(t *testing.T) {
		logFile := filepath.Join(t.TempDir(), "error.log")
		s := start(t, "--error-logfile", logFile, "printer:app")
		if code, body := get(t, s.URL("/")); code != 200 || body != "printed\n" {
			t.Fatalf("got %d %q", code, body)
		}
		s.Stop()
		b, _ := os.ReadFile(logFile)
		for _, m := range []string{"printer-stdout-marker", "printer-fd2-marker"} {
			if strings.Contains(string(b), m) {
				t.Errorf("%s reached the error log without --capture-output:\n%s", m, b)
			}
			if !strings.Contains(s.Log(), m) {
				t.Errorf("%s did not reach the terminal:\n%s", m, s.Log())
			}
		}
		// Not checked: print(file=sys.stderr). gunicorn leaves it on fd 2;
		// narwhal's worker points Python's sys.stderr at the error log
		// (workers.worker.errorFD) with or without --capture-output.
	})
}
