package workers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Pidfile is gunicorn's --pid file: written atomically (temp file, then
// rename) with mode 0644, refused while it names another live process, and
// removed at exit only if it still holds our pid.
type Pidfile struct {
	path string
	pid  int
}

// CreatePidfile writes pid to path.
func CreatePidfile(path string, pid int) (*Pidfile, error) {
	if old := livePid(path); old != 0 && old != pid {
		return nil, fmt.Errorf("pidfile %s: already running on PID %d (or pid file %s is stale)", path, old, path)
	}
	p := &Pidfile{path: path, pid: pid}
	return p, p.write()
}

func (p *Pidfile) write() error {
	dir := filepath.Dir(p.path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("pidfile %s: %s doesn't exist. Can't create pidfile", p.path, dir)
	}
	f, err := os.CreateTemp(dir, ".narwhal-pid-")
	if err != nil {
		return fmt.Errorf("pidfile %s: %w", p.path, err)
	}
	_, err = fmt.Fprintf(f, "%d\n", p.pid)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), p.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("pidfile %s: %w", p.path, err)
	}
	return nil
}

// Rename moves the pidfile to path (a promoted new master's PIDFILE.2
// becomes PIDFILE). The old master is gone by then, so whatever path holds
// is replaced.
func (p *Pidfile) Rename(path string) error {
	p.Unlink()
	p.path = path
	return p.write()
}

// Unlink removes the pidfile if it still names our pid.
func (p *Pidfile) Unlink() {
	if p == nil {
		return
	}
	if b, err := os.ReadFile(p.path); err == nil {
		if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid == p.pid {
			os.Remove(p.path)
		}
	}
}

// livePid is the pid in path if that process exists, else 0.
func livePid(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return 0
	}
	return pid
}
