package config

// Section "Debugging".

const reloadReason = "code reloading is not implemented yet"

var sReload = &Setting{
	Name: "reload", Section: "Debugging",
	Flags: []string{"--reload"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Restart workers when code changes.",
	Desc:     "For development. Incompatible with `preload_app`.",
	Support:  planned(reloadReason),
}

var sReloadEngine = &Setting{
	Name: "reload_engine", Section: "Debugging",
	Flags: []string{"--reload-engine"}, Meta: "STRING",
	Type: TypeString, Default: "auto",
	Choices:  []string{"auto", "poll", "inotify"},
	Validate: choiceValidator("auto", "poll", "inotify"),
	Short:    "The implementation that powers reload.",
	Desc:     "`auto`, `poll` or `inotify`.",
	Support:  planned(reloadReason),
}

var sReloadExtraFiles = &Setting{
	Name: "reload_extra_files", Section: "Debugging",
	Flags: []string{"--reload-extra-file"}, Meta: "FILES", Action: ActionAppend,
	Type: TypeStringList, Default: []string{},
	Validate: validateListOfExistingFiles,
	Short:    "Extra files whose change triggers a reload.",
	Desc:     "Repeatable; the files must exist.",
	Support:  planned(reloadReason),
}

var sSpew = &Setting{
	Name: "spew", Section: "Debugging",
	Flags: []string{"--spew"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Trace every line executed by the server.",
	Desc:     "gunicorn installs a Python trace function in its own arbiter.",
	Support:  refused("narwhal's server is not Python code; use Python's own tracing inside the app"),
}

var sCheckConfig = &Setting{
	Name: "check_config", Section: "Debugging",
	Flags: []string{"--check-config"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Check the configuration and exit.",
	Desc:     "Exit status 0 when the configuration and the application load, 1 otherwise.",
	Support:  honoured(),
}

var sPrintConfig = &Setting{
	Name: "print_config", Section: "Debugging",
	Flags: []string{"--print-config"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Print the fully resolved configuration and exit.",
	Desc: "One `name = value` line per setting, sorted by name and aligned like gunicorn's " +
		"(Config.Print). Implies `check_config`.",
	Support: honoured(),
}
