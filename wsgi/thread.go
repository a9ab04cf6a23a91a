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
	"runtime/cgo"
	"unsafe"
)

// Thread is one app thread: a persistent PyThreadState bound to the OS
// thread that created it (gunicorn's --threads worker keeps one Python
// thread per worker thread, too). NewThread, Call and Close must all run on
// that goroutine, which must hold runtime.LockOSThread for the Thread's
// whole life; only Interrupt may be called from elsewhere.
type Thread struct {
	app *App
	c   *C.pyshim_thread
	req *C.pyshim_req // C memory, filled per Call
	out *C.pyshim_out // C memory, read after and during Call
	h   cgo.Handle    // how go_flush/go_sendfile find this Thread

	buf  []byte // packed request strings, reused
	sink Sink   // set for the duration of Call
	err  error  // the sink's error, from a callback
	pnc  any    // a sink panic, re-raised after C returns
	pncd bool

	callbacks uint64 // go_* callbacks so far: what tests check "one crossing" with
}

// NewThread creates the calling OS thread's Python thread state. The
// goroutine must be locked to its OS thread (runtime.LockOSThread) and stay
// locked until Close; an OS thread holds at most one Thread at a time. On
// the goroutine that ran Init it reuses the interpreter's main thread state.
func (a *App) NewThread() (*Thread, error) {
	t := &Thread{app: a, buf: make([]byte, 0, 1024)}
	t.h = cgo.NewHandle(t)
	var cerr *C.char
	t.c = C.pyshim_thread_new(a.c, C.uintptr_t(t.h), &cerr)
	if t.c == nil {
		t.h.Delete()
		return nil, errors.New("wsgi: cannot create thread state: " + takeString(cerr))
	}
	t.req = C.pyshim_thread_req(t.c)
	t.out = C.pyshim_thread_out(t.c)
	return t, nil
}

// Close frees the thread state; later calls do nothing. It must run on the
// Thread's own goroutine (it panics elsewhere: freeing another OS thread's
// thread state would corrupt the interpreter).
func (t *Thread) Close() {
	if t.c == nil {
		return
	}
	if C.pyshim_thread_owned(t.c) == 0 {
		panic("wsgi: Thread.Close called from another OS thread")
	}
	C.pyshim_thread_free(t.c)
	t.c = nil
	t.h.Delete()
}

// Stack returns t's current Python stack, most recent call last (empty
// when it runs no Python). Safe from any goroutine, not concurrently with
// Close; it waits for the GIL.
func (t *Thread) Stack() string {
	if t.c == nil {
		return ""
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return takeString(C.pyshim_thread_stack(t.c))
}

// Interrupt raises the exception class named exc (narwhal's RequestTimeout,
// or a builtin such as "TimeoutError") asynchronously in t's running request
// (PyThreadState_SetAsyncExc): it fires at the next Python bytecode the
// thread runs, so a thread blocked inside C code notices only when it
// returns to Python. Safe from any goroutine, but not concurrently with
// Close. It fails when t is between requests, so a late interrupt never
// hits the next request.
func (t *Thread) Interrupt(exc string) error {
	if t.c == nil {
		return errClosed
	}
	cexc := C.CString(exc)
	defer C.free(unsafe.Pointer(cexc))
	// PyGILState_Ensure's thread state belongs to the OS thread; nested
	// locks are counted, so an already locked caller stays locked.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cerr *C.char
	if C.pyshim_interrupt(t.c, cexc, &cerr) != 0 {
		return errors.New("wsgi: interrupt " + exc + ": " + takeString(cerr))
	}
	return nil
}
