package bench

import (
	"os"
	"os/exec"
	"strconv"
)

// Server is one contender of the matrix: a command line that serves an App
// on a loopback address with two workers (or what stands for them).
type Server struct {
	Name   string
	Family string // narwhal, gunicorn, uwsgi, waitress, go
	Note   string // printed under the tables when the setup is not "2 workers"
	// Args is the command line serving a on addr for load l. Loads that get
	// the same command line share one process group.
	Args func(e *MatrixEnv, a App, l Load, addr string) []string
}

// MatrixEnv is what server command lines need: the binaries this run built
// or found, and where the example apps live.
type MatrixEnv struct {
	Narwhal  string // built from ./cmd/narwhal
	Ceiling  string // built from ./bench/ceiling
	Gunicorn string
	UWSGI    string
	Waitress string
	Apps     string // examples/
	Workers  int
}

// Servers is the matrix's server list, in the order each cell runs them.
func Servers() []Server {
	return []Server{
		narwhal("sync"),
		narwhal("threads", "--threads", "8"),
		narwhal("gevent-like"),
		gunicorn("sync"),
		gunicorn("gthread", "--threads", "8"),
		gunicorn("gevent"),
		uwsgi("uwsgi"),
		uwsgi("uwsgi-threads", "--threads", "8", "--enable-threads"),
		{Name: "waitress", Family: "waitress",
			Note: "waitress has no worker processes: one process, --threads 8",
			Args: func(e *MatrixEnv, a App, l Load, addr string) []string {
				return []string{e.Waitress, "--listen=" + addr, "--threads=8", a.Module}
			}},
		{Name: "go-nethttp", Family: "go",
			Note: "Go net/http, no Python (bench/ceiling): one process on every core, the machine's ceiling",
			Args: func(e *MatrixEnv, a App, l Load, addr string) []string {
				return []string{e.Ceiling, "-app", a.Name, "-addr", addr}
			}},
	}
}

func narwhal(class string, extra ...string) Server {
	return Server{Name: "narwhal-" + class, Family: "narwhal",
		Args: func(e *MatrixEnv, a App, l Load, addr string) []string {
			args := []string{e.Narwhal, "-b", addr, "-w", strconv.Itoa(e.Workers), "-k", class}
			return append(append(args, extra...), "--pythonpath", e.Apps, a.Module)
		}}
}

func gunicorn(class string, extra ...string) Server {
	return Server{Name: "gunicorn-" + class, Family: "gunicorn",
		Args: func(e *MatrixEnv, a App, l Load, addr string) []string {
			args := []string{e.Gunicorn, "-b", addr, "-w", strconv.Itoa(e.Workers), "-k", class}
			return append(append(args, extra...), "--pythonpath", e.Apps, a.Module)
		}}
}

// uwsgi serves HTTP itself, at its best for each load: --http11-socket
// (--http-socket with HTTP/1.1 keep-alive; plain --http-socket closes every
// connection without a Connection: close header, which wrk counts as a read
// error per request), except under Connection: close, which --http11-socket
// ignores (RFC 9112 §9.6: the server must close), so that load gets
// --http-socket, which does close.
func uwsgi(name string, extra ...string) Server {
	return Server{Name: name, Family: "uwsgi",
		Note: "--master --processes 2 --http11-socket (keep-alive), except for Connection: close: --http-socket, because --http11-socket ignores a client's Connection: close and keeps the connection open; --http-socket closes without a Connection: close header, which wrk counts as one read error per request (socket errors)",
		Args: func(e *MatrixEnv, a App, l Load, addr string) []string {
			socket := "--http11-socket"
			if l.Name == close64.Name {
				socket = "--http-socket"
			}
			args := []string{e.UWSGI, socket, addr, "--master", "--processes", strconv.Itoa(e.Workers),
				"--plugin", "python3", "--pythonpath", e.Apps, "--module", a.Module,
				"--need-app", "--disable-logging"}
			return append(args, extra...)
		}}
}

// debianTool is Debian's copy of a Python tool, never one a pyenv or
// virtualenv shim put earlier on PATH.
func debianTool(name string) string {
	if _, err := os.Stat("/usr/bin/" + name); err == nil {
		return "/usr/bin/" + name
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return name
}
