// Package workers is narwhal's process model: the arbiter (master) that
// binds the listeners and keeps a set of worker processes alive, and the
// worker process that serves requests from them. It is the only package that
// joins the event loop (eventloop) to the Python bridge (wsgi).
//
// # Roles
//
// Go cannot fork, so a worker is the narwhal binary executed again
// (/proc/self/exe, so a replaced binary on disk never mixes versions within
// one master) with NARWHAL_ROLE=worker in its environment. cmd/narwhal reads
// the role and calls WorkerMain instead of RunMaster. The master never loads
// the application and never serves a request.
//
// # Process contract (master → worker)
//
// File descriptors:
//
//	0, 1, 2            the master's stdin, stdout and stderr (with
//	                   capture_output and an errorlog file, 1 and 2 are
//	                   that file; the worker dups it onto them again)
//	3 … 3+N-1          the N listening sockets, in --bind order (or in
//	                   LISTEN_FDS order under systemd socket activation),
//	                   non-blocking; the worker accepts on them, never binds
//	3+N                the worker's scoreboard slot: a memfd mapped shared
//	                   (package metrics) with the heartbeat, lifecycle
//	                   state, request count and per-thread busy-since times
//
// No other descriptor is inherited (everything else is close-on-exec).
//
// Environment: the master's original environment, plus raw_env (-e), plus
//
//	NARWHAL_ROLE=worker
//	NARWHAL_CONFIG       the resolved configuration (config.Snapshot), so a
//	                     worker runs exactly the settings its master
//	                     resolved; an edited config file takes effect on
//	                     HUP, as with gunicorn's forked workers
//	NARWHAL_LISTENERS    N, the number of listening sockets
//	NARWHAL_MASTER_PID   the master's pid: a worker whose parent changes
//	                     (the master died) shuts down gracefully
//	NARWHAL_WORKER_AGE   the worker's age, gunicorn's worker.age
//
// The worker removes every NARWHAL_* variable before Python starts, so the
// application's os.environ is the one it would have under gunicorn.
// argv is the process title alone: "narwhal: worker [proc_name]".
//
// # Process contract (master → new master, on USR2 or -D)
//
// The same binary path and arguments the master was started with, from the
// directory it was started in, with the listeners at 3 … 3+N-1 and
//
//	NARWHAL_FD    "3,4,…": use these listeners instead of binding (gunicorn's
//	              GUNICORN_FD)
//	NARWHAL_PID   the old master's pid (gunicorn's GUNICORN_PID); the new
//	              master writes PIDFILE.2 and is "Master.2" until the old
//	              master exits, then renames the pidfile and is promoted
//
// # Exit codes (worker → master), as gunicorn's arbiter defines them
//
//	0   stopped on request (TERM, INT, QUIT, max_requests, parent gone)
//	1   aborted (SIGABRT after WORKER TIMEOUT) or failed while serving
//	3   WORKER_BOOT_ERROR: could not start (Python, listeners, threads)
//	4   APP_LOAD_ERROR: the application could not be imported
//
// A worker that exits with 3 or 4 before it is ready halts the master
// instead of being respawned in a crash loop, unless it was started by a
// HUP while workers of the previous configuration still serve: then the
// reload is abandoned and the previous workers keep serving.
//
// # Worker classes
//
// Every class serves through the same event loop, so each keeps connections
// alive and pipelines; they differ in how the app runs:
//
//	sync         the event loop runs the app itself, on its OS thread with
//	             its own Python thread state (NewInlinePool): requests run
//	             one at a time, in arrival order, with no thread handoff;
//	             with --request-timeout, one app thread of its own instead,
//	             so the 504 leaves while the app still runs
//	threads      --threads app threads (gunicorn's gthread); requests run in
//	             parallel whenever the app releases the GIL
//	gevent-like  gevent's hub on the thread that started Python, after
//	             gevent.monkey.patch_all(); each request runs in a greenlet,
//	             up to --worker-connections at once (wsgi.Hub)
//
// The master times a worker out when its heartbeat is older than --timeout:
// the sync and threads classes beat from Go unless every app thread has
// been on one request that long; the gevent-like hub beats from a greenlet,
// so CPU-bound code that never yields stops the beat.
//
// # Signals
//
// Master: HUP reload, TTIN/TTOU one worker more/less, TERM graceful stop,
// INT/QUIT fast stop, USR1 reopen logs (and tell workers), USR2 re-exec a
// new master on the same listeners, WINCH stop the workers of a daemonized
// master, CHLD reap. Worker: TERM graceful (finish in-flight requests within
// graceful_timeout, serve what waits in the accept backlog), INT/QUIT exit
// now, USR1 reopen logs, ABRT log every Python thread's stack and exit 1.
package workers
