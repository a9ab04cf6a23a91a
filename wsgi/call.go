//go:build !nopython && cgo

package wsgi

/*
#include "pyshim.h"
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"runtime"
	"unsafe"
)

var (
	// errWrongThread reports a Thread used off the OS thread that created it.
	errWrongThread = errors.New("wsgi: Thread used from another OS thread")
	errClosed      = errors.New("wsgi: Thread is closed")
	errReentered   = errors.New("wsgi: Call re-entered from a Sink method")
)

// Call runs the app for one request on this thread and sends the response
// to sink. It must run on the Thread's own goroutine. Results:
//
//   - nil: the response is complete. An exception before anything reached
//     the sink is logged to the error fd and answered by the bridge's own
//     500 (text/plain, "Internal Server Error\n", mustClose), or its 504
//     ("Gateway Timeout\n") when the exception is RequestTimeout.
//   - ErrAbort: the app failed after the head was sent (exception, or fewer
//     body bytes than its Content-Length); the server must close the
//     connection.
//   - the sink's error: the sink failed; the iteration stopped.
//
// The result's close() is always called when it has one (PEP 3333).
func (t *Thread) Call(req *Request, sink Sink) error {
	if t.c == nil {
		return errClosed
	}
	if t.sink != nil {
		// A nested request would overwrite the outer one's C-side state.
		return errReentered
	}
	t.pack(req)
	var body unsafe.Pointer
	if req.BodyFD < 0 && len(req.Body) > 0 {
		body = unsafe.Pointer(unsafe.SliceData(req.Body))
	}
	t.sink, t.err = sink, nil
	defer t.endCall() // also when a Sink panics in deliver
	rc := C.pyshim_call(t.c, (*C.char)(unsafe.Pointer(unsafe.SliceData(t.buf))), (*C.char)(body))
	runtime.KeepAlive(req)
	if t.pncd {
		panic(t.pnc)
	}
	return t.result(rc)
}

// result turns pyshim_call's code into Call's result, delivering what C
// left for the sink.
func (t *Thread) result(rc C.int) error {
	switch rc {
	case C.PYSHIM_OK:
		return t.deliver(true)
	case C.PYSHIM_ABORT:
		if err := t.deliver(true); err != nil {
			return err
		}
		return ErrAbort
	case C.PYSHIM_SINKERR:
		return t.err
	default: // C.PYSHIM_WRONG_THREAD
		return errWrongThread
	}
}

func (t *Thread) endCall() {
	t.sink, t.err, t.pnc, t.pncd = nil, nil, nil, false
}

// span appends s to t.buf and returns where it is.
func (t *Thread) span(s []byte) C.pyshim_span {
	off := len(t.buf)
	t.buf = append(t.buf, s...)
	return C.pyshim_span{off: C.uint32_t(off), len: C.uint32_t(len(s))}
}

// pack lays the request out for C in one buffer: a table of header spans
// first (4-byte aligned at offset 0), then every string, so the whole
// request crosses into C as one pointer and no Go pointer is stored in it.
func (t *Thread) pack(req *Request) {
	n := len(req.Headers)
	table := n * 16
	if cap(t.buf) < table {
		t.buf = make([]byte, 0, table+1024)
	}
	t.buf = t.buf[:table]
	for i := range req.Headers {
		h := &req.Headers[i]
		name, value := t.span(h.Name), t.span(h.Value)
		e := t.buf[i*16 : i*16+16]
		binary.NativeEndian.PutUint32(e[0:], uint32(name.off))
		binary.NativeEndian.PutUint32(e[4:], uint32(name.len))
		binary.NativeEndian.PutUint32(e[8:], uint32(value.off))
		binary.NativeEndian.PutUint32(e[12:], uint32(value.len))
	}
	r := t.req
	r.headers_off, r.nheaders = 0, C.uint32_t(n)
	r.method = t.span(req.Method)
	r.raw_uri = t.span(req.RawURI)
	r.path = t.span(req.Path)
	r.query = t.span(req.Query)
	r.remote_addr = t.span(req.RemoteAddr)
	r.server_name = t.span(req.ServerName)
	r.server_port = t.span(req.ServerPort)
	r.url_scheme = t.span(req.URLScheme)
	r.script_name = t.span(req.ScriptName)
	r.has_script_name = C.uint8_t(cbool(req.ScriptNameSet))
	r.body_fd = C.int32_t(req.BodyFD)
	r.body_len = C.int64_t(req.BodyLen)
	if req.BodyFD < 0 {
		r.body_fd = -1
		r.body_len = C.int64_t(len(req.Body))
	}
	r.remote_port = C.int32_t(req.RemotePort)
	r.minor = C.uint8_t(req.Minor)
	r.chunked = C.uint8_t(cbool(req.Chunked))
	r.head = C.uint8_t(cbool(req.Head))
}

// deliver hands what C left in t.out to the sink: the head once, then body;
// final when the app is done and nothing but completion follows.
func (t *Thread) deliver(final bool) error {
	o := t.out
	if o.head_pending != 0 {
		o.head_pending = 0
		status := unsafe.Slice((*byte)(unsafe.Pointer(o.status)), o.status_len)
		headers := unsafe.Slice((*byte)(unsafe.Pointer(o.headers)), o.headers_len)
		if err := t.sink.WriteHead(int(o.code), status, headers, int64(o.content_length), o.must_close != 0); err != nil {
			return err
		}
	}
	if o.body_len > 0 {
		n := o.body_len
		o.body_len = 0
		p := unsafe.Slice((*byte)(unsafe.Pointer(o.body)), n)
		if fw, ok := t.sink.(FinalWriter); ok && final {
			return fw.WriteFinal(p)
		}
		return t.sink.Write(p)
	}
	return nil
}
