package workers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/narwhalhq/narwhal/config"
	"github.com/narwhalhq/narwhal/eventloop"
	"github.com/narwhalhq/narwhal/metrics"
	"github.com/narwhalhq/narwhal/wsgi"
)

// Exit codes shared with the master, as gunicorn's arbiter defines them.
const (
	ExitBootError    = 3 // WORKER_BOOT_ERROR: the worker could not start
	ExitAppLoadError = 4 // APP_LOAD_ERROR: the application could not be imported
)

// stackDumpWait bounds how long an aborted worker waits for the GIL to dump
// Python stacks: C code that never releases the GIL must not keep a timed
// out worker alive (the master's SIGKILL follows anyway).
const stackDumpWait = 2 * time.Second

// stop is why a worker leaves its serving loop.
type stop int

const (
	stopGraceful stop = iota // TERM, max_requests, parent gone
	stopFast                 // INT, QUIT
	stopAbort                // ABRT: the master timed the worker out
)

// WorkerMain is the worker process: it reads the process contract (doc.go),
// loads the app and serves the inherited listeners until told to stop. It
// returns the process exit code.
func WorkerMain() int {
	// The interpreter is bound to the OS thread that starts it.
	runtime.LockOSThread()
	// Executed as /proc/self/exe, the kernel names the process "exe" in
	// top and ps -e; the command line already carries the title.
	_ = os.WriteFile("/proc/self/comm", []byte("narwhal"), 0)
	env, err := readWorkerEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "narwhal worker:", err)
		return ExitBootError
	}
	cfg, err := config.FromSnapshot(env.snapshot)
	if err != nil {
		fmt.Fprintln(os.Stderr, "narwhal worker: configuration from master:", err)
		return ExitBootError
	}
	log, err := OpenLogger(cfg.String("errorlog"), cfg.LogLevel())
	if err != nil {
		fmt.Fprintln(os.Stderr, "narwhal worker:", err)
		return ExitBootError
	}
	slot, err := metrics.OpenSlot(env.slotFD)
	if err != nil {
		log.Errorf("scoreboard: %v", err)
		return ExitBootError
	}
	w := &worker{cfg: cfg, log: log, slot: slot, env: env, stops: make(chan stop, 4)}
	return w.run()
}

type worker struct {
	cfg   *config.Config
	log   *Logger
	slot  *metrics.Slot
	env   *workerEnv
	stops chan stop
}

func (w *worker) stop(s stop) {
	select {
	case w.stops <- s:
	default:
	}
}

func (w *worker) run() int {
	pid := os.Getpid()
	w.slot.SetPid(pid)
	w.log.Infof("Booting worker with pid: %d", pid)

	// Signals are watched from the start: a TERM while the app imports
	// exits as soon as possible, an ABRT dumps where the import is stuck.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGABRT)
	booted := make(chan struct{})
	go w.watchSignals(sigs, booted)

	if err := wsgi.Init(wsgi.InitConfig{Chdir: w.cfg.String("chdir"), PythonPath: pythonPath(w.cfg), ErrorFD: w.errorFD()}); err != nil {
		w.log.Errorf("Exception in worker process: python: %v", err)
		return ExitBootError
	}
	threads := threadsOf(w.cfg)
	app, err := wsgi.LoadApp(wsgi.AppConfig{
		Spec:         w.cfg.App(),
		Multithread:  threads > 1,
		Multiprocess: w.cfg.Int("workers") > 1, // gunicorn: workers > 1
		URLScheme:    "http",
		ScriptName:   os.Getenv("SCRIPT_NAME"),
	})
	if err != nil {
		var le *wsgi.LoadError
		if errors.As(err, &le) && le.Traceback != "" {
			fmt.Fprint(w.log, le.Traceback)
		}
		w.log.Errorf("%v", err)
		return ExitAppLoadError
	}

	conns := w.cfg.Int("worker_connections")
	if conns <= 0 {
		conns = 1000
	}
	maxReq := int64(0)
	if n := w.cfg.Int("max_requests"); n > 0 {
		// gunicorn: max_requests + randint(0, max_requests_jitter), so
		// workers started together do not all restart together.
		maxReq = int64(n + rand.IntN(w.cfg.Int("max_requests_jitter")+1))
	}
	var srv *eventloop.Server
	pool, err := NewPool(app, threads, conns*pipelineDepth, "http", PoolOptions{
		Slot: w.slot,
		Last: maxReq,
		OnLast: func() {
			w.log.Infof("Autorestarting worker after current request.")
			srv.Drain()
			w.stop(stopGraceful)
		},
	})
	if err != nil {
		w.log.Errorf("Exception in worker process: %v", err)
		return ExitBootError
	}
	srv = eventloop.New(eventloop.Config{
		Limits:      limits(w.cfg),
		Keepalive:   seconds(w.cfg.Int("keepalive")),
		MaxPipeline: pipelineDepth,
		MaxConns:    conns,
		TmpDir:      w.cfg.String("tmp_upload_dir"),
		Server:      "narwhal",
		ErrorLog:    w.log.Errorf,
	}, pool)
	if err := srv.ServeFDs(w.env.listeners); err != nil {
		w.log.Errorf("Exception in worker process: %v", err)
		return ExitBootError
	}
	<-srv.Ready()
	w.slot.Beat()
	w.slot.SetState(metrics.Ready)
	close(booted)
	go w.heartbeat()

	s := <-w.stops
	w.slot.SetState(metrics.Retiring)
	grace := seconds(w.cfg.Int("graceful_timeout"))
	if s != stopGraceful || grace < 0 {
		grace = 0 // INT/QUIT: gunicorn's quick shutdown
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(ctx); err == nil && s == stopGraceful {
		// Every connection is gone; the queue is empty or the app
		// threads are finishing what they hold.
		done := make(chan struct{})
		go func() { pool.Close(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	w.log.Infof("Worker exiting (pid: %d)", os.Getpid())
	return 0
}

// watchSignals turns signals into stops. Before the worker is serving there
// is nothing to finish, so TERM, INT and QUIT exit at once.
func (w *worker) watchSignals(sigs <-chan os.Signal, booted <-chan struct{}) {
	for sig := range sigs {
		serving := false
		select {
		case <-booted:
			serving = true
		default:
		}
		switch sig {
		case syscall.SIGUSR1:
			if err := w.log.Reopen(); err != nil {
				w.log.Errorf("%v", err)
			}
		case syscall.SIGABRT:
			w.abort()
		case syscall.SIGTERM:
			if !serving {
				w.exitNow(0)
			}
			w.stop(stopGraceful)
		default: // INT, QUIT
			if !serving {
				w.exitNow(0)
			}
			w.stop(stopFast)
		}
	}
}

// abort is gunicorn's handle_abort after a WORKER TIMEOUT: log where every
// Python thread is, so the stuck code is named, then exit 1.
func (w *worker) abort() {
	w.slot.SetState(metrics.Retiring)
	dump := make(chan string, 1)
	go func() { dump <- wsgi.DumpStacks() }()
	select {
	case s := <-dump:
		w.log.Errorf("Worker (pid:%d) aborted by its master; Python stack of every thread:\n%s", os.Getpid(), s)
	case <-time.After(stackDumpWait):
		w.log.Errorf("Worker (pid:%d) aborted by its master; no Python stack: the GIL was not released within %s", os.Getpid(), stackDumpWait)
	}
	w.exitNow(1)
}

func (w *worker) exitNow(code int) {
	w.log.Infof("Worker exiting (pid: %d)", os.Getpid())
	os.Exit(code)
}

// heartbeat tells the master the worker is alive and leaves when the master
// is gone (gunicorn's "Parent changed, shutting down").
func (w *worker) heartbeat() {
	t := time.NewTicker(beatInterval(timeoutOf(w.cfg)))
	defer t.Stop()
	for range t.C {
		w.slot.Beat()
		if w.env.masterPid != 0 && os.Getppid() != w.env.masterPid {
			w.log.Infof("Parent changed, shutting down: <Worker %d>", os.Getpid())
			w.stop(stopGraceful)
			return
		}
	}
}

// errorFD is where Python's own stderr writes (tracebacks of the app's
// threads, warnings) go: the error log.
func (w *worker) errorFD() int {
	if w.log.f != nil {
		return int(w.log.f.Fd())
	}
	return 2
}
