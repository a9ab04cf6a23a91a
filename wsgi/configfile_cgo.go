//go:build !nopython && cgo

package wsgi

/*
#include <stdlib.h>
#include "pyshim_config.h"
*/
import "C"

import (
	_ "embed"
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// configHelper is the source of the _narwhal_config module.
//
//go:embed configfile.py
var configHelper string

// pyObj is a strong reference to a Python object, owned by a Callable.
type pyObj = *C.pyshim_obj

// LoadConfigFile executes a gunicorn config file and returns its globals
// converted to Go (see the table in configfile.go); names starting with "_"
// are left out, since no setting has one.
//
// spec is a path, executed afresh on every call as the module "__config__"
// with __file__ set (gunicorn's get_config_from_filename; no __pycache__ is
// read or written), or "python:module.name", imported as gunicorn does
// (importlib.import_module: a module imported before is not run again).
// A syntax error or exception in the file is a *ConfigFileError.
//
// The master of a gunicorn deployment runs Python only for this: the
// interpreter is started here if Init has not run yet, in the current
// directory, which is first on sys.path, as gunicorn's master has it when
// it reads the config file (chdir and pythonpath apply after it). Safe from
// any goroutine; it takes the GIL itself.
func LoadConfigFile(spec string) (map[string]any, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := startForConfig(); err != nil {
		return nil, err
	}
	chelper, cspec := C.CString(configHelper), C.CString(spec)
	defer C.free(unsafe.Pointer(chelper))
	defer C.free(unsafe.Pointer(cspec))
	var enc, cerr *C.char
	var enclen, nobjs C.size_t
	var objs **C.pyshim_obj
	if C.pyshim_config_load(chelper, cspec, &enc, &enclen, &objs, &nobjs, &cerr) != 0 {
		return nil, fmt.Errorf("wsgi: config file %s: %s", spec, takeString(cerr))
	}
	refs := unsafe.Slice(objs, int(nobjs))
	calls := make([]*Callable, len(refs))
	for i, r := range refs {
		calls[i] = &Callable{obj: r, arity: -1}
		runtime.AddCleanup(calls[i], func(r *C.pyshim_obj) { C.pyshim_obj_release(r) }, r)
	}
	C.free(unsafe.Pointer(objs))
	data := C.GoBytes(unsafe.Pointer(enc), C.int(enclen))
	C.free(unsafe.Pointer(enc))
	return applyConfigResult(spec, data, calls)
}

// startForConfig starts the interpreter with gunicorn's defaults unless it
// runs already.
func startForConfig() error {
	interp.mu.Lock()
	started := interp.started
	interp.mu.Unlock()
	if !started {
		if err := Init(InitConfig{}); err != nil && !running() {
			return err
		}
		return nil
	}
	if !running() {
		return errors.New("wsgi: Python failed to start")
	}
	return nil
}
