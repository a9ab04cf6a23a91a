package workers

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Log levels, gunicorn's (Python logging's) names.
const (
	LevelDebug = iota
	LevelInfo
	LevelWarning
	LevelError
	LevelCritical
)

var levelByName = map[string]int{
	"debug": LevelDebug, "info": LevelInfo, "warning": LevelWarning,
	"error": LevelError, "critical": LevelCritical,
}

// Logger writes error-log lines in gunicorn's format:
// "[2026-11-21 10:00:00 +0000] [1234] [INFO] Booting worker with pid: 1234".
// A Logger on a file (errorlog) appends with O_APPEND, so the master and
// every worker can open the same file and their lines never overwrite each
// other; Reopen (USR1) lets logrotate move the file away.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	f     *os.File // the open errorlog, nil for stderr or a caller's writer
	path  string
	level int
	// capture: fds 1 and 2 follow the file (capture_output, capture.go).
	capture bool
	// syslog gets every line too (--log-syslog, syslog.go); nil when off.
	syslog atomic.Pointer[Syslog]
}

// NewLogger logs to w (os.Stderr when nil); debug enables debug lines.
func NewLogger(w io.Writer, debug bool) *Logger {
	if w == nil {
		w = os.Stderr
	}
	l := &Logger{w: w, level: LevelInfo}
	if debug {
		l.level = LevelDebug
	}
	return l
}

// OpenLogger logs to the errorlog setting's path ("-" is stderr) at the
// loglevel setting's level.
func OpenLogger(path, level string) (*Logger, error) {
	lv, ok := levelByName[level]
	if !ok {
		lv = LevelInfo
	}
	l := &Logger{w: os.Stderr, level: lv}
	if path != "" && path != "-" {
		l.path = path
		if err := l.Reopen(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Reopen reopens the log file (USR1), a no-op on stderr.
func (l *Logger) Reopen() error {
	if l.path == "" {
		return nil
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("errorlog %s: %w", l.path, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		l.f, l.w = f, f
		return nil
	}
	// Keep the descriptor number: whoever was given Fd() (Python's
	// wsgi.errors and stderr) writes to the new file too.
	defer f.Close()
	if err := unix.Dup3(int(f.Fd()), int(l.f.Fd()), unix.O_CLOEXEC); err != nil {
		return fmt.Errorf("errorlog %s: %w", l.path, err)
	}
	if l.capture {
		return l.captureLocked()
	}
	return nil
}

// FD is where the error log writes: its file's descriptor, or 2 for
// stderr. Reopen keeps the number, so Python (wsgi.errors, hook log lines)
// can be given it once.
func (l *Logger) FD() int {
	if l.f != nil {
		return int(l.f.Fd())
	}
	return 2
}

// Path is the log file, "" for stderr.
func (l *Logger) Path() string { return l.path }

func (l *Logger) log(level int, name, format string, args ...any) {
	if level < l.level {
		return
	}
	ts := time.Now().Format("2006-01-02 15:04:05 -0700")
	msg := fmt.Sprintf(format, args...)
	l.mu.Lock()
	fmt.Fprintf(l.w, "[%s] [%d] [%s] %s\n", ts, os.Getpid(), name, msg)
	l.syslog.Load().logError(level, msg) // never blocks; same order as the file
	l.mu.Unlock()
}

// Write lets a Logger's destination receive raw text (tracebacks, stack
// dumps), unformatted.
func (l *Logger) Write(p []byte) (int, error) {
	l.syslogRaw(p)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *Logger) Debugf(format string, args ...any) { l.log(LevelDebug, "DEBUG", format, args...) }
func (l *Logger) Infof(format string, args ...any)  { l.log(LevelInfo, "INFO", format, args...) }
func (l *Logger) Warnf(format string, args ...any)  { l.log(LevelWarning, "WARNING", format, args...) }
func (l *Logger) Errorf(format string, args ...any) { l.log(LevelError, "ERROR", format, args...) }
func (l *Logger) Criticalf(format string, args ...any) {
	l.log(LevelCritical, "CRITICAL", format, args...)
}
