package workers

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"syscall"

	"github.com/narwhalhq/narwhal/metrics"
	"github.com/narwhalhq/narwhal/wsgi"
	"golang.org/x/sys/unix"
)

// manage keeps the current generation at numWorkers (gunicorn's
// manage_workers: the oldest go first) and retires the previous generation
// once the current one is ready, so a reload never leaves a moment with no
// worker accepting.
func (a *Arbiter) manage() {
	var cur, old []*child
	ready := 0
	for _, w := range a.workers {
		switch {
		case w.retiring:
		case w.gen == a.cur.id:
			cur = append(cur, w)
			if w.slot.State() == metrics.Ready {
				ready++
			}
		default:
			old = append(old, w)
		}
	}
	for n := len(cur); n < a.cur.numWorkers; n++ {
		if err := a.spawn(); err != nil {
			a.log.Errorf("Cannot start a worker: %v", err)
			break // tried again on the next tick
		}
	}
	if extra := len(cur) - a.cur.numWorkers; extra > 0 {
		sort.Slice(cur, func(i, j int) bool { return cur[i].age < cur[j].age })
		for _, w := range cur[:extra] {
			a.retire(w)
		}
	}
	if len(old) > 0 && ready >= a.cur.numWorkers {
		for _, w := range old {
			a.retire(w)
		}
		a.prev = nil
	}
}

// spawn starts one worker of the current generation (doc.go's contract).
func (a *Arbiter) spawn() error {
	cfg := a.cur.cfg
	slot, err := metrics.NewSlot(threadsOf(cfg))
	if err != nil {
		return err
	}
	a.age++
	files := []uintptr{0, 1, 2}
	for _, l := range a.listeners {
		files = append(files, uintptr(l.FD))
	}
	files = append(files, uintptr(slot.FD()))
	env := withEnv(a.baseEnv, cfg.Strings("raw_env")...)
	env = withEnv(env,
		envRole+"="+roleWorker,
		envConfig+"="+a.cur.snapshot,
		envListeners+"="+strconv.Itoa(len(a.listeners)),
		envMasterPid+"="+strconv.Itoa(a.pid),
		envWorkerAge+"="+strconv.Itoa(a.age),
	)
	cred, err := credential(cfg)
	if err != nil {
		slot.Close()
		return err
	}
	a.hook("pre_fork", a.server(), wsgi.HookWorker{PPid: a.pid, Age: a.age})
	title := titlePrefix + "worker [" + cfg.ProcName() + "]"
	// No Dir: a worker starts where its master runs, as a forked one
	// would, even if --user may not enter that directory.
	pid, err := syscall.ForkExec("/proc/self/exe", []string{title}, &syscall.ProcAttr{
		Env:   env,
		Files: files,
		Sys:   &syscall.SysProcAttr{Credential: cred},
	})
	if err != nil {
		slot.Close()
		return err
	}
	a.workers[pid] = &child{pid: pid, age: a.age, gen: a.cur.id, slot: slot}
	a.collector.Add(pid, slot)
	return nil
}

// reap collects every exited worker (and the new master of a USR2, if it
// died). It returns a reason and exit code when a worker could not boot:
// gunicorn halts then instead of respawning in a crash loop.
func (a *Arbiter) reap() (code int, reason string) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return code, reason
		}
		if pid == a.reexecPid {
			a.reexecPid = 0
			a.log.Warnf("New master (pid:%d) exited: %s", pid, exitText(ws))
			continue
		}
		w := a.workers[pid]
		if w == nil {
			continue
		}
		delete(a.workers, pid)
		booted := w.slot.State() != metrics.Booting
		if why := a.restartReason(w, ws); why != "" {
			a.collector.Restart(why)
		}
		a.collector.Remove(pid)
		w.slot.Close()
		a.hook("child_exit", a.server(), wsgi.HookWorker{Pid: pid, PPid: a.pid, Age: w.age})
		switch {
		case ws.Exited() && !booted && (ws.ExitStatus() == ExitBootError || ws.ExitStatus() == ExitAppLoadError):
			why := "Worker failed to boot."
			if ws.ExitStatus() == ExitAppLoadError {
				why = "App failed to load."
			}
			if w.gen != a.cur.id {
				continue // a generation already abandoned
			}
			if a.fallBack(why) {
				continue
			}
			code, reason = ws.ExitStatus(), why
		case ws.Exited() && ws.ExitStatus() != 0:
			a.log.Errorf("Worker (pid:%d) exited with code %d.", pid, ws.ExitStatus())
		case ws.Signaled():
			msg := fmt.Sprintf("Worker (pid:%d) was sent %s!", pid, signalTitle(ws.Signal()))
			if ws.Signal() == syscall.SIGKILL && !w.killed {
				msg += " Perhaps out of memory?"
			}
			a.log.Errorf("%s", msg)
		}
	}
}

// restartReason is why a worker that exited will be replaced, for
// narwhal_worker_restarts_total; "" when it is not replaced (TTOU, stop).
func (a *Arbiter) restartReason(w *child, ws syscall.WaitStatus) string {
	switch {
	case a.stopping:
		return ""
	case w.aborted:
		return "timeout"
	case w.slot.Reason() == metrics.ReasonMaxRequests:
		return "max_requests"
	case w.slot.Reason() == metrics.ReasonMemory:
		return "memory"
	case w.retiring && w.gen != a.cur.id:
		return "reload"
	case w.retiring:
		return ""
	case ws.Signaled() || ws.ExitStatus() != 0:
		return "crash"
	}
	return ""
}

// fallBack abandons a reload whose workers cannot boot while the previous
// generation still serves: gunicorn would halt and take the site down with
// it; the previous workers keep serving instead.
func (a *Arbiter) fallBack(why string) bool {
	if a.prev == nil {
		return false
	}
	serving := 0
	for _, w := range a.workers {
		if w.gen == a.prev.id && !w.retiring {
			serving++
		}
	}
	if serving == 0 {
		return false
	}
	a.log.Errorf("Reload failed: %s Keeping the %d worker(s) of the previous configuration.", why, serving)
	failed := a.cur.id
	for _, w := range a.workers {
		if w.gen == failed {
			a.retire(w)
		}
	}
	a.cur, a.prev = a.prev, nil
	a.setTitle()
	return true
}

// murder is gunicorn's murder_workers: a worker whose heartbeat, or whose
// every app thread, has made no progress for timeout is logged as WORKER
// TIMEOUT and aborted (it logs its Python stacks), then killed if it
// lingers; a retiring worker past graceful_timeout is killed.
func (a *Arbiter) murder() {
	now := metrics.Now()
	timeout := int64(timeoutOf(a.cur.cfg))
	for _, w := range a.workers {
		if w.killAt != 0 && now > w.killAt {
			if !w.killed {
				a.kill(w, syscall.SIGKILL)
			}
			continue
		}
		if timeout == 0 || w.aborted || w.retiring {
			continue
		}
		last := w.slot.LastBeat()
		if busy := w.slot.AllBusySince(); busy != 0 && busy < last {
			last = busy
		}
		if now-last <= timeout {
			continue
		}
		a.log.Criticalf("WORKER TIMEOUT (pid:%d)", w.pid)
		w.aborted = true
		w.killAt = now + int64(abortGrace)
		a.kill(w, syscall.SIGABRT)
	}
}

// reload is HUP: read the configuration again, start a new generation of
// workers with it (fresh processes import the app code anew), and retire
// the old generation once the new one is ready (manage).
func (a *Arbiter) reload() {
	cfg, err := a.opt.Load()
	if err == nil {
		err = checkConfig(cfg)
	}
	var snap []byte
	if err == nil {
		snap, err = cfg.Snapshot()
	}
	if err != nil {
		a.log.Errorf("Reload failed, keeping the running configuration: %v", err)
		return
	}
	old := a.cur.cfg
	if !slices.Equal(old.Strings("bind"), cfg.Strings("bind")) && !a.systemd {
		prev := a.listeners
		a.listeners = nil
		if err := a.openListeners(cfg); err != nil {
			a.closeListeners(a.unlinkOnClose())
			a.listeners = prev
			a.log.Errorf("Reload failed, keeping the running configuration: %v", err)
			return
		}
		for _, l := range prev {
			// Workers of the old generation hold their own copies and
			// serve until they are retired.
			l.Close(false)
		}
		a.log.Infof("Listening at: %s", a.listenerNames())
	}
	prevSyslog := a.log.Syslog()
	if cfg.String("errorlog") != old.String("errorlog") || cfg.LogLevel() != old.LogLevel() {
		if l, err := OpenLogger(cfg.String("errorlog"), cfg.LogLevel()); err != nil {
			a.log.Errorf("%v", err)
		} else {
			a.log = l
			// capture_output follows the error log to its new file.
			if cfg.Bool("capture_output") {
				if err := l.CaptureOutput(); err != nil {
					a.log.Errorf("%v", err)
				}
			}
		}
	} else if err := a.log.Reopen(); err != nil {
		a.log.Errorf("%v", err)
	}
	a.reloadSyslog(prevSyslog, old, cfg)
	if cfg.String("pidfile") != old.String("pidfile") {
		a.pidfile.Unlink()
		a.pidfile = nil
		if !cfg.IsNone("pidfile") {
			if a.pidfile, err = CreatePidfile(cfg.String("pidfile"), a.pid); err != nil {
				a.log.Errorf("%v", err)
			}
		}
	}
	oldWorkers := a.cur.numWorkers
	a.prev = a.cur
	a.cur = &generation{id: a.cur.id + 1, cfg: cfg, snapshot: string(snap), numWorkers: cfg.Int("workers")}
	a.setTitle()
	a.setupHooks(cfg)
	if n := a.cur.numWorkers; n != oldWorkers {
		a.hook("nworkers_changed", a.server(), n, oldWorkers)
	}
	a.hook("on_reload", a.server())
}

// signalTitle names a signal as gunicorn 23 does ("SIGKILL").
func signalTitle(s syscall.Signal) string {
	if name := unix.SignalName(s); name != "" {
		return name
	}
	return "code " + strconv.Itoa(int(s))
}

func exitText(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return signalTitle(ws.Signal())
	}
	return "code " + strconv.Itoa(ws.ExitStatus())
}
