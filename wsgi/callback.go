//go:build !nopython && cgo

package wsgi

/*
#include <stdint.h>
*/
import "C"

import (
	"errors"
	"runtime/cgo"
)

// errSinkPanic stands in for a sink panic while C unwinds the request.
var errSinkPanic = errors.New("wsgi: sink panicked")

// The go_* functions are the only way C calls into Go. They run on the app
// thread (the hub thread, for the gevent-like class) with the GIL released, find their Thread through an integer
// cgo.Handle (C never holds Go pointers), and return non-zero when the sink
// failed; C then stops the iteration and calls close().

//export go_flush
func go_flush(h C.uintptr_t) C.int {
	t := cgo.Handle(h).Value().(*Thread)
	return t.guard(t.flush)
}

// flush delivers a block during the call: more may follow unless C marked
// it the last.
func (t *Thread) flush() error { return t.deliver(t.out.last != 0) }

//export go_sendfile
func go_sendfile(h C.uintptr_t, fd C.int, off, n C.int64_t) C.int {
	t := cgo.Handle(h).Value().(*Thread)
	return t.guard(func() error {
		if err := t.deliver(false); err != nil {
			return err
		}
		return t.sink.SendFile(int(fd), int64(off), int64(n))
	})
}

// guard runs a sink operation; a panic must not unwind through C frames
// (the GIL would stay released and close() unrun), so it is kept and
// re-raised by Call once C has finished.
func (t *Thread) guard(f func() error) (rc C.int) {
	t.callbacks++
	defer func() {
		if p := recover(); p != nil {
			t.pnc, t.pncd, t.err = p, true, errSinkPanic
			rc = 1
		}
	}()
	if err := f(); err != nil {
		t.err = err
		return 1
	}
	return 0
}
