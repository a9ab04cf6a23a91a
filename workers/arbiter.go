package workers

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/narwhalhq/narwhal/config"
	"github.com/narwhalhq/narwhal/metrics"
	"golang.org/x/sys/unix"
)

// tick is how often the master checks heartbeats and the worker count when
// no signal wakes it (gunicorn's arbiter sleeps up to 1 s).
const tick = 500 * time.Millisecond

// abortGrace is how long a worker aborted after WORKER TIMEOUT gets to log
// its Python stacks (it waits up to stackDumpWait for the GIL) before SIGKILL.
const abortGrace = stackDumpWait + time.Second

// MasterOptions is what cmd/narwhal hands the master.
type MasterOptions struct {
	Config *config.Config
	// Load re-reads the configuration (command line, GUNICORN_CMD_ARGS,
	// config file) for HUP.
	Load func() (*config.Config, error)
	// Argv0 and Args are how narwhal was started, kept (copied before the
	// process title reuses their memory) for re-executing a new master
	// (USR2, -D).
	Argv0 string
	Args  []string
	// Title shows the process title; nil leaves argv alone.
	Title *ProcTitle
}

// generation is one configuration and the workers started with it. HUP
// starts a new generation; the previous one serves until the new one is
// ready, and comes back if the new one cannot boot.
type generation struct {
	id         int
	cfg        *config.Config
	snapshot   string
	numWorkers int
}

// child is a worker process as the master tracks it.
type child struct {
	pid      int
	age      int
	gen      int
	slot     *metrics.Slot
	retiring bool  // sent TERM (or QUIT): leaving, not counted
	aborted  bool  // sent ABRT after WORKER TIMEOUT
	killAt   int64 // metrics.Now() after which it gets SIGKILL; 0 = never
	killed   bool  // we sent SIGKILL
}

// Arbiter is the master process: gunicorn's Arbiter with the same signals,
// settings and log lines.
type Arbiter struct {
	opt       MasterOptions
	log       *Logger
	cur       *generation
	prev      *generation // the generation a reload may fall back to
	listeners []*Listener
	workers   map[int]*child
	age       int

	pid       int
	masterPid int // the old master, while this is a USR2 "Master.2"
	reexecPid int // the new master this one started with USR2
	name      string
	systemd   bool
	daemon    bool
	handedOff bool // -D: a daemonized master took the listeners
	pidfile   *Pidfile
	exe       string   // the binary path as started, for USR2
	cwd       string   // the directory narwhal was started in
	baseEnv   []string // the environment as started, without the contract's variables
	sigs      chan os.Signal
	stopping  bool

	collector *metrics.Collector // always kept; served with --metrics-bind
	metrics   *metrics.Server
}

// RunMaster runs the master until it stops and returns the exit code.
func RunMaster(opt MasterOptions) int {
	cfg := opt.Config
	log, err := openErrorLog(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	if cfg.Bool("capture_output") {
		// gunicorn's Logger.setup, in the master: workers inherit it too.
		if err := log.CaptureOutput(); err != nil {
			fmt.Fprintln(os.Stderr, "Error:", err)
			return 1
		}
	}
	a := &Arbiter{opt: opt, log: log, workers: map[int]*child{}, pid: os.Getpid(), name: "Master",
		collector: metrics.NewCollector(config.Version)}
	defer func() { a.log.Syslog().Close() }()
	if err := a.start(); err != nil {
		log.Errorf("%v", err)
		a.closeListeners(a.unlinkOnClose())
		a.pidfile.Unlink()
		return 1
	}
	if a.handedOff {
		return 0 // the daemon serves
	}
	return a.run()
}

// start prepares everything a worker needs; a failure leaves nothing
// running and no pidfile behind.
func (a *Arbiter) start() error {
	cfg := a.opt.Config
	var err error
	if a.cwd, err = os.Getwd(); err != nil {
		return err
	}
	if a.exe, err = startedBinary(a.opt.Argv0, a.cwd); err != nil {
		return err
	}
	daemonized := os.Getenv(envDaemonized) != ""
	inherited := os.Getenv(envFD) != ""
	if v := os.Getenv(envOldMaster); v != "" {
		a.masterPid, _ = strconv.Atoi(v)
		if a.masterPid != 0 {
			a.name = "Master.2"
		}
	}
	for _, k := range []string{envDaemonized, envOldMaster} {
		os.Unsetenv(k)
	}
	for _, kv := range os.Environ() {
		if !isContractEnv(kv) && !strings.HasPrefix(kv, "LISTEN_") {
			a.baseEnv = append(a.baseEnv, kv)
		}
	}
	a.daemon = cfg.Bool("daemon")
	if daemonized {
		syscall.Umask(0o022) // gunicorn's daemonize
	}
	if err := checkConfig(cfg); err != nil {
		return err
	}
	if err := chownLog(a.log, cfg); err != nil {
		return err
	}
	if a.daemon && !daemonized && !inherited {
		if err := a.openListeners(cfg); err != nil {
			return err
		}
		if a.daemonize() != 0 {
			return errors.New("daemon: could not start the background master")
		}
		a.closeListeners(false) // the daemon serves them now
		a.handedOff = true
		return nil
	}
	a.log.Infof("Starting narwhal %s", config.Version)
	if !cfg.IsNone("pidfile") {
		name := cfg.String("pidfile")
		if a.masterPid != 0 {
			name += ".2"
		}
		if a.pidfile, err = CreatePidfile(name, a.pid); err != nil {
			return err
		}
	}
	a.setupHooks(cfg)
	a.hook("nworkers_changed", a.server(), cfg.Int("workers"), nil)
	a.hook("on_starting", a.server())
	if err := a.openListeners(cfg); err != nil {
		return err
	}
	os.Unsetenv(envFD)
	a.log.Infof("Listening at: %s (%d)", a.listenerNames(), a.pid)
	a.log.Infof("Using worker: %s", cfg.WorkerClass())
	if err := a.serveMetrics(cfg); err != nil {
		return err
	}
	snap, err := cfg.Snapshot()
	if err != nil {
		return err
	}
	a.cur = &generation{id: 1, cfg: cfg, snapshot: string(snap), numWorkers: cfg.Int("workers")}
	a.hook("when_ready", a.server())
	return nil
}

// run is the main loop: one signal channel, one switch, one reaper.
func (a *Arbiter) run() int {
	a.sigs = make(chan os.Signal, 32)
	signal.Notify(a.sigs, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGINT, syscall.SIGTERM,
		syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGCHLD)
	a.setTitle()
	t := time.NewTicker(tick)
	defer t.Stop()
	a.manage()
	for {
		a.maybePromote()
		select {
		case sig := <-a.sigs:
			if sig != syscall.SIGCHLD {
				a.log.Infof("Handling signal: %s", signalName(sig))
			}
			switch sig {
			case syscall.SIGHUP:
				a.log.Infof("Hang up: %s", a.name)
				a.reload()
			case syscall.SIGTERM:
				return a.halt("", 0, true)
			case syscall.SIGINT, syscall.SIGQUIT:
				return a.halt("", 0, false)
			case syscall.SIGTTIN:
				a.setWorkers(a.cur.numWorkers + 1)
			case syscall.SIGTTOU:
				if a.cur.numWorkers > 1 {
					a.setWorkers(a.cur.numWorkers - 1)
				}
			case syscall.SIGUSR1:
				if err := a.log.Reopen(); err != nil {
					a.log.Errorf("%v", err)
				}
				a.signalAll(syscall.SIGUSR1)
			case syscall.SIGUSR2:
				a.reexec()
			case syscall.SIGWINCH:
				if a.daemon {
					a.log.Infof("graceful stop of workers")
					a.setWorkers(0)
					for _, w := range a.workers {
						a.retire(w)
					}
				} else {
					a.log.Debugf("SIGWINCH ignored. Not daemonized")
				}
			}
		case <-t.C:
		}
		if code, reason := a.reap(); reason != "" {
			return a.halt(reason, code, true)
		}
		a.murder()
		a.manage()
		a.collector.SetReady(a.anyReady())
	}
}

// serveMetrics starts /metrics, /healthz and /readyz on metrics_bind.
func (a *Arbiter) serveMetrics(cfg *config.Config) error {
	bind := cfg.String("metrics_bind")
	if bind == "" {
		return nil
	}
	addr, err := config.ParseAddress(bind)
	if err != nil || addr.Network == "fd" {
		return fmt.Errorf("metrics_bind %q: want HOST:PORT or unix:PATH", bind)
	}
	network, where := "tcp", addr.String()
	if addr.Network == "unix" {
		network, where = "unix", addr.Path
	}
	if a.metrics, err = metrics.Serve(network, where, a.collector); err != nil {
		return fmt.Errorf("metrics_bind %s: %w", bind, err)
	}
	a.log.Infof("Metrics at: http://%s/metrics", a.metrics.Addr())
	return nil
}

// anyReady reports whether a worker is serving.
func (a *Arbiter) anyReady() bool {
	for _, w := range a.workers {
		if !w.retiring && w.slot.State() == metrics.Ready {
			return true
		}
	}
	return false
}

// halt stops every worker and exits the loop (gunicorn's Arbiter.halt).
func (a *Arbiter) halt(reason string, code int, graceful bool) int {
	a.stop(graceful)
	if a.metrics != nil {
		a.metrics.Close()
	}
	// Last: on_exit, then whatever the master's Python (config file,
	// hooks) printed into its buffers.
	defer flushPython()
	defer a.hook("on_exit", a.server())
	a.log.Infof("Shutting down: %s", a.name)
	if reason != "" {
		a.log.Infof("Reason: %s", reason)
	}
	a.pidfile.Unlink()
	return code
}

// stop closes the listeners, so the workers are the last to hold them and
// can serve what waits in the backlog, then stops the workers: TERM
// (graceful) or QUIT (fast), SIGKILL for any left after graceful_timeout.
func (a *Arbiter) stop(graceful bool) {
	a.stopping = true
	a.collector.SetReady(false) // /readyz: take this pod out of rotation
	a.closeListeners(a.unlinkOnClose())
	sig := syscall.SIGTERM
	if !graceful {
		sig = syscall.SIGQUIT
	}
	grace := time.Duration(a.cur.cfg.Int("graceful_timeout")) * time.Second
	deadline := time.Now().Add(grace)
	a.signalAll(sig)
	for len(a.workers) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		a.reap()
	}
	if len(a.workers) > 0 {
		a.signalAll(syscall.SIGKILL)
		for len(a.workers) > 0 {
			time.Sleep(20 * time.Millisecond)
			a.reap()
		}
	}
}

// closeListeners closes this process's copies of the listeners; unlink
// also removes unix socket files.
func (a *Arbiter) closeListeners(unlink bool) {
	for _, l := range a.listeners {
		l.Close(unlink)
	}
	a.listeners = nil
}

// unlinkOnClose is gunicorn's rule: keep a unix socket's file when a new
// master or systemd still serves it, or when other processes share it
// (reuse_port).
func (a *Arbiter) unlinkOnClose() bool {
	return a.reexecPid == 0 && a.masterPid == 0 && !a.systemd &&
		(a.cur == nil || !a.cur.cfg.Bool("reuse_port"))
}

// signalAll sends sig to every worker.
func (a *Arbiter) signalAll(sig syscall.Signal) {
	for _, w := range a.workers {
		a.kill(w, sig)
	}
}

// kill sends sig to one worker; a worker already gone is reaped later.
func (a *Arbiter) kill(w *child, sig syscall.Signal) {
	if sig == syscall.SIGKILL {
		w.killed = true
	}
	if err := syscall.Kill(w.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		a.log.Errorf("kill worker %d: %v", w.pid, err)
	}
}

// retire stops one worker gracefully; it is killed if it outstays
// graceful_timeout.
func (a *Arbiter) retire(w *child) {
	if w.retiring {
		return
	}
	w.retiring = true
	w.killAt = metrics.Now() + int64(a.cur.cfg.Int("graceful_timeout"))*int64(time.Second)
	a.kill(w, syscall.SIGTERM)
}

// maybePromote notices that the old master of a USR2 upgrade has exited.
func (a *Arbiter) maybePromote() {
	if a.masterPid == 0 || os.Getppid() == a.masterPid {
		return
	}
	a.log.Infof("Master has been promoted.")
	a.name = "Master"
	a.masterPid = 0
	if a.pidfile != nil {
		if err := a.pidfile.Rename(a.cur.cfg.String("pidfile")); err != nil {
			a.log.Errorf("%v", err)
		}
	}
	a.setTitle()
}

func (a *Arbiter) setTitle() {
	name := a.cur.cfg.ProcName()
	if a.masterPid != 0 {
		name += ".2"
	}
	a.opt.Title.Set(titlePrefix + "master [" + name + "]")
}

// signalName is gunicorn's lower-case name for a signal ("hup", "ttin").
func signalName(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok {
		if name := unix.SignalName(s); name != "" {
			return strings.ToLower(strings.TrimPrefix(name, "SIG"))
		}
	}
	return sig.String()
}

// listenerNames is the "Listening at:" list.
func (a *Arbiter) listenerNames() string {
	names := make([]string, len(a.listeners))
	for i, l := range a.listeners {
		names[i] = l.Name()
	}
	return strings.Join(names, ",")
}
