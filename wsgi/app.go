//go:build !nopython && cgo

package wsgi

/*
#include <stdlib.h>
#include "pyshim.h"
*/
import "C"

import (
	"errors"
	"runtime"
	"strings"
	"unsafe"
)

// App is a loaded WSGI application with its environ constants. It lives as
// long as the process (the interpreter keeps the module imported anyway).
// An App may be shared by any number of Threads.
type App struct {
	c *C.pyshim_app
}

// LoadApp imports the app like gunicorn's util.import_app (or, with
// cfg.Paste, loads it like gunicorn's load_pasteapp), after putting
// cfg.Environ into os.environ. It takes the GIL itself and may be called from
// any goroutine after Init; calling it from the goroutine that ran Init
// imports on the interpreter's main thread, as gunicorn does. A failure
// returns a *LoadError.
func LoadApp(cfg AppConfig) (*App, error) {
	if !running() {
		return nil, errors.New("wsgi: LoadApp before a successful Init")
	}
	var env strings.Builder
	for k, v := range cfg.Environ {
		env.WriteString(k)
		env.WriteByte(0)
		env.WriteString(v)
		env.WriteByte(0)
	}
	var paste strings.Builder
	for _, g := range cfg.PasteGlobalConf {
		paste.WriteString(g)
		paste.WriteByte(0)
	}
	software := cfg.ServerSoftware
	if software == "" {
		software = "narwhal/" + Version
	}
	strs := []*C.char{
		C.CString(cfg.Spec), C.CString(cfg.URLScheme), C.CString(cfg.ScriptName),
		C.CString(software), C.CString(env.String()), C.CString(paste.String()),
	}
	defer func() {
		for _, s := range strs {
			C.free(unsafe.Pointer(s))
		}
	}()
	ccfg := C.pyshim_app_cfg{
		spec: strs[0], url_scheme: strs[1], script_name: strs[2],
		server_software: strs[3], env: strs[4],
		nenv:            C.int(len(cfg.Environ)),
		multithread:     cbool(cfg.Multithread),
		multiprocess:    cbool(cfg.Multiprocess),
		has_script_name: cbool(cfg.ScriptName != ""),
		paste_global:    strs[5],
		paste:           cbool(cfg.Paste),
		npaste_global:   C.int(len(cfg.PasteGlobalConf)),
		paste_logging:   cbool(cfg.PasteLogging),
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var msg, tb *C.char
	a := C.pyshim_app_load(&ccfg, &msg, &tb)
	if a == nil {
		return nil, &LoadError{Spec: cfg.Spec, Msg: takeString(msg), Traceback: takeString(tb)}
	}
	return &App{c: a}, nil
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
