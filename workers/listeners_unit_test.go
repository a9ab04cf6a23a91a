package workers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

func TestUnitSystemdFDs(t *testing.T) {
	for _, tc := range []struct {
		pid, fds string
		want     int
	}{
		{strconv.Itoa(os.Getpid()), "2", 2},
		{strconv.Itoa(os.Getpid()), "0", 0},
		{strconv.Itoa(os.Getpid()), "x", 0},
		{strconv.Itoa(os.Getppid()), "2", 0}, // meant for another process
		{"", "2", 0},
	} {
		t.Setenv("LISTEN_PID", tc.pid)
		t.Setenv("LISTEN_FDS", tc.fds)
		t.Setenv("LISTEN_FDNAMES", "a:b")
		if got := systemdFDs(); got != tc.want {
			t.Errorf("LISTEN_PID=%s LISTEN_FDS=%s: systemdFDs() = %d, want %d", tc.pid, tc.fds, got, tc.want)
		}
		for _, k := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
			if _, ok := os.LookupEnv(k); ok {
				t.Errorf("systemdFDs left %s", k)
			}
		}
	}
}

func TestUnitUnwrapSyscall(t *testing.T) {
	inner := &os.SyscallError{Syscall: "bind", Err: syscall.EADDRINUSE}
	wrapped := fmt.Errorf("bind %q: %w", "x", fmt.Errorf("listen: %w", inner))
	if got := unwrapSyscall(wrapped); got != syscall.EADDRINUSE {
		t.Errorf("unwrapSyscall = %#v", got)
	}
	plain := errors.New("plain")
	if got := unwrapSyscall(plain); got != plain {
		t.Errorf("unwrapSyscall(plain) = %v", got)
	}
}

func TestUnitStartedBinary(t *testing.T) {
	for _, tc := range []struct{ argv0, cwd, want string }{
		{"/usr/local/bin/narwhal", "/srv", "/usr/local/bin/narwhal"},
		{"./narwhal", "/srv/app", "/srv/app/narwhal"},
		{"bin/narwhal", "/srv/app", "/srv/app/bin/narwhal"},
		{"../bin/narwhal", "/srv/app", "/srv/bin/narwhal"},
	} {
		got, err := startedBinary(tc.argv0, tc.cwd)
		if err != nil || got != tc.want {
			t.Errorf("startedBinary(%q, %q) = %q, %v; want %q", tc.argv0, tc.cwd, got, err, tc.want)
		}
	}

	// A bare name is looked up in PATH.
	dir := t.TempDir()
	bin := filepath.Join(dir, "narwhal-unit-bin")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	if got, err := startedBinary("narwhal-unit-bin", "/"); err != nil || got != bin {
		t.Errorf("startedBinary(bare name) = %q, %v; want %q", got, err, bin)
	}
	// Not found: this executable.
	self, _ := os.Executable()
	if got, err := startedBinary("narwhal-unit-missing", "/"); err != nil || got != self {
		t.Errorf("startedBinary(missing) = %q, %v; want %q", got, err, self)
	}
}
