//go:build !nopython && cgo

package wsgi

/*
#cgo pkg-config: python3-embed
#cgo CFLAGS: -O2 -Wall -Wno-missing-braces
#include <malloc.h>
#include <stdlib.h>
#include "pyshim.h"
*/
import "C"

import (
	_ "embed"
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

// boot is the source of the _narwhal helper module (app loading, paths,
// tracebacks, stack dumps): the slow paths, kept in Python.
//
//go:embed boot.py
var boot string

// interp is the process's one interpreter. CPython cannot be restarted
// reliably (PEP 3121 modules leak state), so Init runs once.
var interp struct {
	mu         sync.Mutex
	started    bool
	executable string
}

// systemPython is the interpreter whose libpython we link: Debian's.
const systemPython = "/usr/bin/python3"

// program picks sys.executable: the active virtualenv's python when there is
// one (getpath then reads its pyvenv.cfg and puts its site-packages on
// sys.path), else the system python. PATH is not consulted, so a pyenv shim
// first on PATH cannot pull in a different installation.
func program() string {
	if venv := os.Getenv("VIRTUAL_ENV"); venv != "" {
		p := filepath.Join(venv, "bin", "python")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return systemPython
}

// Init starts the interpreter on the calling OS thread and releases the GIL.
// Call it once per process, from a goroutine that holds
// runtime.LockOSThread; Init does not unlock it. Later calls return an
// error.
//
// Python installs no signal handlers: Go keeps them all. Init does what
// Python's own start-up would have done to the process, though: SIGPIPE and
// SIGXFSZ are ignored process-wide, so a write to a closed socket or a
// too-big file fails with EPIPE/EFBIG (BrokenPipeError in app code, as under
// gunicorn) instead of killing the worker.
func Init(cfg InitConfig) error {
	interp.mu.Lock()
	defer interp.mu.Unlock()
	if interp.started {
		return errors.New("wsgi: Init called twice")
	}
	signal.Ignore(syscall.SIGPIPE, syscall.SIGXFSZ)
	errfd := cfg.ErrorFD
	if errfd <= 0 {
		errfd = 2
	}
	var paths strings.Builder
	for _, p := range cfg.PythonPath {
		paths.WriteString(p)
		paths.WriteByte(0)
	}
	cprog := C.CString(program())
	cdir := C.CString(cfg.Chdir)
	cpaths := C.CString(paths.String())
	cboot := C.CString(boot)
	defer func() {
		for _, p := range []*C.char{cprog, cdir, cpaths, cboot} {
			C.free(unsafe.Pointer(p))
		}
	}()
	// The interpreter's main thread state belongs to this OS thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cerr *C.char
	if C.pyshim_init(cprog, cdir, cpaths, C.int(len(cfg.PythonPath)), C.int(errfd), cboot, &cerr) != 0 {
		// A failed Py_InitializeFromConfig cannot be retried either.
		interp.started = true
		return errors.New("wsgi: cannot start Python: " + takeString(cerr))
	}
	interp.started = true
	interp.executable = takeString(C.pyshim_executable())
	return nil
}

// Executable returns sys.executable as configured by Init ("" before Init).
func Executable() string {
	interp.mu.Lock()
	defer interp.mu.Unlock()
	return interp.executable
}

// running reports whether Init succeeded.
func running() bool {
	interp.mu.Lock()
	defer interp.mu.Unlock()
	return interp.executable != ""
}

// DumpStacks returns the Python stack of every interpreter thread but the
// caller's, formatted like faulthandler, for "WORKER TIMEOUT" logs. Safe
// from any goroutine; it waits for the GIL (PyGILState_Ensure on a locked
// OS thread), so it blocks while C code holds the GIL without releasing it.
func DumpStacks() string {
	if !running() {
		return ""
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return takeString(C.pyshim_dump_stacks())
}

// FlushStdio flushes Python's sys.stdout and sys.stderr, as the
// interpreter's finalization does when a gunicorn worker exits; narwhal's
// processes exit without Py_Finalize, so a block-buffered stdout (a file or
// pipe, --capture-output) would lose what print() left in it. Like
// DumpStacks it waits for the GIL; a no-op before Init.
func FlushStdio() {
	if !running() {
		return
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	C.pyshim_flush_stdio()
}

// takeString converts and frees a malloc'd C string.
func takeString(s *C.char) string {
	if s == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(s))
	return C.GoString(s)
}

// TrimHeap returns the C heap's free memory to the kernel (glibc's
// malloc_trim): what the interpreter and the shim's request buffers freed
// after a burst stays mapped otherwise. It needs no GIL.
func TrimHeap() { C.malloc_trim(0) }
