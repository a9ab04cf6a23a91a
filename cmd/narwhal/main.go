// Command narwhal is a drop-in replacement for gunicorn: it takes gunicorn's
// command line, GUNICORN_CMD_ARGS and settings, and serves a WSGI app.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/narwhalhq/narwhal/config"
	"github.com/narwhalhq/narwhal/eventloop/http1"
	"github.com/narwhalhq/narwhal/workers"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	cfg, err := config.Parse(args, os.Getenv, noFileLoader{})
	switch {
	case errors.Is(err, config.ErrHelp):
		fmt.Print(config.Usage())
		return 0
	case errors.Is(err, config.ErrVersion):
		fmt.Println(config.VersionString())
		return 0
	case err != nil:
		fmt.Fprintln(os.Stderr, config.FormatError(err))
		return config.ExitCode(err)
	}
	if cfg.Bool("print_config") {
		if err := cfg.Print(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	log := workers.NewLogger(os.Stderr, cfg.LogLevel() == "debug")
	notices, err := cfg.CheckSupport()
	for _, n := range append(cfg.Warnings(), notices...) {
		log.Warnf("%s", n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, config.FormatError(err))
		return 1
	}
	if err := notYet(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	if cfg.App() == "" {
		fmt.Fprintln(os.Stderr, "Error: No application module specified.")
		return 1
	}
	if cfg.Bool("check_config") {
		return 0
	}
	return serve(cfg, log)
}

// serve binds every address and runs one worker in this process.
func serve(cfg *config.Config, log *workers.Logger) int {
	log.Infof("Starting narwhal %s", config.Version)
	var fds []int
	for _, a := range cfg.Strings("bind") {
		ln, err := workers.Bind(a, cfg.Int("backlog"))
		if err != nil {
			log.Errorf("%v", err)
			return 1
		}
		fds = append(fds, ln.FD)
		log.Infof("Listening at: %s (%d)", ln.Name(), os.Getpid())
	}
	log.Infof("Using worker: %s", cfg.WorkerClass())
	err := workers.RunWorker(workers.WorkerConfig{
		App:               cfg.App(),
		Chdir:             cfg.String("chdir"),
		PythonPath:        pythonPath(cfg),
		Threads:           cfg.Int("threads"),
		WorkerConnections: cfg.Int("worker_connections"),
		Keepalive:         seconds(cfg.Int("keepalive")),
		GracefulTimeout:   seconds(cfg.Int("graceful_timeout")),
		Limits:            limits(cfg),
		URLScheme:         "http",
		Log:               log,
	}, fds)
	var xe *workers.ExitError
	if errors.As(err, &xe) {
		log.Errorf("%v", xe.Err)
		return xe.Code
	}
	if err != nil {
		log.Errorf("%v", err)
		return 1
	}
	log.Infof("Shutting down: Master")
	return 0
}

// notYet refuses, by name, settings whose machinery is still to come, so a
// deployment never silently runs with less than it asked for.
func notYet(cfg *config.Config) error {
	if w := cfg.Int("workers"); w != 1 {
		return fmt.Errorf("workers = %d: this build serves from a single process; the pre-fork master that runs more than one worker is not implemented yet", w)
	}
	if cfg.WorkerClass() == config.WorkerAsync {
		return fmt.Errorf("worker_class = %s: the gevent-like worker class is not implemented yet; use sync or threads", cfg.String("worker_class"))
	}
	if cfg.Bool("reuse_port") {
		return errors.New("reuse_port: not implemented yet in single-process mode")
	}
	return nil
}

func pythonPath(cfg *config.Config) []string {
	if cfg.IsNone("pythonpath") {
		return nil
	}
	var out []string
	for _, p := range strings.Split(cfg.String("pythonpath"), ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func limits(cfg *config.Config) http1.Limits {
	l := http1.DefaultLimits()
	l.RequestLine = cfg.Int("limit_request_line")
	l.Fields = cfg.Int("limit_request_fields")
	l.FieldSize = cfg.Int("limit_request_field_size")
	switch cfg.String("header_map") {
	case "refuse":
		l.HeaderMap = http1.HeaderMapRefuse
	case "dangerous":
		l.HeaderMap = http1.HeaderMapDangerous
	}
	return l
}

func seconds(n int) time.Duration {
	if n <= 0 {
		return -1
	}
	return time.Duration(n) * time.Second
}

// noFileLoader refuses configuration files loudly until the embedded
// interpreter executes them: a gunicorn.conf.py is never silently ignored.
type noFileLoader struct{}

func (noFileLoader) Load(spec string) (map[string]any, error) {
	return nil, fmt.Errorf("config file %s: executing Python config files is not implemented yet", spec)
}
