package workers

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/narwhalhq/narwhal/wsgi"
)

// CaptureOutput is gunicorn's capture_output (glogging.Logger.setup): the
// error log file is duplicated onto descriptors 1 and 2, so whatever the
// process writes to stdout and stderr (the app's print(), C extensions, a
// Go panic) lands in the error log, and so does the output of processes it
// starts afterwards. Reopen (USR1) duplicates the reopened file onto them
// again, as gunicorn's reopen_files does. On stderr ("-") it does nothing,
// as in gunicorn. Call it before Python starts: Python's sys.stdout keeps
// descriptor 1 and needs no flush.
func (l *Logger) CaptureOutput() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	l.capture = true
	return l.captureLocked()
}

// captureLocked points descriptors 1 and 2 at the log file. They are left
// inheritable: workers and a re-executed master receive them as their own
// stdout and stderr.
func (l *Logger) captureLocked() error {
	fd := int(l.f.Fd())
	for _, std := range []int{1, 2} {
		if fd == std {
			continue
		}
		if err := unix.Dup3(fd, std, 0); err != nil {
			return fmt.Errorf("capture_output: errorlog %s onto fd %d: %w", l.path, std, err)
		}
	}
	return nil
}

// flushPython flushes Python's sys.stdout and sys.stderr before the worker
// exits: a gunicorn worker's interpreter flushes them when it finalizes, so
// what print() left in a block-buffered stdout (a file, a pipe,
// capture_output) is not lost. It waits at most stackDumpWait for the GIL.
func flushPython() {
	done := make(chan struct{})
	go func() {
		wsgi.FlushStdio()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(stackDumpWait):
	}
}
