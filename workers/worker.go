package workers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/narwhalhq/narwhal/eventloop"
	"github.com/narwhalhq/narwhal/eventloop/http1"
	"github.com/narwhalhq/narwhal/wsgi"
)

// Exit codes shared with the master, as gunicorn's arbiter defines them.
const (
	ExitBootError    = 3 // WORKER_BOOT_ERROR: the worker could not start
	ExitAppLoadError = 4 // APP_LOAD_ERROR: the application could not be imported
)

// WorkerConfig is everything a worker process needs to serve.
type WorkerConfig struct {
	App               string
	Chdir             string
	PythonPath        []string
	Threads           int
	WorkerConnections int
	Keepalive         time.Duration
	GracefulTimeout   time.Duration
	Limits            http1.Limits
	Multiprocess      bool
	URLScheme         string
	Log               *Logger
}

// ExitError carries the process exit code a failure maps to.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// RunWorker loads the app and serves the listening fds until TERM (graceful:
// in-flight requests finish within GracefulTimeout) or INT/QUIT (immediate).
func RunWorker(cfg WorkerConfig, fds []int) error {
	log := cfg.Log
	// The interpreter is bound to the OS thread that starts it.
	runtime.LockOSThread()
	if err := wsgi.Init(wsgi.InitConfig{Chdir: cfg.Chdir, PythonPath: cfg.PythonPath, ErrorFD: 2}); err != nil {
		return &ExitError{ExitBootError, fmt.Errorf("python: %w", err)}
	}
	threads := max(cfg.Threads, 1)
	app, err := wsgi.LoadApp(wsgi.AppConfig{
		Spec:         cfg.App,
		Multithread:  threads > 1,
		Multiprocess: cfg.Multiprocess,
		URLScheme:    cfg.URLScheme,
		ScriptName:   os.Getenv("SCRIPT_NAME"),
	})
	if err != nil {
		var le *wsgi.LoadError
		if errors.As(err, &le) && le.Traceback != "" {
			fmt.Fprint(os.Stderr, le.Traceback)
		}
		return &ExitError{ExitAppLoadError, err}
	}
	conns := cfg.WorkerConnections
	if conns <= 0 {
		conns = 1000
	}
	const pipeline = 64
	pool, err := NewPool(app, threads, conns*pipeline, cfg.URLScheme)
	if err != nil {
		return &ExitError{ExitBootError, err}
	}
	srv := eventloop.New(eventloop.Config{
		Limits:      cfg.Limits,
		Keepalive:   cfg.Keepalive,
		MaxPipeline: pipeline,
		MaxConns:    conns,
		Server:      "narwhal",
		ErrorLog:    log.Errorf,
	}, pool)

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT)
	if err := srv.ServeFDs(fds); err != nil {
		return &ExitError{ExitBootError, err}
	}
	log.Infof("Booting worker with pid: %d", os.Getpid())

	sig := <-sigs
	grace := cfg.GracefulTimeout
	if sig != syscall.SIGTERM {
		grace = 0 // INT/QUIT: gunicorn's quick shutdown
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	_ = srv.Shutdown(ctx)
	if sig == syscall.SIGTERM {
		pool.Close()
	}
	log.Infof("Worker exiting (pid: %d)", os.Getpid())
	return nil
}
