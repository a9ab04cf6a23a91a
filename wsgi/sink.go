package wsgi

// Sink receives one response from Thread.Call. Its methods run on the app
// thread with the GIL released (a slow sink never stalls other Python
// threads). Byte slices passed to them may point into C memory that is
// reused after the method returns: a Sink must not retain them.
//
// If a Sink method panics, the bridge still finishes the request on the
// Python side (stops iterating, calls close()) and re-panics from Call.
type Sink interface {
	// WriteHead is called exactly once per Call, before any Write or
	// SendFile. PEP 3333 "Buffering and Streaming": the head goes out with
	// the first non-empty body block, or when the iterable is exhausted.
	// code is the numeric status and status the app's status text
	// ("200 OK"). headers holds the app's validated headers as
	// "Name: value\r\n" lines without Content-Length (it arrives as
	// contentLength; the server owns framing); hop-by-hop headers,
	// Server and Date are dropped as in gunicorn (the server writes its own
	// Server, Date, Connection and framing headers). contentLength is the
	// app's Content-Length or -1; mustClose is true if the app sent
	// "Connection: close" or the bridge answered with its own 500 or 504.
	WriteHead(code int, status []byte, headers []byte, contentLength int64, mustClose bool) error
	// Write sends body bytes; p is never empty. An error (client gone)
	// stops the iteration; the bridge still calls the iterable's close().
	Write(p []byte) error
	// SendFile sends n bytes of fd starting at off (wsgi.file_wrapper over a
	// regular file), without copying them through Python. n == -1 means to
	// end of file. fd stays owned by Python: it is closed by the app's
	// close() right after Call, so SendFile must finish with it before
	// returning (or dup it), must not close it, and must read with explicit
	// offsets (pread/sendfile with an offset) so the file position is kept.
	SendFile(fd int, off, n int64) error
}

// FinalWriter is a Sink that takes a response's last body bytes, after which
// only the result's close() and the response's completion follow: what is
// gathered when the app returns, and a list's final item however large. The
// bytes already exist whole, so a writer that would otherwise wait for them
// to leave (a handler on the event loop, eventloop.Exchange.WriteFinal) need
// not: waiting would gain nothing and serialize it on one client.
type FinalWriter interface {
	WriteFinal(p []byte) error
}
