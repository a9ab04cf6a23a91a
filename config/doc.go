// Package config is narwhal's configuration: gunicorn's settings, command
// line, GUNICORN_CMD_ARGS and gunicorn.conf.py handling, reproduced so that a
// gunicorn deployment runs unchanged.
//
// The table of settings (Settings, one *Setting per setting) mirrors gunicorn
// 23.0's gunicorn/config.py: same names, sections, flags, defaults and
// validator semantics, plus narwhal's own settings in section "narwhal". Each
// setting carries a Support status: Honoured, Inert (accepted, no effect, a
// notice at start), Planned or Refused (a non-default value stops the server
// at start with the reason; see Config.CheckSupport). Nothing is silently
// ignored.
//
// Parse resolves a Config with gunicorn's precedence (defaults < config file
// < GUNICORN_CMD_ARGS < command line, gunicorn/app/base.py) and argparse's
// command line syntax. The config file itself is Python: a FileLoader
// supplied by the caller (narwhal's embedded interpreter) executes it and
// returns its globals.
//
// Errors follow gunicorn's exit statuses: usage errors (argparse) exit 2,
// invalid values and config file problems exit 1 (ExitCode, FormatError).
//
// docs/settings.md is generated from the table by "go generate ./config/";
// a test fails when it is stale.
package config

//go:generate go run ./gendocs -o ../docs/settings.md
