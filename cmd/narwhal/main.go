// Command narwhal is a drop-in replacement for gunicorn: it takes gunicorn's
// command line, GUNICORN_CMD_ARGS and settings, and serves a WSGI app from a
// pre-fork master and its worker processes (workers/doc.go).
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/narwhalhq/narwhal/config"
	"github.com/narwhalhq/narwhal/workers"
	"github.com/narwhalhq/narwhal/wsgi"
)

func main() {
	if workers.IsWorker() {
		os.Exit(workers.WorkerMain())
	}
	// Copies first: the process title reuses the memory os.Args points to.
	argv0 := strings.Clone(os.Args[0])
	args := make([]string, len(os.Args)-1)
	for i, a := range os.Args[1:] {
		args[i] = strings.Clone(a)
	}
	title := workers.ClaimProcTitle()
	os.Exit(run(argv0, args, title))
}

func run(argv0 string, args []string, title *workers.ProcTitle) int {
	cfg, err := load(args)
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
	if cfg.Bool("check_config") {
		return 0
	}
	return workers.RunMaster(workers.MasterOptions{
		Config: cfg,
		Load:   func() (*config.Config, error) { return reload(args) },
		Argv0:  argv0,
		Args:   args,
		Title:  title,
	})
}

// load resolves the configuration from the command line, the environment
// and the config file, which the embedded interpreter executes.
func load(args []string) (*config.Config, error) {
	return config.Parse(args, os.Getenv, wsgi.ConfigLoader{})
}

// reload is load for HUP, with the start-time checks: a configuration that
// could not start is not applied.
func reload(args []string) (*config.Config, error) {
	cfg, err := load(args)
	if err != nil {
		return nil, errors.New(config.FormatError(err))
	}
	if _, err := cfg.CheckSupport(); err != nil {
		return nil, errors.New(config.FormatError(err))
	}
	return cfg, nil
}
