package workers

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/narwhalhq/narwhal/config"
)

// bindAttempts and bindRetry are gunicorn's: an address still held by a
// previous server (EADDRINUSE) is tried five times, a second apart.
const (
	bindAttempts = 5
	bindRetry    = time.Second
)

// envSystemd tells a re-executed master that its inherited listeners came
// from systemd, so it never unlinks their socket files.
const envSystemd = "NARWHAL_SYSTEMD"

// openListeners sets a.listeners from, in gunicorn's order of preference,
// the sockets an old master passed on (NARWHAL_FD), systemd socket
// activation (LISTEN_FDS for this pid), or binding every --bind address.
func (a *Arbiter) openListeners(cfg *config.Config) error {
	binds := cfg.Strings("bind")
	var fds []int
	if v := os.Getenv(envFD); v != "" {
		var err error
		if fds, err = inheritedFDs(v); err != nil {
			return err
		}
		a.systemd = os.Getenv(envSystemd) != ""
	} else if n := systemdFDs(); n > 0 {
		a.systemd = true
		for i := 0; i < n; i++ {
			fds = append(fds, firstFD+i)
		}
	}
	os.Unsetenv(envSystemd)
	if fds != nil {
		for i, fd := range fds {
			addr := "fd://" + strconv.Itoa(fd)
			if len(fds) == len(binds) && !a.systemd {
				addr = binds[i]
			}
			l, err := Adopt(fd, addr)
			if err != nil {
				return err
			}
			a.listeners = append(a.listeners, l)
		}
		return nil
	}
	opt := BindOptions{
		Backlog:   cfg.Int("backlog"),
		ReusePort: cfg.Bool("reuse_port"),
		Umask:     cfg.Int("umask"),
		Uid:       -1,
		Gid:       -1,
	}
	if switchesOwner(cfg) {
		opt.Uid, opt.Gid = cfg.Int("user"), cfg.Int("group")
	}
	for _, addr := range binds {
		l, err := a.bindRetrying(addr, opt)
		if err != nil {
			return err
		}
		a.listeners = append(a.listeners, l)
	}
	return nil
}

func (a *Arbiter) bindRetrying(addr string, opt BindOptions) (*Listener, error) {
	for i := 1; ; i++ {
		l, err := Bind(addr, opt)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) || i == bindAttempts {
			return nil, fmt.Errorf("Can't connect to %s: %w", addr, unwrapSyscall(err))
		}
		a.log.Errorf("Connection in use: %s", addr)
		a.log.Debugf("Retrying in 1 second.")
		time.Sleep(bindRetry)
	}
}

// unwrapSyscall shortens "bind "x": listen tcp x: bind: address already in
// use" to its last part when the address is named anyway.
func unwrapSyscall(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// systemdFDs is the number of sockets systemd passed to this process
// (sd_listen_fds), 0 when none; the variables are removed, as gunicorn does,
// so workers and the app do not see them.
func systemdFDs() int {
	pid, _ := strconv.Atoi(os.Getenv("LISTEN_PID"))
	n, _ := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	if pid != os.Getpid() || n < 1 {
		return 0
	}
	return n
}
