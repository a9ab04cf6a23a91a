package config

import "fmt"

// Section "Worker Processes".

var sWorkers = &Setting{
	Name: "workers", Section: "Worker Processes",
	Flags: []string{"-w", "--workers"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 1,
	DefaultDoc: "`$WEB_CONCURRENCY`, or `1` when it is not set",
	envDefault: func(getenv func(string) string) (any, bool, error) {
		s := getenv("WEB_CONCURRENCY")
		if s == "" {
			return nil, false, nil
		}
		// gunicorn: int(os.environ.get("WEB_CONCURRENCY", 1)), base 10.
		n, err := pyInt(s, 10)
		if err != nil {
			return nil, false, fmt.Errorf("invalid literal for int() with base 10: %s", pyRepr(s))
		}
		return n, true, nil
	},
	envVar:   "WEB_CONCURRENCY",
	Validate: validatePosInt,
	Short:    "The number of worker processes handling requests.",
	Desc:     "Typically 2-4 per CPU core.",
	Support:  honoured(),
}

var sWorkerClass = &Setting{
	Name: "worker_class", Section: "Worker Processes",
	Flags: []string{"-k", "--worker-class"}, Meta: "STRING",
	Type: TypeString, Default: "sync",
	Choices:  []string{"sync", "threads", "gthread", "gevent-like", "gevent", "async"},
	Validate: validateWorkerClass,
	Short:    "The type of worker to use.",
	Desc: "narwhal's worker classes: `sync` (one request at a time per worker), `threads` (alias " +
		"`gthread`: a thread pool per worker, sized by `threads`) and `async` (alias `gevent`: " +
		"cooperative, many connections per worker). gunicorn's dotted and `egg:gunicorn#` spellings " +
		"of these are accepted too. As in gunicorn, `sync` with `threads` > 1 runs the threaded " +
		"worker (Config.WorkerClass). `eventlet`, `tornado` and custom worker classes are refused.",
	Support: honoured(),
}

var sThreads = &Setting{
	Name: "threads", Section: "Worker Processes",
	Flags: []string{"--threads"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 1,
	Validate: validatePosInt,
	Short:    "The number of threads per worker handling requests.",
	Desc:     "Used by the `threads` worker; with the `sync` class, more than 1 switches to `threads`.",
	Support:  honoured(),
}

var sWorkerConnections = &Setting{
	Name: "worker_connections", Section: "Worker Processes",
	Flags: []string{"--worker-connections"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 1000,
	Validate: validatePosInt,
	Short:    "The maximum number of simultaneous clients per worker.",
	Desc:     "Further connections wait in the listen backlog.",
	Support:  honoured(),
}

var sMaxRequests = &Setting{
	Name: "max_requests", Section: "Worker Processes",
	Flags: []string{"--max-requests"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 0,
	Validate: validatePosInt,
	Short:    "Restart a worker after it has handled this many requests.",
	Desc:     "A simple bound on memory leaks. 0 disables restarts.",
	Support:  honoured(),
}

var sMaxRequestsJitter = &Setting{
	Name: "max_requests_jitter", Section: "Worker Processes",
	Flags: []string{"--max-requests-jitter"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 0,
	Validate: validatePosInt,
	Short:    "The maximum random jitter added to max_requests.",
	Desc:     "Each worker adds `randint(0, max_requests_jitter)` so workers do not all restart together.",
	Support:  honoured(),
}

var sTimeout = &Setting{
	Name: "timeout", Section: "Worker Processes",
	Flags: []string{"-t", "--timeout"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 30,
	Validate: validatePosInt,
	Short:    "Workers silent for more than this many seconds are killed and restarted.",
	Desc: "0 disables the timeout. For `sync` workers this bounds a request; for the other classes it " +
		"only bounds how long a worker may fail to report that it is alive. See also narwhal's " +
		"`request_timeout`.",
	Support: honoured(),
}

var sGracefulTimeout = &Setting{
	Name: "graceful_timeout", Section: "Worker Processes",
	Flags: []string{"--graceful-timeout"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 30,
	Validate: validatePosInt,
	Short:    "Seconds workers get to finish requests after a restart signal.",
	Desc:     "Workers still alive after this are killed.",
	Support:  honoured(),
}

var sKeepalive = &Setting{
	Name: "keepalive", Section: "Worker Processes",
	Flags: []string{"--keep-alive"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 2,
	Validate: validatePosInt,
	Short:    "Seconds to wait for the next request on a keep-alive connection.",
	Desc:     "Raise it behind a load balancer. gunicorn's `sync` worker ignores it.",
	Support:  honoured(),
}
