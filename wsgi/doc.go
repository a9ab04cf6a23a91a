// Package wsgi embeds CPython and runs WSGI applications (PEP 3333) for
// narwhal's workers. It is the only package of the project that uses cgo: a
// narrow C shim (pyshim.c and friends, API in pyshim.h) owns every PyObject;
// Go sees opaque handles, packed request buffers and gathered response bytes.
//
// One request costs one cgo crossing on the fast path. Call packs the request
// into a reusable buffer of offsets, C takes the GIL once, builds the environ
// dict, calls the app with a C-level start_response and, for a list or tuple
// of bytes, gathers status, headers and body into a per-thread output buffer
// that Go hands to the Sink after the call returns. Streaming bodies
// (generators, write(), wsgi.file_wrapper) cross back into Go through the
// exported go_flush/go_sendfile callbacks, with the GIL released around each.
//
// Threads mirror gunicorn's worker threads: an app thread is a goroutine
// locked to its OS thread with one persistent PyThreadState, created by
// App.NewThread and used only from that goroutine. Init, LoadApp, DumpStacks
// and Thread.Interrupt take the GIL themselves. Built with the nopython tag
// (or without cgo) the package is a stub whose Init fails, so the rest of
// narwhal builds and tests without libpython.
package wsgi
