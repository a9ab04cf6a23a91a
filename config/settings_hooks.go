package config

import "strings"

// Section "Server Hooks": Python callables, config file only. The default of
// each is gunicorn's no-op function, shown by --print-config by its qualified
// name; its Hook has a nil Ref.

// hookWhere says in which process each hook runs: gunicorn forks workers
// from its master, narwhal executes them anew (see workers/doc.go).
const hookWhere = "Hooks that gunicorn runs in a forked worker (post_fork, post_worker_init, " +
	"worker_int, worker_abort, pre_request, post_request, worker_exit) run in narwhal's " +
	"worker process, which executes the config file again to get them: state a master " +
	"hook set up is not inherited."

// hook builds a Server Hooks setting; class is gunicorn's Setting class name,
// which --print-config shows in the default's qualified name.
func hook(name, class string, validate func(any) (any, error), signature, short, desc string) *Setting {
	return &Setting{
		Name: name, Section: "Server Hooks",
		Type: TypeHook, Default: Hook{Name: class + "." + name},
		DefaultDoc: "`def " + signature + ": pass`",
		Validate:   validate,
		Short:      short,
		Desc:       strings.TrimSpace("Signature `" + signature + "`. " + desc),
		Support:    honoured(),
	}
}

var (
	sOnStarting = hook("on_starting", "OnStarting", validateCallable(1), "on_starting(server)",
		"Called just before the master process is initialized.", "")
	sOnReload = hook("on_reload", "OnReload", validateCallable(1), "on_reload(server)",
		"Called to recycle workers during a reload via SIGHUP.", "")
	sWhenReady = hook("when_ready", "WhenReady", validateCallable(1), "when_ready(server)",
		"Called just after the server is started.", "")
	sPreFork = hook("pre_fork", "Prefork", validateCallable(2), "pre_fork(server, worker)",
		"Called just before a worker is started.", "")
	sPostFork = hook("post_fork", "Postfork", validateCallable(2), "post_fork(server, worker)",
		"Called in a worker just after it is started.", "")
	sPostWorkerInit = hook("post_worker_init", "PostWorkerInit", validateCallable(1), "post_worker_init(worker)",
		"Called just after a worker has loaded the application.", "")
	sWorkerInt = hook("worker_int", "WorkerInt", validateCallable(1), "worker_int(worker)",
		"Called when a worker exits on SIGINT or SIGQUIT.", "")
	sWorkerAbort = hook("worker_abort", "WorkerAbort", validateCallable(1), "worker_abort(worker)",
		"Called when a worker receives SIGABRT, generally on timeout.", "")
	sPreExec = hook("pre_exec", "PreExec", validateCallable(1), "pre_exec(server)",
		"Called just before a new master process is started (USR2 upgrade).", "")
	sPreRequest = hook("pre_request", "PreRequest", validateCallable(2), "pre_request(worker, req)",
		"Called just before a worker processes a request.",
		"The default logs the method and path at debug level.")
	sPostRequest = hook("post_request", "PostRequest", validatePostRequest, "post_request(worker, req, environ, resp)",
		"Called after a worker processes a request.",
		"Callables taking 2 or 3 arguments are accepted, as in gunicorn.")
	sChildExit = hook("child_exit", "ChildExit", validateCallable(2), "child_exit(server, worker)",
		"Called in the master just after a worker has exited.", "")
	sWorkerExit = hook("worker_exit", "WorkerExit", validateCallable(2), "worker_exit(server, worker)",
		"Called in a worker just before it exits.", "")
	sNworkersChanged = hook("nworkers_changed", "NumWorkersChanged", validateCallable(3),
		"nworkers_changed(server, new_value, old_value)",
		"Called just after the number of workers changed.",
		"`old_value` is None the first time.")
	sOnExit = hook("on_exit", "OnExit", validateCallable(1), "on_exit(server)",
		"Called just before the server exits.", "")
	sSSLContext = hook("ssl_context", "NewSSLContext", validateCallable(2),
		"ssl_context(config, default_ssl_context_factory)",
		"Called to build the SSLContext.",
		"It must return an `ssl.SSLContext`, typically one from the factory, customised.")
)

func init() {
	// TLS is not served yet, so there is nothing to build a context for.
	sSSLContext.Support = planned(tlsReason)
	for _, s := range []*Setting{sPostFork, sPostWorkerInit, sWorkerInt, sWorkerAbort, sPreRequest, sPostRequest, sWorkerExit} {
		s.Desc = strings.TrimSpace(s.Desc + " " + hookWhere)
	}
}
