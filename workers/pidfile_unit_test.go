package workers

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// utDeadPid finds a pid that names no process (kill(pid, 0) gives ESRCH).
func utDeadPid(t *testing.T) int {
	t.Helper()
	max := 32768
	if b, err := os.ReadFile("/proc/sys/kernel/pid_max"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 1 {
			max = n
		}
	}
	for pid := max - 1; pid > 1 && pid > max-100000; pid-- {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return pid
		}
	}
	t.Skip("no free pid found")
	return 0
}

// utDirNames lists a directory's entries.
func utDirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func utReadFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUnitPidfileCreateWritesPidAtomically(t *testing.T) {
	// A restrictive umask must not change the pidfile's 0644.
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)

	dir := t.TempDir()
	path := filepath.Join(dir, "app.pid")
	pid := os.Getpid()
	p, err := CreatePidfile(path, pid)
	if err != nil {
		t.Fatal(err)
	}
	if p == nil {
		t.Fatal("CreatePidfile returned nil without an error")
	}
	if got, want := utReadFile(t, path), strconv.Itoa(pid)+"\n"; got != want {
		t.Errorf("pidfile holds %q, want %q", got, want)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm() != 0o644 {
		t.Errorf("pidfile mode %v, want -rw-r--r--", st.Mode())
	}
	if names := utDirNames(t, dir); len(names) != 1 || names[0] != "app.pid" {
		t.Errorf("directory holds %q, want only app.pid (no temp files left)", names)
	}
}

func TestUnitPidfileCreateOverwritesOwnPid(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.pid")
	pid := os.Getpid()
	if err := os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := CreatePidfile(path, pid); err != nil {
		t.Fatalf("a pidfile holding our own pid must be accepted: %v", err)
	}
	if got := utReadFile(t, path); got != strconv.Itoa(pid)+"\n" {
		t.Errorf("pidfile holds %q", got)
	}
}

func TestUnitPidfileRefusesLiveOtherProcess(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.pid")
	live := os.Getpid() // a live process that is not the one asking
	content := strconv.Itoa(live) + "\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	other := utDeadPid(t)
	p, err := CreatePidfile(path, other)
	if err == nil {
		t.Fatalf("CreatePidfile over live pid %d succeeded (%+v)", live, p)
	}
	if p != nil {
		t.Errorf("CreatePidfile returned a Pidfile with its error")
	}
	for _, want := range []string{path, "already running on PID " + strconv.Itoa(live)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if got := utReadFile(t, path); got != content {
		t.Errorf("refused pidfile was changed to %q", got)
	}
	if names := utDirNames(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q after a refusal", names)
	}
}

func TestUnitPidfileAcceptsStaleAndGarbage(t *testing.T) {
	dead := utDeadPid(t)
	for name, content := range map[string]string{
		"stale pid": strconv.Itoa(dead) + "\n",
		"garbage":   "not a pid\n",
		"empty":     "",
		"zero":      "0\n",
		"negative":  "-1\n", // kill(-1, 0) would signal everything: must not count as live
		"no eol":    strconv.Itoa(dead),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.pid")
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			pid := os.Getpid()
			if _, err := CreatePidfile(path, pid); err != nil {
				t.Fatalf("pidfile holding %q refused: %v", content, err)
			}
			if got := utReadFile(t, path); got != strconv.Itoa(pid)+"\n" {
				t.Errorf("pidfile holds %q", got)
			}
		})
	}
}

func TestUnitPidfileUnlink(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.pid")
	p, err := CreatePidfile(path, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	p.Unlink()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Unlink left the pidfile: %v", err)
	}
	p.Unlink() // already gone: no panic, nothing created
	if names := utDirNames(t, dir); len(names) != 0 {
		t.Errorf("directory holds %q", names)
	}
}

func TestUnitPidfileUnlinkKeepsAnotherPid(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.pid")
	p, err := CreatePidfile(path, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Another master took the pidfile over.
	other := strconv.Itoa(os.Getppid()) + "\n"
	if err := os.WriteFile(path, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	p.Unlink()
	if got := utReadFile(t, path); got != other {
		t.Errorf("Unlink changed another process's pidfile to %q", got)
	}
}

func TestUnitPidfileUnlinkNil(t *testing.T) {
	var p *Pidfile
	p.Unlink() // must not panic
}

func TestUnitPidfileRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.pid")
	path2 := path + ".2"
	pid := os.Getpid()
	p, err := CreatePidfile(path2, pid)
	if err != nil {
		t.Fatal(err)
	}
	// The old master's pidfile is still there (it exited without removing
	// it): Rename replaces it.
	if err := os.WriteFile(path, []byte(strconv.Itoa(utDeadPid(t))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.Rename(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path2); !os.IsNotExist(err) {
		t.Errorf("Rename left %s: %v", path2, err)
	}
	if got := utReadFile(t, path); got != strconv.Itoa(pid)+"\n" {
		t.Errorf("renamed pidfile holds %q", got)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("renamed pidfile: %v, %v", st, err)
	}
	if names := utDirNames(t, dir); len(names) != 1 || names[0] != "app.pid" {
		t.Errorf("directory holds %q, want only app.pid", names)
	}
	// The Pidfile now manages the new path.
	p.Unlink()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Unlink after Rename left %s", path)
	}
}

func TestUnitPidfileMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	path := filepath.Join(dir, "app.pid")
	_, err := CreatePidfile(path, os.Getpid())
	if err == nil {
		t.Fatal("CreatePidfile in a missing directory succeeded")
	}
	if !strings.Contains(err.Error(), dir+" doesn't exist") {
		t.Errorf("error %q does not name the directory %s", err, dir)
	}
}

func TestUnitPidfileDirectoryIsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := CreatePidfile(filepath.Join(file, "app.pid"), os.Getpid())
	if err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("CreatePidfile under a regular file: %v", err)
	}
}
