package config

// Section "Logging".

const (
	logconfigReason = "Python logging configuration of the server's logs is not implemented yet"
	statsdReason    = "StatsD metrics are not implemented yet; see metrics_bind"
)

var sAccesslog = &Setting{
	Name: "accesslog", Section: "Logging",
	Flags: []string{"--access-logfile"}, Meta: "FILE",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "The access log file to write to.",
	Desc:     "`-` means stdout. No access log when unset.",
	Support:  honoured(),
}

var sDisableRedirectAccessToSyslog = &Setting{
	Name: "disable_redirect_access_to_syslog", Section: "Logging",
	Flags: []string{"--disable-redirect-access-to-syslog"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Do not send access logs to syslog.",
	Support:  honoured(),
}

var sAccessLogFormat = &Setting{
	Name: "access_log_format", Section: "Logging",
	Flags: []string{"--access-logformat"}, Meta: "STRING",
	Type: TypeString, Default: `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`,
	Validate: validateString,
	Short:    "The access log format.",
	Desc: "gunicorn's `%(name)s` atoms: `h` remote address, `l` `-`, `u` user, `t` date, `r` " +
		"request line, `m` method, `U` path, `q` query, `H` protocol, `s` status, `B` response " +
		"length, `b` length or `-`, `f` referer, `a` user agent, `T`/`M`/`D` request time in s/ms/µs, " +
		"`L` decimal seconds, `p` pid, `{header}i` request header, `{header}o` response header, " +
		"`{var}e` environment variable. For JSON lines see narwhal's `access_log_json`.",
	Support: honoured(),
}

var sErrorlog = &Setting{
	Name: "errorlog", Section: "Logging",
	Flags: []string{"--error-logfile", "--log-file"}, Meta: "FILE",
	Type: TypeString, Default: "-",
	Validate: validateString,
	Short:    "The error log file to write to.",
	Desc:     "`-` means stderr.",
	Support:  honoured(),
}

var sLoglevel = &Setting{
	Name: "loglevel", Section: "Logging",
	Flags: []string{"--log-level"}, Meta: "LEVEL",
	Type: TypeString, Default: "info",
	Choices:  []string{"debug", "info", "warning", "error", "critical"},
	Validate: validateLogLevel,
	Short:    "The granularity of error log output.",
	Desc: "`debug`, `info`, `warning`, `error` or `critical`, in any case. gunicorn silently uses " +
		"`info` for anything else; narwhal refuses it.",
	Support: honoured(),
}

var sCaptureOutput = &Setting{
	Name: "capture_output", Section: "Logging",
	Flags: []string{"--capture-output"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Redirect stdout/stderr of the application to the errorlog file.",
	Support:  honoured(),
}

var sLoggerClass = &Setting{
	Name: "logger_class", Section: "Logging",
	Flags: []string{"--logger-class"}, Meta: "STRING",
	Type: TypeString, Default: defaultLoggerClass,
	Choices:  []string{defaultLoggerClass, "simple"},
	Validate: validateLoggerClass,
	Short:    "The logger class for the server's logs.",
	Desc: "narwhal reimplements gunicorn's default logger (`gunicorn.glogging.Logger`, alias " +
		"`simple`); custom Python logger classes are refused.",
	Support: honoured(),
}

var sLogconfig = &Setting{
	Name: "logconfig", Section: "Logging",
	Flags: []string{"--log-config"}, Meta: "FILE",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "A Python logging fileConfig file for the server's logs.",
	Support:  planned(logconfigReason),
}

var sLogconfigDict = &Setting{
	Name: "logconfig_dict", Section: "Logging",
	Type: TypeDict, Default: map[string]any{},
	Validate: validateDict,
	Short:    "A Python logging dictConfig dict for the server's logs.",
	Desc:     "Config file only. Takes precedence over `logconfig` and `logconfig_json`.",
	Support:  planned(logconfigReason),
}

var sLogconfigJSON = &Setting{
	Name: "logconfig_json", Section: "Logging",
	Flags: []string{"--log-config-json"}, Meta: "FILE",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "A JSON file with a Python logging dictConfig for the server's logs.",
	Support:  planned(logconfigReason),
}

var sSyslogAddr = &Setting{
	Name: "syslog_addr", Section: "Logging",
	Flags: []string{"--log-syslog-to"}, Meta: "SYSLOG_ADDR",
	// gunicorn's default on Linux; darwin and the BSDs use local sockets.
	Type: TypeString, Default: "udp://localhost:514",
	Validate: validateString,
	Short:    "Where to send syslog messages.",
	Desc:     "`unix://PATH#TYPE` (`stream` or `dgram`), `udp://HOST:PORT` or `tcp://HOST:PORT`.",
	Support:  honoured(),
}

var sSyslog = &Setting{
	Name: "syslog", Section: "Logging",
	Flags: []string{"--log-syslog"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Send the server's logs to syslog.",
	Support:  honoured(),
}

var sSyslogPrefix = &Setting{
	Name: "syslog_prefix", Section: "Logging",
	Flags: []string{"--log-syslog-prefix"}, Meta: "SYSLOG_PREFIX",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "The program name in syslog entries (`gunicorn.<prefix>`).",
	Support:  honoured(),
}

var sSyslogFacility = &Setting{
	Name: "syslog_facility", Section: "Logging",
	Flags: []string{"--log-syslog-facility"}, Meta: "SYSLOG_FACILITY",
	Type: TypeString, Default: "user",
	Validate: validateString,
	Short:    "The syslog facility name.",
	Support:  honoured(),
}

var sEnableStdioInheritance = &Setting{
	Name: "enable_stdio_inheritance", Section: "Logging",
	Flags: []string{"-R", "--enable-stdio-inheritance"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Keep stdio file descriptors in daemon mode.",
	Support:  honoured(),
}

var sStatsdHost = &Setting{
	Name: "statsd_host", Section: "Logging",
	Flags: []string{"--statsd-host"}, Meta: "STATSD_ADDR",
	Type: TypeString, Default: nil,
	Validate: validateStatsdAddress,
	Short:    "The StatsD server to send metrics to.",
	Desc:     "`HOST:PORT` (port 8125 by default) or `unix://PATH`.",
	Support:  planned(statsdReason),
}

var sDogstatsdTags = &Setting{
	Name: "dogstatsd_tags", Section: "Logging",
	Flags: []string{"--dogstatsd-tags"}, Meta: "DOGSTATSD_TAGS",
	Type: TypeString, Default: "",
	Validate: validateString,
	Short:    "Comma-separated DogStatsD tags added to StatsD metrics.",
	Support:  planned(statsdReason),
}

var sStatsdPrefix = &Setting{
	Name: "statsd_prefix", Section: "Logging",
	Flags: []string{"--statsd-prefix"}, Meta: "STATSD_PREFIX",
	Type: TypeString, Default: "",
	Validate: validateString,
	Short:    "Prefix of StatsD metric names (a trailing `.` is added).",
	Support:  planned(statsdReason),
}
