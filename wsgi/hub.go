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
	"os"
	"runtime"
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
// Finished requests are delivered by a goroutine of the Hub's own, so the
// hub thread calls into Go only for streamed or large bodies (pyshim_hub.h
// says why).
type Hub struct {
	c       *C.pyshim_hub
	readyFD int
	doneFD  int
	done    *os.File // doneFD, read through Go's netpoller (never call its Fd)
	lanes   []*Thread
	tasks   []HubTask

	mu       sync.Mutex
	free     []int
	pending  []HubTask
	stopping bool

	quit     chan struct{} // Run has returned: deliver what is left and stop
	finished chan struct{} // the delivering goroutine has stopped
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
	ready, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	done, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(ready)
		return nil, err
	}
	h := &Hub{readyFD: ready, doneFD: done, done: os.NewFile(uintptr(done), "hub-done"),
		quit: make(chan struct{}), finished: make(chan struct{})}
	h.c = C.pyshim_hub_new(C.int(lanes), C.int(ready), C.int(done))
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
	go h.deliver()
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
	rc := C.pyshim_hub_run(h.c, (*C.int64_t)(unsafe.Pointer(beat)),
		C.int(beatEvery/time.Millisecond), C.double(requestTimeout.Seconds()), src, &cerr)
	close(h.quit)
	h.wakeDeliver()
	<-h.finished
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
	n := len(h.free)
	if n == 0 {
		h.pending = append(h.pending, t)
		h.mu.Unlock()
		return
	}
	i := h.free[n-1]
	h.free = h.free[:n-1]
	err := h.load(i, t)
	if err != nil {
		h.free = append(h.free, i)
	}
	h.mu.Unlock()
	if err != nil {
		t.Done(err)
		return
	}
	C.pyshim_hub_push_ready(h.c, C.int(i))
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
	C.pyshim_hub_stop(h.c)
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

// deliver hands finished requests to their tasks: what C left in the lane
// goes to the Sink, then the lane takes the next queued request.
func (h *Hub) deliver() {
	defer close(h.finished)
	var lanes, rcs [64]C.int
	var b [8]byte
	for {
		n := int(C.pyshim_hub_pop_done(h.c, &lanes[0], &rcs[0], C.int(len(lanes))))
		for k := 0; k < n; k++ {
			h.finishLane(int(lanes[k]), rcs[k])
		}
		if n == len(lanes) {
			continue
		}
		select {
		case <-h.quit:
			// Run returned after every greenlet finished: one more pass
			// above found the last of them.
			if n == 0 {
				return
			}
			continue
		default:
		}
		if _, err := h.done.Read(b[:]); err != nil {
			return
		}
	}
}

func (h *Hub) wakeDeliver() {
	one := [8]byte{1}
	_, _ = unix.Write(h.doneFD, one[:])
}

// finishLane completes lane i's request with pyshim's result rc.
func (h *Hub) finishLane(i int, rc C.int) {
	th, t := h.lanes[i], h.tasks[i]
	err := th.result(rc)
	if th.pncd {
		// A panic must not stop the delivering goroutine.
		err = errSinkPanic
	}
	th.endCall()
	h.tasks[i] = nil
	t.Done(err)

	for {
		h.mu.Lock()
		if len(h.pending) == 0 || h.stopping {
			h.free = append(h.free, i)
			h.mu.Unlock()
			return
		}
		next := h.pending[0]
		h.pending[0] = nil
		h.pending = h.pending[1:]
		lerr := h.load(i, next)
		h.mu.Unlock()
		if lerr == nil {
			C.pyshim_hub_push_ready(h.c, C.int(i))
			return
		}
		next.Done(lerr)
	}
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
	if h.readyFD >= 0 {
		unix.Close(h.readyFD)
		h.readyFD = -1
	}
	if h.done != nil {
		h.done.Close()
	}
}
