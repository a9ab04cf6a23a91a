package config

// Section "Server Mechanics": process and application loading settings.
// The HTTP-related ones of the same section are in settings_http.go.

var sPreloadApp = &Setting{
	Name: "preload_app", Section: "Server Mechanics",
	Flags: []string{"--preload"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Load the application before the worker processes are started.",
	Desc:     "gunicorn imports the app in the master and forks workers that share it copy-on-write.",
	Support:  planned("narwhal starts workers without fork(), so preloading is not implemented yet"),
}

var sSendfile = &Setting{
	Name: "sendfile", Section: "Server Mechanics",
	Flags: []string{"--no-sendfile"}, Action: ActionStoreFalse,
	Type: TypeOptBool, Default: nil,
	Validate: validateBool,
	Short:    "Disables the use of sendfile().",
	Desc: "When unset (None), the `SENDFILE` environment variable decides (`y`, `1`, `yes`, `true` " +
		"enable), and sendfile is enabled without it. As in gunicorn, any value set here, even " +
		"`True`, disables sendfile (Config.SendfileEnabled).",
	Support: honoured(),
}

var sReusePort = &Setting{
	Name: "reuse_port", Section: "Server Mechanics",
	Flags: []string{"--reuse-port"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Set the SO_REUSEPORT flag on the listening sockets.",
	Support:  honoured(),
}

var sChdir = &Setting{
	Name: "chdir", Section: "Server Mechanics",
	Flags: []string{"--chdir"},
	Type:  TypeString, Default: ".",
	DefaultDoc: "the current directory",
	Validate:   validateChdir,
	Short:      "Change to this directory before loading the application.",
	Desc:       "Made absolute relative to the current directory (`$PWD` when it is the same directory); it must exist.",
	Support:    honoured(),
}

var sDaemon = &Setting{
	Name: "daemon", Section: "Server Mechanics",
	Flags: []string{"-D", "--daemon"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Detach from the terminal and run in the background.",
	Support:  honoured(),
}

var sRawEnv = &Setting{
	Name: "raw_env", Section: "Server Mechanics",
	Flags: []string{"-e", "--env"}, Meta: "ENV", Action: ActionAppend,
	Type: TypeStringList, Default: []string{},
	Validate: validateRawEnv,
	Short:    "Set environment variables in the execution environment.",
	Desc:     "`KEY=VALUE`, repeatable; a list of such strings in the config file (Config.Env).",
	Support:  honoured(),
}

var sPidfile = &Setting{
	Name: "pidfile", Section: "Server Mechanics",
	Flags: []string{"-p", "--pid"}, Meta: "FILE",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "A filename to write the master's PID to.",
	Desc:     "No PID file when unset.",
	Support:  honoured(),
}

var sWorkerTmpDir = &Setting{
	Name: "worker_tmp_dir", Section: "Server Mechanics",
	Flags: []string{"--worker-tmp-dir"}, Meta: "DIR",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "A directory for the worker heartbeat temporary file.",
	Desc:     "gunicorn's heartbeat fchmod()s a file there; narwhal's heartbeat uses no file.",
	Support:  inert("narwhal's worker heartbeat is shared memory, not a file; the directory is only checked to exist, as gunicorn does"),
}

var sUser = &Setting{
	Name: "user", Section: "Server Mechanics",
	Flags: []string{"-u", "--user"}, Meta: "USER",
	Type: TypeInt, Default: nil,
	DefaultDoc: "the effective uid (`os.geteuid()`)",
	Validate:   validateUser,
	Short:      "Switch worker processes to run as this user.",
	Desc:       "A uid or a user name; resolved to the uid when parsing.",
	Support:    honoured(),
}

var sGroup = &Setting{
	Name: "group", Section: "Server Mechanics",
	Flags: []string{"-g", "--group"}, Meta: "GROUP",
	Type: TypeInt, Default: nil,
	DefaultDoc: "the effective gid (`os.getegid()`)",
	Validate:   validateGroup,
	Short:      "Switch worker processes to run as this group.",
	Desc:       "A gid or a group name; resolved to the gid when parsing.",
	Support:    honoured(),
}

var sUmask = &Setting{
	Name: "umask", Section: "Server Mechanics",
	Flags: []string{"-m", "--umask"}, Meta: "INT", ArgType: ArgAutoInt,
	Type: TypeInt, Default: 0,
	Validate: validatePosInt,
	Short:    "A bit mask for the mode of files written by the server.",
	Desc: "Affects unix socket permissions. On the command line `022` is octal and `0x12` hex " +
		"(gunicorn's auto_int); in the config file strings follow `int(value, 0)`.",
	Support: honoured(),
}

var sInitgroups = &Setting{
	Name: "initgroups", Section: "Server Mechanics",
	Flags: []string{"--initgroups"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Give workers all the groups of the user, plus the group.",
	Support:  honoured(),
}

var sTmpUploadDir = &Setting{
	Name: "tmp_upload_dir", Section: "Server Mechanics", Meta: "DIR",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "Directory for temporary request data.",
	Desc:     "Config file only. narwhal spools large request bodies there (system temp dir when unset).",
	Support:  honoured(),
}

var sPythonpath = &Setting{
	Name: "pythonpath", Section: "Server Mechanics",
	Flags: []string{"--pythonpath"}, Meta: "STRING",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "Comma-separated directories to add to the Python path.",
	Support:  honoured(),
}

var sPaste = &Setting{
	Name: "paste", Section: "Server Mechanics",
	Flags: []string{"--paste", "--paster"}, Meta: "STRING",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "Load a PasteDeploy config file.",
	Desc:     "`FILE[#APP_SECTION]`. On the command line it replaces `APP_MODULE`.",
	Support:  honoured(),
}

var sRawPasteGlobalConf = &Setting{
	Name: "raw_paste_global_conf", Section: "Server Mechanics",
	Flags: []string{"--paste-global"}, Meta: "CONF", Action: ActionAppend,
	Type: TypeStringList, Default: []string{},
	Validate: validateListString,
	Short:    "Set a PasteDeploy global config variable, `key=value`.",
	Desc:     "Repeatable.",
	Support:  honoured(),
}
