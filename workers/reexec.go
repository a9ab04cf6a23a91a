package workers

import (
	"os"
	"strconv"
	"syscall"
)

// reexec is USR2: start a new master from the binary on disk, with this
// master's arguments and listeners. Both serve until one is told to stop
// (TERM to the old one completes the upgrade; HUP to the old one and TERM
// to the new one roll it back).
func (a *Arbiter) reexec() {
	if a.reexecPid != 0 {
		a.log.Warnf("USR2 signal ignored. Child exists.")
		return
	}
	if a.masterPid != 0 {
		a.log.Warnf("USR2 signal ignored. Parent exists.")
		return
	}
	// gunicorn runs pre_exec in the forked child just before exec; here
	// the master runs it just before starting the new one.
	a.hook("pre_exec", a.server())
	pid, err := a.execMaster([]uintptr{0, 1, 2}, envOldMaster+"="+strconv.Itoa(a.pid), false)
	if err != nil {
		a.log.Errorf("USR2: cannot start a new master: %v", err)
		return
	}
	a.reexecPid = pid
}

// daemonize is -D: a new master in its own session with stdio on /dev/null
// (or inherited with --enable-stdio-inheritance) takes over the bound
// listeners, and this process exits. Binding first means an address in use
// is reported on the terminal, not lost in /dev/null.
func (a *Arbiter) daemonize() int {
	stdio := []uintptr{0, 1, 2}
	if !a.opt.Config.Bool("enable_stdio_inheritance") {
		null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			a.log.Errorf("daemon: %v", err)
			return 1
		}
		defer null.Close()
		fd := null.Fd()
		stdio = []uintptr{fd, fd, fd}
	}
	if _, err := a.execMaster(stdio, envDaemonized+"=1", true); err != nil {
		a.log.Errorf("daemon: %v", err)
		return 1
	}
	return 0
}

// execMaster starts the binary narwhal was started as, from the directory
// it was started in, with the listeners at 3… and NARWHAL_FD naming them.
func (a *Arbiter) execMaster(stdio []uintptr, extraEnv string, setsid bool) (int, error) {
	files := stdio
	for _, l := range a.listeners {
		files = append(files, uintptr(l.FD))
	}
	env := withEnv(a.baseEnv, envFD+"="+fdList(a.listeners), extraEnv)
	if a.systemd {
		env = withEnv(env, envSystemd+"=1")
	}
	argv := append([]string{a.opt.Argv0}, a.opt.Args...)
	return syscall.ForkExec(a.exe, argv, &syscall.ProcAttr{
		Dir:   a.cwd,
		Env:   env,
		Files: files,
		Sys:   &syscall.SysProcAttr{Setsid: setsid},
	})
}
