package workers

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Logger writes error-log lines in gunicorn's format:
// "[2026-11-21 10:00:00 +0000] [1234] [INFO] Booting worker with pid: 1234".
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	debug bool
}

// NewLogger logs to w (os.Stderr when nil).
func NewLogger(w io.Writer, debug bool) *Logger {
	if w == nil {
		w = os.Stderr
	}
	return &Logger{w: w, debug: debug}
}

func (l *Logger) log(level, format string, args ...any) {
	ts := time.Now().Format("2006-01-02 15:04:05 -0700")
	msg := fmt.Sprintf(format, args...)
	l.mu.Lock()
	fmt.Fprintf(l.w, "[%s] [%d] [%s] %s\n", ts, os.Getpid(), level, msg)
	l.mu.Unlock()
}

func (l *Logger) Infof(format string, args ...any)  { l.log("INFO", format, args...) }
func (l *Logger) Errorf(format string, args ...any) { l.log("ERROR", format, args...) }
func (l *Logger) Warnf(format string, args ...any)  { l.log("WARNING", format, args...) }
func (l *Logger) Debugf(format string, args ...any) {
	if l.debug {
		l.log("DEBUG", format, args...)
	}
}
