package workers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
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
	sizeProcs(cfg.Int("workers"), cfg.WorkerClass())
	log, err := openErrorLog(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "narwhal worker:", err)
		return ExitBootError
	}
	defer log.Syslog().Close()
	if cfg.Bool("capture_output") {
		if err := log.CaptureOutput(); err != nil {
			log.Errorf("%v", err)
			return ExitBootError
		}
	}
	slot, err := metrics.OpenSlot(env.slotFD)
	if err != nil {
		log.Errorf("scoreboard: %v", err)
		return ExitBootError
	}
	w := &worker{cfg: cfg, log: log, slot: slot, env: env, stops: make(chan stop, 4)}
	defer flushPython()
	return w.run()
}

type worker struct {
	cfg    *config.Config
	log    *Logger
	slot   *metrics.Slot
	env    *workerEnv
	stops  chan stop
	access *accessLog
	// hooks are the config file's, run in this process; set once at boot
	// while signals may already be arriving.
	hooks atomic.Pointer[map[string]config.Hook]
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

	if err := wsgi.Init(wsgi.InitConfig{Chdir: w.cfg.String("chdir"), PythonPath: pythonPath(w.cfg), ErrorFD: w.log.FD()}); err != nil {
		w.log.Errorf("Exception in worker process: python: %v", err)
		return ExitBootError
	}
	async := w.cfg.WorkerClass() == config.WorkerAsync
	if async {
		// Before the app is imported, so what it imports is patched too.
		if err := wsgi.PatchGevent(); err != nil {
			w.log.Errorf("the %s worker class needs gevent, which cannot be imported; "+
				"install Debian's python3-gevent (apt-get install python3-gevent):\n%s", w.cfg.String("worker_class"), err)
			return ExitBootError
		}
	}
	if err := w.resolveHooks(); err != nil {
		w.log.Errorf("Exception in worker process: %v", err)
		return ExitBootError
	}
	w.hook("post_fork", w.hookServer(), w.hookWorker())
	threads := threadsOf(w.cfg)
	app, err := wsgi.LoadApp(wsgi.AppConfig{
		Spec: w.cfg.App(),
		// gunicorn: true for gthread (any --threads) and the async
		// workers, whose requests run concurrently too.
		Multithread:  w.cfg.WorkerClass() != config.WorkerSync,
		Multiprocess: w.cfg.Int("workers") > 1, // gunicorn: workers > 1
		URLScheme:    "http",
		ScriptName:   os.Getenv("SCRIPT_NAME"),
		// gunicorn: load_pasteapp when the paste setting is set.
		Paste:           !w.cfg.IsNone("paste"),
		PasteGlobalConf: w.cfg.Strings("raw_paste_global_conf"),
		PasteLogging:    pasteLogging(w.cfg),
	})
	if err != nil {
		var le *wsgi.LoadError
		if errors.As(err, &le) && le.Traceback != "" {
			fmt.Fprint(w.log, le.Traceback)
		}
		w.log.Errorf("%v", err)
		return ExitAppLoadError
	}
	if hs := w.hooks.Load(); hs != nil {
		if err := app.WrapHooks((*hs)["pre_request"], (*hs)["post_request"], w.hookWorker()); err != nil {
			w.log.Errorf("Exception in worker process: %v", err)
			return ExitBootError
		}
	}
	w.hook("post_worker_init", w.hookWorker())

	conns := w.cfg.Int("worker_connections")
	if conns <= 0 {
		conns = 1000
	}
	access, err := openAccessLog(w.cfg, w.log.Syslog())
	if err != nil {
		w.log.Errorf("Exception in worker process: %v", err)
		return ExitBootError
	}
	w.access = access
	defer access.Close()
	var srv *eventloop.Server
	limit := w.requestLimit(func() { srv.Drain() })
	// The sync class runs each request on its one event loop
	// (NewInlinePool), unless request_timeout needs a 504 to leave while
	// the app still runs.
	inline := w.cfg.WorkerClass() == config.WorkerSync && requestTimeoutOf(w.cfg) <= 0
	loops := 0 // eventloop's default
	if inline {
		loops = 1
	}
	var handler eventloop.Handler
	var hub *wsgi.Hub
	var pool *Pool
	if async {
		// worker_connections bounds the requests running at once, as
		// gunicorn's gevent worker bounds its greenlets.
		if hub, err = app.NewHub(conns); err == nil {
			handler = &hubHandler{hub: hub, scheme: []byte("http"), slot: w.slot, limit: limit, access: access}
		}
	} else {
		opt := PoolOptions{Slot: w.slot, Limit: limit, Access: access, Errorf: w.log.Errorf}
		if inline {
			pool = NewInlinePool(app, "http", opt)
		} else {
			pool, err = NewPool(app, threads, conns*pipelineDepth, "http", opt)
		}
		handler = pool
	}
	if err != nil {
		w.log.Errorf("Exception in worker process: %v", err)
		return ExitBootError
	}
	srv = eventloop.New(eventloop.Config{
		Limits:              limits(w.cfg),
		Keepalive:           seconds(w.cfg.Int("keepalive")),
		Loops:               loops,
		HandlerBlocks:       inline,
		MaxPipeline:         pipelineDepth,
		MaxConns:            conns,
		TmpDir:              w.cfg.String("tmp_upload_dir"),
		KeepResponseHeaders: access != nil && access.needResp,
		Server:              "narwhal",
		Proxy:               proxyOf(w.cfg),
		ErrorLog:            w.log.Errorf,
	}, handler)
	if err := srv.ServeFDs(w.env.listeners); err != nil {
		w.log.Errorf("Exception in worker process: %v", err)
		return ExitBootError
	}
	<-srv.Ready()
	w.slot.Beat()
	w.slot.SetState(metrics.Ready)
	close(booted)

	if !async {
		if rt := requestTimeoutOf(w.cfg); rt > 0 {
			pool.Watch(rt, time.Duration(w.cfg.Int("graceful_timeout"))*time.Second, w.log, func() {
				srv.Drain()
				w.stop(stopGraceful)
			})
		}
		go w.heartbeat(true, srv)
		w.serveUntilStopped(srv, pool.Close)
		return 0
	}
	// The hub runs on this goroutine, the one that started Python: it
	// reuses the interpreter's main thread state. It beats the heartbeat
	// itself, so a hub stuck in CPU-bound code times out.
	go w.heartbeat(false, srv)
	ran, served := make(chan struct{}), make(chan struct{})
	go func() {
		w.serveUntilStopped(srv, hub.Stop)
		close(served)
		hub.Stop()
		// Past graceful_timeout, greenlets still running are cut short,
		// as app threads are in the other classes.
		select {
		case <-ran:
		case <-time.After(time.Second):
			w.exit(0)
		}
	}()
	err = hub.Run(w.slot.BeatWord(), beatInterval(timeoutOf(w.cfg)), requestTimeoutOf(w.cfg))
	close(ran)
	if err != nil {
		w.log.Errorf("%v", err)
		return 1
	}
	<-served
	return 0
}

// sizeProcs shares the machine's CPUs among the workers: each worker's Go
// scheduler gets GOMAXPROCS divided by the number of workers, at least 1,
// unless the user set GOMAXPROCS. Two workers with two Ps and two event
// loops each on two cores contend with each other: hello keep-alive with
// -w 2, four alternating runs, median 26.8k req/s with one P each against
// 20.8k with two (a noisy, shared machine: the spread was wide).
//
// The sync class gets at least 2: its loop holds a P through every app call
// (NewInlinePool), and with no P idle Go's sysmon takes that P back after
// 20µs of every call, waking and parking a thread each time and itself
// never sleeping longer than 20µs. Measured with -w 2 on 2 cores, three
// alternating runs: Flask JSON 6.5k req/s against 6.0k, Connection: close
// 5.4k against 3.7k, hello keep-alive even.
func sizeProcs(workers int, class string) {
	if os.Getenv("GOMAXPROCS") != "" || workers < 1 {
		return
	}
	n := max(1, runtime.GOMAXPROCS(0)/workers)
	if class == config.WorkerSync {
		n = max(n, 2)
	}
	runtime.GOMAXPROCS(n)
}

// serveUntilStopped waits for a stop, then shuts the server down: TERM
// lets in-flight requests finish within graceful_timeout, INT and QUIT do
// not wait. closeApp stops the app side once no connection is left.
func (w *worker) serveUntilStopped(srv *eventloop.Server, closeApp func()) {
	s := <-w.stops
	w.slot.SetState(metrics.Retiring)
	grace := seconds(w.cfg.Int("graceful_timeout"))
	if s != stopGraceful || grace < 0 {
		grace = 0 // INT/QUIT: gunicorn's quick shutdown
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(ctx); err == nil && s == stopGraceful {
		// Every connection is gone; the app side is finishing what it
		// holds.
		done := make(chan struct{})
		go func() { closeApp(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	w.log.Infof("Worker exiting (pid: %d)", os.Getpid())
	w.hook("worker_exit", w.hookServer(), w.hookWorker())
	if s != stopGraceful {
		w.exit(0) // a hub may still be running requests
	}
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
			if err := w.access.Reopen(); err != nil {
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
			w.hook("worker_int", w.hookWorker())
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
	// worker_abort, bounded like the dump: the GIL may never come free.
	hooked := make(chan struct{})
	go func() { w.hook("worker_abort", w.hookWorker()); close(hooked) }()
	select {
	case <-hooked:
	case <-time.After(stackDumpWait):
	}
	w.exitNow(1)
}

func (w *worker) exitNow(code int) {
	w.log.Infof("Worker exiting (pid: %d)", os.Getpid())
	w.hook("worker_exit", w.hookServer(), w.hookWorker())
	w.exit(code)
}

// exit ends the process at once, after writing out what the access log and
// syslog hold and Python's buffered stdio (bounded: the GIL may be held).
func (w *worker) exit(code int) {
	w.access.Close()
	w.log.Syslog().Close()
	flushPython()
	os.Exit(code)
}

// heartbeat tells the master the worker is alive (unless the hub beats
// instead), reports the open connections, recycles the worker when its
// memory passes max_worker_memory, and leaves when the master is gone
// (gunicorn's "Parent changed, shutting down").
func (w *worker) heartbeat(beat bool, srv *eventloop.Server) {
	t := time.NewTicker(beatInterval(timeoutOf(w.cfg)))
	defer t.Stop()
	limit := int64(w.cfg.Int("max_worker_memory")) << 20
	var trim idleTrim
	for range t.C {
		if beat {
			w.slot.Beat()
		}
		st := srv.Stats()
		w.slot.SetConns(st.Open)
		trim.tick(st.Open, st.Accepted)
		if limit > 0 && w.slot.Reason() == metrics.ReasonNone {
			if rss, err := metrics.RSS(os.Getpid()); err == nil && rss > limit {
				w.log.Warnf("Worker (pid:%d) uses %d MiB, over max_worker_memory %d MiB: restarting after its in-flight requests",
					os.Getpid(), rss>>20, limit>>20)
				w.slot.SetReason(metrics.ReasonMemory)
				srv.Drain()
				w.stop(stopGraceful)
			}
		}
		if w.env.masterPid != 0 && os.Getppid() != w.env.masterPid {
			w.log.Infof("Parent changed, shutting down: <Worker %d>", os.Getpid())
			w.stop(stopGraceful)
			return
		}
	}
}
