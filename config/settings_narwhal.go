package config

// Section "narwhal": settings gunicorn does not have. They work on the command
// line, in GUNICORN_CMD_ARGS and in gunicorn.conf.py (where real gunicorn
// ignores them as unknown names, so one config file serves both servers).

var sMetricsBind = &Setting{
	Name: "metrics_bind", Section: "narwhal",
	Flags: []string{"--metrics-bind"}, Meta: "ADDRESS",
	Type: TypeString, Default: "",
	Validate: validateOptionalAddress,
	Short:    "Serve Prometheus metrics on this address.",
	Desc: "A bind address like `127.0.0.1:9100` or `unix:PATH`; empty (the default) disables the endpoint. " +
		"The master serves `/metrics` (Prometheus text format, summed over every worker, exited ones " +
		"included), `/healthz` and `/readyz` (not ready while draining after TERM) there.",
	Support: honoured(),
}

var sRequestTimeout = &Setting{
	Name: "request_timeout", Section: "narwhal",
	Flags: []string{"--request-timeout"}, Meta: "SECONDS", ArgType: ArgFloat,
	Type: TypeFloat, Default: 0.0,
	Validate: validateNonNegFloat,
	Short:    "Abort a request that runs longer than this many seconds.",
	Desc: "Fractions allowed; 0 (the default) disables it. Unlike `timeout`, it bounds each " +
		"request for every worker class without killing the worker: the client gets 504 Gateway " +
		"Timeout (or its connection is closed if the response had begun), the error log gets the " +
		"Python stack of where the request was, and the request is interrupted with " +
		"`RequestTimeout` (a `BaseException`). A thread that does not return within " +
		"`graceful_timeout` more gets its worker restarted.",
	Support: honoured(),
}

var sMaxWorkerMemory = &Setting{
	Name: "max_worker_memory", Section: "narwhal",
	Flags: []string{"--max-worker-memory"}, Meta: "MIB", ArgType: ArgInt,
	Type: TypeInt, Default: 0,
	Validate: validatePosInt,
	Short:    "Gracefully restart a worker whose resident memory exceeds this many MiB.",
	Desc:     "0 (the default) disables the check.",
	Support:  honoured(),
}

var sAccessLogJSON = &Setting{
	Name: "access_log_json", Section: "narwhal",
	Flags: []string{"--access-log-json"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Write the access log as JSON lines instead of access_log_format.",
	Desc: "One JSON object per request with fixed fields: remote_addr, time (RFC 3339), " +
		"request, method, path, query, protocol, status, bytes, referer, user_agent, user, " +
		"duration_ms and pid; the `{name}i`, `{name}o` and `{var}e` atoms of " +
		"`access_log_format` add request_headers, response_headers and environ. A " +
		"separate setting rather than a special `access_log_format` value, so that a " +
		"gunicorn.conf.py setting it still means the same thing under gunicorn (which ignores " +
		"the unknown name) instead of logging the literal format.",
	Support: honoured(),
}
