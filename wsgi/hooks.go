//go:build !nopython && cgo

package wsgi

/*
#include <stdlib.h>
#include "pyshim_hooks.h"
*/
import "C"

import (
	_ "embed"
	"encoding/json"
	"errors"
	"runtime"
	"unsafe"

	"github.com/narwhalhq/narwhal/config"
)

//go:embed hooks.py
var hooksSource string

// SetupHooks prepares the objects hooks receive: log lines go to errorFD at
// level, and cfg's settings become server.cfg / worker.cfg. Python must be
// running (the config file started it in the master; Init in a worker).
func SetupHooks(errorFD int, level string, cfg *config.Config) error {
	settings, err := hookSettings(cfg)
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	src, clevel, cset := C.CString(hooksSource), C.CString(level), C.CString(settings)
	defer C.free(unsafe.Pointer(src))
	defer C.free(unsafe.Pointer(clevel))
	defer C.free(unsafe.Pointer(cset))
	var cerr *C.char
	if C.pyshim_hooks_setup(src, C.int(errorFD), clevel, cset, &cerr) != 0 {
		return errors.New("wsgi: hooks: " + takeString(cerr))
	}
	return nil
}

// CallHook runs hook h (named name, for messages) with args: HookServer,
// HookWorker or plain JSON values. gunicorn's built-in defaults (nil Ref)
// do nothing. An exception in the hook is logged with its traceback by the
// hook module and is not an error here. Safe from any goroutine.
func CallHook(h config.Hook, name string, args ...any) error {
	fn, ok := h.Ref.(*Callable)
	if !ok {
		return nil
	}
	spec, err := hookSpec(args)
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cname, cspec := C.CString(name), C.CString(spec)
	defer C.free(unsafe.Pointer(cname))
	defer C.free(unsafe.Pointer(cspec))
	var cerr *C.char
	rc := C.pyshim_hook_call(fn.obj, cname, cspec, &cerr)
	runtime.KeepAlive(fn)
	if rc != 0 {
		return errors.New("wsgi: " + name + " hook: " + takeString(cerr))
	}
	return nil
}

// WrapHooks makes the app run pre_request before and post_request after
// every request, as gunicorn's handle_request does. Call it after LoadApp,
// before the first request, and only when either hook is the user's.
func (a *App) WrapHooks(pre, post config.Hook, w HookWorker) error {
	var cpre, cpost *C.pyshim_obj
	fpre, _ := pre.Ref.(*Callable)
	fpost, _ := post.Ref.(*Callable)
	if fpre != nil {
		cpre = fpre.obj
	}
	if fpost != nil {
		cpost = fpost.obj
	}
	if cpre == nil && cpost == nil {
		return nil
	}
	b, err := json.Marshal(workerSpec(w))
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cw := C.CString(string(b))
	defer C.free(unsafe.Pointer(cw))
	var cerr *C.char
	rc := C.pyshim_app_wrap(a.c, cpre, cpost, cw, &cerr)
	runtime.KeepAlive(fpre)
	runtime.KeepAlive(fpost)
	if rc != 0 {
		return errors.New("wsgi: wrapping the app for request hooks: " + takeString(cerr))
	}
	return nil
}
