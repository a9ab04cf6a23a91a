package workers

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// utLogLine is one gunicorn error-log line.
var utLogLine = regexp.MustCompile(`^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4})\] \[(\d+)\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] (.*)$`)

// utLogLines splits a log's content into lines, checking each against
// gunicorn's format, and returns "LEVEL msg" for each.
func utLogLines(t *testing.T, content string) []string {
	t.Helper()
	if content == "" {
		return nil
	}
	if !strings.HasSuffix(content, "\n") {
		t.Errorf("log does not end with a newline: %q", content)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(content, "\n"), "\n") {
		m := utLogLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line %q is not in gunicorn's format", line)
			continue
		}
		if m[2] != strconv.Itoa(os.Getpid()) {
			t.Errorf("line %q: pid %s, want %d", line, m[2], os.Getpid())
		}
		out = append(out, m[3]+" "+m[4])
	}
	return out
}

func utLogAll(l *Logger) {
	l.Debugf("d %d", 1)
	l.Infof("i %s", "x")
	l.Warnf("w")
	l.Errorf("e %q", "q")
	l.Criticalf("c")
}

func TestUnitOpenLoggerStderr(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, path := range []string{"-", ""} {
		l, err := OpenLogger(path, "info")
		if err != nil {
			t.Fatal(err)
		}
		if l.Path() != "" || l.f != nil || l.w != os.Stderr {
			t.Errorf("OpenLogger(%q): path %q, f %v, w %v; want stderr", path, l.Path(), l.f, l.w)
		}
		if err := l.Reopen(); err != nil {
			t.Errorf("Reopen on stderr: %v", err)
		}
		if l.f != nil || l.w != os.Stderr {
			t.Errorf("Reopen on stderr changed the destination")
		}
	}
	if names := utDirNames(t, dir); len(names) != 0 {
		t.Errorf("OpenLogger(-) created %q", names)
	}
}

func TestUnitOpenLoggerFormatAndAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	if err := os.WriteFile(path, []byte("before\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := OpenLogger(path, "info")
	if err != nil {
		t.Fatal(err)
	}
	if l.Path() != path {
		t.Errorf("Path() = %q", l.Path())
	}
	l.Infof("Booting worker with pid: %d", 42)
	content := utReadFile(t, path)
	rest, ok := strings.CutPrefix(content, "before\n")
	if !ok {
		t.Fatalf("existing content was not kept: %q", content)
	}
	got := utLogLines(t, rest)
	if want := []string{"INFO Booting worker with pid: 42"}; !utEqualStrings(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
}

func utEqualStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestUnitOpenLoggerCreatesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.log")
	l, err := OpenLogger(path, "debug")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("OpenLogger did not create %s: %v", path, err)
	}
	fd := int(l.f.Fd())
	if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("log fd %d flags %#x, %v: want close-on-exec", fd, flags, err)
	}
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err != nil || fl&unix.O_APPEND == 0 {
		t.Errorf("log fd %d status flags %#x, %v: want O_APPEND", fd, fl, err)
	}
}

func TestUnitOpenLoggerMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "error.log")
	l, err := OpenLogger(path, "info")
	if err == nil {
		t.Fatalf("OpenLogger in a missing directory = %+v", l)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
}

func TestUnitLoggerLevels(t *testing.T) {
	for level, want := range map[string][]string{
		"debug":    {"DEBUG d 1", "INFO i x", "WARNING w", `ERROR e "q"`, "CRITICAL c"},
		"info":     {"INFO i x", "WARNING w", `ERROR e "q"`, "CRITICAL c"},
		"warning":  {"WARNING w", `ERROR e "q"`, "CRITICAL c"},
		"error":    {`ERROR e "q"`, "CRITICAL c"},
		"critical": {"CRITICAL c"},
		"bogus":    {"INFO i x", "WARNING w", `ERROR e "q"`, "CRITICAL c"}, // unknown: info
		"":         {"INFO i x", "WARNING w", `ERROR e "q"`, "CRITICAL c"},
	} {
		t.Run(level, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "error.log")
			l, err := OpenLogger(path, level)
			if err != nil {
				t.Fatal(err)
			}
			utLogAll(l)
			if got := utLogLines(t, utReadFile(t, path)); !utEqualStrings(got, want) {
				t.Errorf("at %q: %q, want %q", level, got, want)
			}
		})
	}
}

func TestUnitNewLogger(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(&buf, false)
	utLogAll(l)
	if got := utLogLines(t, buf.String()); len(got) != 4 || got[0] != "INFO i x" {
		t.Errorf("NewLogger(debug=false): %q", got)
	}
	buf.Reset()
	l = NewLogger(&buf, true)
	utLogAll(l)
	if got := utLogLines(t, buf.String()); len(got) != 5 || got[0] != "DEBUG d 1" {
		t.Errorf("NewLogger(debug=true): %q", got)
	}
	if l.Path() != "" {
		t.Errorf("Path() = %q for a writer", l.Path())
	}
	if err := l.Reopen(); err != nil {
		t.Errorf("Reopen on a writer: %v", err)
	}
	if l := NewLogger(nil, false); l.w != os.Stderr {
		t.Errorf("NewLogger(nil) writes to %v, want stderr", l.w)
	}
}

func TestUnitLoggerWriteRaw(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	l, err := OpenLogger(path, "info")
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte("Traceback (most recent call last):\n  File \"x\"\x00\xff no newline")
	n, err := l.Write(raw)
	if err != nil || n != len(raw) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got := utReadFile(t, path); got != string(raw) {
		t.Errorf("file holds %q, want the raw bytes %q", got, raw)
	}
	var buf bytes.Buffer
	if _, err := NewLogger(&buf, false).Write([]byte("x%sy")); err != nil || buf.String() != "x%sy" {
		t.Errorf("Write on a writer: %q, %v", buf.String(), err)
	}
}

func TestUnitLoggerReopenKeepsFdNumber(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "error.log")
	rotated := path + ".1"
	l, err := OpenLogger(path, "info")
	if err != nil {
		t.Fatal(err)
	}
	fd := int(l.f.Fd()) // what Python's sys.stderr would hold
	l.Infof("one")
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	l.Infof("two") // still the rotated file, until USR1
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	if got := int(l.f.Fd()); got != fd {
		t.Errorf("Reopen moved the log to fd %d, want %d kept", got, fd)
	}
	l.Infof("three")
	if _, err := syscall.Write(fd, []byte("raw through the fd number\n")); err != nil {
		t.Fatalf("write to fd %d: %v", fd, err)
	}
	l.Write([]byte("raw through Write\n"))

	old := utReadFile(t, rotated)
	if got := utLogLines(t, old); !utEqualStrings(got, []string{"INFO one", "INFO two"}) {
		t.Errorf("rotated file: %q", old)
	}
	cur := utReadFile(t, path)
	want := "raw through the fd number\nraw through Write\n"
	body, ok := strings.CutSuffix(cur, want)
	if !ok {
		t.Fatalf("new file %q does not end with the raw writes %q", cur, want)
	}
	if got := utLogLines(t, body); !utEqualStrings(got, []string{"INFO three"}) {
		t.Errorf("new file: %q", cur)
	}

	// The descriptor is still close-on-exec and appending after dup3.
	if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("fd %d after Reopen: flags %#x, %v; want close-on-exec", fd, flags, err)
	}
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err != nil || fl&unix.O_APPEND == 0 {
		t.Errorf("fd %d after Reopen: status %#x, %v; want O_APPEND", fd, fl, err)
	}

	// A second rotation works the same way.
	if err := os.Rename(path, path+".2"); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	syscall.Write(fd, []byte("again\n"))
	if got := utReadFile(t, path); got != "again\n" {
		t.Errorf("after a second Reopen the file holds %q", got)
	}
	// Only the live file and the two rotated ones are there.
	if names := utDirNames(t, dir); len(names) != 3 {
		t.Errorf("directory: %q", names)
	}
}

func TestUnitLoggerReopenNoLeak(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	l, err := OpenLogger(path, "info")
	if err != nil {
		t.Fatal(err)
	}
	before := utCountFDs(t)
	for i := 0; i < 20; i++ {
		if err := l.Reopen(); err != nil {
			t.Fatal(err)
		}
	}
	if after := utCountFDs(t); after > before {
		t.Errorf("20 Reopens: %d open descriptors, was %d", after, before)
	}
}

func utCountFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip(err)
	}
	return len(ents)
}

func TestUnitLoggerReopenFailureKeepsOldFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "error.log")
	l, err := OpenLogger(path, "info")
	if err != nil {
		t.Fatal(err)
	}
	l.Infof("one")
	moved := dir + ".old"
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	err = l.Reopen()
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Reopen with the directory gone: %v, want an error naming %s", err, path)
	}
	l.Infof("two")
	got := utLogLines(t, utReadFile(t, filepath.Join(moved, "error.log")))
	if !utEqualStrings(got, []string{"INFO one", "INFO two"}) {
		t.Errorf("after a failed Reopen the old file holds %q", got)
	}
}

func TestUnitLoggerSharedFileAppends(t *testing.T) {
	// The master and every worker open the same errorlog: O_APPEND keeps
	// all their lines.
	path := filepath.Join(t.TempDir(), "error.log")
	a, err := OpenLogger(path, "info")
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenLogger(path, "info")
	if err != nil {
		t.Fatal(err)
	}
	a.Infof("a1")
	b.Infof("b1")
	a.Infof("a2")
	got := utLogLines(t, utReadFile(t, path))
	if !utEqualStrings(got, []string{"INFO a1", "INFO b1", "INFO a2"}) {
		t.Errorf("shared file: %q", got)
	}
}

func TestUnitLoggerConcurrentLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	l, err := OpenLogger(path, "info")
	if err != nil {
		t.Fatal(err)
	}
	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				l.Infof("g%d line %d %s", g, i, strings.Repeat("x", 100))
				if i%10 == 0 {
					l.Reopen()
				}
			}
		}()
	}
	wg.Wait()
	lines := utLogLines(t, utReadFile(t, path))
	if len(lines) != goroutines*each {
		t.Errorf("%d lines, want %d", len(lines), goroutines*each)
	}
	seen := map[string]bool{}
	for _, s := range lines {
		seen[s] = true
	}
	for g := 0; g < goroutines; g++ {
		for i := 0; i < each; i++ {
			if s := fmt.Sprintf("INFO g%d line %d %s", g, i, strings.Repeat("x", 100)); !seen[s] {
				t.Errorf("missing %q", s[:20])
			}
		}
	}
}
