//go:build !nopython && cgo

package wsgi

/*
#include <stdlib.h>
#include "pyshim_hub.h"
*/
import "C"

import (
	_ "embed"
	"errors"
	"runtime"
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

//go:embed hub.py
var hubSource string

// ErrStopped is the result of a HubTask that was queued when the hub
// stopped.
var ErrStopped = errors.New("wsgi: hub stopped")

// HubTask is one request for the hub: Fill describes it (called once a
// lane is free, on any goroutine), the response goes to the Sink, and Done
// reports the outcome like Thread.Call's result.
type HubTask interface {
	Sink
	Fill(*Request)
	Done(err error)
}

// Hub runs requests concurrently in greenlets on one Python thread: the
// gevent-like worker class. Up to lanes requests run at once; more wait in
// a FIFO. Create it and Run it on the goroutine that called Init (it reuses
// that thread's Python thread state); Submit and Stop are safe anywhere.
type Hub struct {
	c     *C.pyshim_hub
	h     cgo.Handle
	efd   int
	lanes []*Thread
	tasks []HubTask

	mu       sync.Mutex
	free     []int
	ready    []int
	pending  []HubTask
	stopping bool
	// signaled: the eventfd was written and the hub has not yet found the
	// ready queue empty since, so another write would only cost a syscall.
	signaled bool
}

// PatchGevent imports gevent and monkey-patches the standard library, so
// time.sleep, socket, ssl and select yield to other greenlets. It must run
// after Init and before LoadApp.
func PatchGevent() error {
	if !running() {
		return errors.New("wsgi: PatchGevent before Init")
	}
	var cerr *C.char
	if C.pyshim_gevent_patch(&cerr) != 0 {
		return errors.New(takeString(cerr))
	}
	return nil
}

// NewHub prepares lanes request slots for app.
func (a *App) NewHub(lanes int) (*Hub, error) {
	if lanes < 1 {
		lanes = 1
	}
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	h := &Hub{efd: efd}
	h.h = cgo.NewHandle(h)
	h.c = C.pyshim_hub_new(C.int(lanes), C.uintptr_t(h.h))
	if h.c == nil {
		h.close()
		return nil, errors.New("wsgi: out of memory for the hub")
	}
	for i := 0; i < lanes; i++ {
		t, err := a.NewThread()
		if err != nil {
			h.close()
			return nil, err
		}
		C.pyshim_hub_set_lane(h.c, C.int(i), t.c)
		h.lanes = append(h.lanes, t)
		h.free = append(h.free, i)
	}
	h.tasks = make([]HubTask, lanes)
	return h, nil
}

// Run runs the hub until Stop, then until every started request has
// finished. beat, when not nil, is a word in shared memory that receives
// CLOCK_MONOTONIC nanoseconds every beatEvery while the hub gets to run.
// requestTimeout, when positive, bounds each request: it gets 504 Gateway
// Timeout and the traceback of where it waited is logged.
func (h *Hub) Run(beat *int64, beatEvery, requestTimeout time.Duration) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	src := C.CString(hubSource)
	defer C.free(unsafe.Pointer(src))
	var cerr *C.char
	// beat points into a shared mapping, not Go memory: C may keep it.
	rc := C.pyshim_hub_run(h.c, C.int(h.efd), (*C.int64_t)(unsafe.Pointer(beat)),
		C.int(beatEvery/time.Millisecond), C.double(requestTimeout.Seconds()), src, &cerr)
	h.close()
	if rc != 0 {
		return errors.New("wsgi: hub: " + takeString(cerr))
	}
	return nil
}

// Submit queues a request; it never blocks.
func (h *Hub) Submit(t HubTask) {
	h.mu.Lock()
	if h.stopping {
		h.mu.Unlock()
		t.Done(ErrStopped)
		return
	}
	if n := len(h.free); n > 0 {
		i := h.free[n-1]
		h.free = h.free[:n-1]
		err := h.load(i, t)
		if err != nil {
			h.free = append(h.free, i)
		} else {
			h.ready = append(h.ready, i)
		}
		wake := err == nil && h.wakeLocked()
		h.mu.Unlock()
		if err != nil {
			t.Done(err)
			return
		}
		if wake {
			h.signal()
		}
		return
	}
	h.pending = append(h.pending, t)
	h.mu.Unlock()
}

// Stop makes Run return once the started requests finish; queued ones end
// with ErrStopped.
func (h *Hub) Stop() {
	h.mu.Lock()
	h.stopping = true
	pending := h.pending
	h.pending = nil
	h.mu.Unlock()
	for _, t := range pending {
		t.Done(ErrStopped)
	}
	h.signal()
}

// load puts t into lane i (h.mu held); the caller queues the lane.
func (h *Hub) load(i int, t HubTask) error {
	th := h.lanes[i]
	var req Request
	t.Fill(&req)
	th.pack(&req)
	var body *C.char
	if req.BodyFD < 0 && len(req.Body) > 0 {
		body = (*C.char)(unsafe.Pointer(unsafe.SliceData(req.Body)))
	}
	if C.pyshim_hub_load(h.c, C.int(i), (*C.char)(unsafe.Pointer(unsafe.SliceData(th.buf))), C.size_t(len(th.buf)),
		body, C.size_t(len(req.Body))) != 0 {
		return errors.New("wsgi: out of memory for a request")
	}
	runtime.KeepAlive(req.Body)
	th.sink, th.err = t, nil
	h.tasks[i] = t
	return nil
}

// wakeLocked reports whether the hub must be woken for newly ready work
// (h.mu held).
func (h *Hub) wakeLocked() bool {
	if h.signaled {
		return false
	}
	h.signaled = true
	return true
}

// signal wakes the hub's event loop.
func (h *Hub) signal() {
	var one = [8]byte{1}
	_, _ = unix.Write(h.efd, one[:])
}

func (h *Hub) close() {
	for _, t := range h.lanes {
		t.Close()
	}
	h.lanes = nil
	if h.c != nil {
		C.pyshim_hub_free(h.c)
		h.c = nil
	}
	if h.efd >= 0 {
		unix.Close(h.efd)
		h.efd = -1
	}
	h.h.Delete()
}

//export go_hub_take
func go_hub_take(hh C.uintptr_t) C.int {
	h := cgo.Handle(hh).Value().(*Hub)
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.ready) > 0 {
		i := h.ready[0]
		h.ready = h.ready[1:]
		return C.int(i)
	}
	h.signaled = false
	if h.stopping {
		return -2
	}
	return -1
}

//export go_hub_done
func go_hub_done(hh C.uintptr_t, lane C.int, rc C.int) C.int {
	h := cgo.Handle(hh).Value().(*Hub)
	i := int(lane)
	th, t := h.lanes[i], h.tasks[i]
	err := th.result(rc)
	if th.pncd {
		// A panic must not unwind through the hub's C frames.
		err = errSinkPanic
	}
	th.endCall()
	h.tasks[i] = nil
	t.Done(err)

	// The next queued request runs in this lane and greenlet: no spawn,
	// no wake-up of the hub.
	for {
		h.mu.Lock()
		if len(h.pending) == 0 || h.stopping {
			h.free = append(h.free, i)
			h.mu.Unlock()
			return 0
		}
		next := h.pending[0]
		h.pending[0] = nil
		h.pending = h.pending[1:]
		lerr := h.load(i, next)
		if lerr == nil {
			h.mu.Unlock()
			return 1
		}
		h.mu.Unlock()
		next.Done(lerr)
	}
}
