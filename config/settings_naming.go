package config

// Section "Process Naming".

var sProcName = &Setting{
	Name: "proc_name", Section: "Process Naming",
	Flags: []string{"-n", "--name"}, Meta: "STRING",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "A base for process titles, as shown by ps and top.",
	Desc:     "`default_proc_name` is used when unset (Config.ProcName).",
	Support:  honoured(),
}

var sDefaultProcName = &Setting{
	Name: "default_proc_name", Section: "Process Naming",
	Type: TypeString, Default: "gunicorn",
	Validate: validateString,
	Short:    "Internal: the process name when proc_name is unset.",
	Desc:     "Set from `APP_MODULE` (or the `--paste` file); kept as `gunicorn` otherwise for compatibility.",
	Support:  honoured(),
}
