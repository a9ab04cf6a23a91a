package wsgi

import "errors"

// Version is narwhal's version, used in the default SERVER_SOFTWARE.
const Version = "0.1.0"

// ErrAbort is returned by Thread.Call when the app failed after the response
// head was handed to the Sink: the response is incomplete and the server
// must close the connection (gunicorn: handle_error after headers_sent).
var ErrAbort = errors.New("wsgi: response aborted after headers were sent")

// errNoPython is what the nopython stub returns from every entry point.
var errNoPython = errors.New("wsgi: built without Python (nopython build tag)")

// InitConfig configures the embedded interpreter (once per process).
type InitConfig struct {
	// Chdir is gunicorn's --chdir: the process changes to it before any app
	// is loaded and it goes first on sys.path. Empty means the current
	// directory (gunicorn's default, util.getcwd()).
	Chdir string
	// PythonPath holds gunicorn's --pythonpath entries. Each is made
	// absolute and inserted at the front of sys.path in order, as gunicorn
	// does (so the last entry ends up first).
	PythonPath []string
	// ErrorFD is the file descriptor that wsgi.errors, request tracebacks
	// and Python's sys.stderr write to. Zero or negative means 2 (stderr).
	// The bridge never closes it.
	ErrorFD int
}

// AppConfig describes how to load an app and the environ constants it sees.
type AppConfig struct {
	// Spec is gunicorn's APP_MODULE: "module" (uses "application"),
	// "module:name", "module:factory()" or "module:factory('a', 1, k=2)"
	// with literal arguments only (gunicorn 20.1 util.import_app).
	Spec         string
	Multithread  bool   // wsgi.multithread
	Multiprocess bool   // wsgi.multiprocess
	URLScheme    string // default wsgi.url_scheme; "" means "http"
	// ScriptName is the SCRIPT_NAME of every request. Empty means
	// os.environ["SCRIPT_NAME"] after Environ was applied, as gunicorn reads
	// it. Trailing slashes are removed (PEP 3333: SCRIPT_NAME is never "/").
	ScriptName string
	// Environ holds gunicorn's --env (raw_env) pairs. Like gunicorn's worker
	// they are put into os.environ before the app is imported, not into the
	// WSGI environ.
	Environ map[string]string
	// ServerSoftware is SERVER_SOFTWARE; "" means "narwhal/" + Version.
	ServerSoftware string
	// Paste loads Spec with PasteDeploy instead of importing it, as
	// gunicorn's load_pasteapp does when --paste is set: Spec is then a
	// config URI, the absolute ini path with an optional "#app_section"
	// (default "main"), given to paste.deploy.loadapp with "config:" in
	// front and relative_to the current directory.
	Paste bool
	// PasteGlobalConf holds gunicorn's --paste-global entries, "KEY=VALUE"
	// with "\=" for an "=" inside either; they are loadapp's global_conf.
	// An entry without "=" fails the load, as in gunicorn.
	PasteGlobalConf []string
	// PasteLogging runs logging.config.fileConfig on the ini before the app
	// is loaded when it has a [loggers] section (gunicorn makes such an ini
	// its logconfig). The caller clears it when logconfig, logconfig_json
	// or logconfig_dict is set, which take precedence in gunicorn.
	PasteLogging bool
}

// LoadError is a failure to load an app. An exception raised while
// importing the module or calling the factory has its full Python traceback
// in Traceback. A target that is missing, unparsable or not callable has an
// empty Traceback and Msg worded as gunicorn words it, e.g.
// "Application object must be callable.".
type LoadError struct {
	Spec      string
	Msg       string
	Traceback string
}

func (e *LoadError) Error() string {
	return "wsgi: cannot load " + e.Spec + ": " + e.Msg
}
