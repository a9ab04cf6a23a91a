package config

// Sections "Config File" and "Server Socket".

var sConfig = &Setting{
	Name: "config", Section: "Config File",
	Flags: []string{"-c", "--config"}, Meta: "CONFIG",
	Type: TypeString, Default: "./gunicorn.conf.py",
	Validate: validateString,
	Short:    "The gunicorn config file to load.",
	Desc: "`PATH`, `file:PATH` or `python:MODULE_NAME`. Only honoured on the command line or in " +
		"`GUNICORN_CMD_ARGS` (the command line wins). Without it, `./gunicorn.conf.py` is loaded " +
		"when it exists. The file is executed by narwhal's embedded Python exactly as gunicorn does; " +
		"its module globals that name settings are validated and applied, other names are ignored.",
	Support: honoured(),
}

var sWSGIApp = &Setting{
	Name: "wsgi_app", Section: "Config File", Meta: "STRING",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "The WSGI application, `MODULE:VARIABLE`, when none is given on the command line.",
	Desc:     "Config file only. The positional `APP_MODULE` argument takes precedence.",
	Support:  honoured(),
}

var sBind = &Setting{
	Name: "bind", Section: "Server Socket",
	Flags: []string{"-b", "--bind"}, Meta: "ADDRESS", Action: ActionAppend,
	Type: TypeStringList, Default: []string{"127.0.0.1:8000"},
	DefaultDoc: "`['127.0.0.1:8000']`, or `['0.0.0.0:$PORT']` when `PORT` is set",
	envDefault: func(getenv func(string) string) (any, bool, error) {
		if p := getenv("PORT"); p != "" {
			return []string{"0.0.0.0:" + p}, true, nil
		}
		return nil, false, nil
	},
	envVar:   "PORT",
	Validate: validateBind,
	Short:    "The sockets to bind.",
	Desc: "`HOST`, `HOST:PORT`, `[IPV6]:PORT`, `unix:PATH` or `fd://FD`; repeat the flag to bind " +
		"several. A list in the config file. narwhal checks each address when parsing (gunicorn only " +
		"when binding), with gunicorn's messages.",
	Support: honoured(),
}

var sBacklog = &Setting{
	Name: "backlog", Section: "Server Socket",
	Flags: []string{"--backlog"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 2048,
	Validate: validatePosInt,
	Short:    "The maximum number of pending connections.",
	Desc:     "The listen(2) backlog: clients beyond it get connection errors under heavy load.",
	Support:  honoured(),
}
