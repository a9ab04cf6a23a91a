//go:build !nopython && cgo

// pyshim_call.c: one request, start to finish, under one GIL acquisition
// (PEP 3333 "Specification Details"): build environ, call the app, deliver
// the result, always call close(), turn exceptions into a 500 or an abort.
//
// Delivery follows PEP 3333 "Buffering and Streaming". A list or tuple (or
// an iterator over one) already holds every block, so its blocks are
// gathered in the thread's body buffer and Go sends them after pyshim_call
// returns: no callback at all for a small response. Any other iterable may
// take its time producing the next block, so each block is handed to Go as
// soon as it exists (go_flush, zero-copy from the bytes object, GIL
// released), never held back while the app computes the next one.
#include "pyshim_int.h"

#include <sys/stat.h>
#include <unistd.h>

// out_head fills the pending head into out once per request.
static void out_head(pyshim_thread *t)
{
	pyshim_out *o = &t->out;
	shim_call *cs = &t->cs;
	if (cs->delivered)
		return;
	o->head_pending = 1;
	o->status = t->head.p;
	o->status_len = cs->status_len;
	o->headers = t->head.p + cs->status_len;
	o->headers_len = t->head.len - cs->status_len;
	o->content_length = cs->cl;
	o->code = cs->code;
	o->must_close = (uint8_t)cs->must_close;
	cs->delivered = 1;
}

// deliver hands the head (once) and n bytes at p to Go's Sink, with the GIL
// released; last says no body follows them. Returns 0, or 1 when the sink
// failed.
static int deliver(pyshim_thread *t, const char *p, size_t n, int last)
{
	pyshim_out *o = &t->out;
	out_head(t);
	o->body = p;
	o->body_len = n;
	o->last = (uint8_t)last;
	PyThreadState *ts = PyEval_SaveThread();
	int rc = go_flush(t->handle);
	PyEval_RestoreThread(ts);
	o->head_pending = 0;
	o->body = NULL;
	o->body_len = 0;
	o->last = 0;
	if (rc != 0)
		t->cs.sink_failed = 1;
	return rc != 0;
}

// shim_deliver is deliver for a block that more may follow.
int shim_deliver(pyshim_thread *t, const char *p, size_t n)
{
	return deliver(t, p, n, 0);
}

static int flush_body(pyshim_thread *t)
{
	if (t->body.len == 0)
		return 0;
	int rc = shim_deliver(t, t->body.p, t->body.len);
	t->body.len = 0;
	return rc;
}

// shim_block accepts one body block; SHIM_STREAM says it must go out now,
// SHIM_LAST that it is the app's last (a list's final item). Returns 0, -1
// with an exception set, or 1 when the sink failed.
int shim_block(pyshim_thread *t, PyObject *item, int flags)
{
	int stream = flags & SHIM_STREAM;
	shim_call *cs = &t->cs;
	if (!PyBytes_Check(item)) {
		PyErr_Format(PyExc_TypeError, "response body items must be bytes, not %.100s",
			     Py_TYPE(item)->tp_name);
		return -1;
	}
	Py_ssize_t n = PyBytes_GET_SIZE(item);
	if (n == 0)
		return 0;
	if (!cs->status_set) {
		PyErr_SetString(PyExc_AssertionError,
				"start_response() was not called before the first body block");
		return -1;
	}
	cs->committed = 1;
	// gunicorn Response.write: never send more than Content-Length.
	if (cs->cl >= 0 && n > cs->cl - cs->sent)
		n = (Py_ssize_t)(cs->cl - cs->sent);
	if (n <= 0)
		return 0;
	cs->sent += n;
	const char *p = PyBytes_AS_STRING(item);
	if (cs->is_head) // RFC 9110 §9.3.2: no body; the head still goes out now
		return stream && !cs->delivered ? shim_deliver(t, NULL, 0) : 0;
	if (stream || n >= PYSHIM_FLUSH) {
		// The caller holds a reference to item, so its bytes stay valid.
		if (flush_body(t))
			return 1;
		// A last block need not leave before the handler returns: Go
		// queues it rather than wait on the socket (wsgi.FinalWriter).
		return deliver(t, p, n, flags & SHIM_LAST);
	}
	if (shim_buf_append(&t->body, p, n) < 0)
		return -1;
	return t->body.len >= PYSHIM_FLUSH ? flush_body(t) : 0;
}

static int run_seq(pyshim_thread *t, PyObject *seq)
{
	// The size is re-read each time and items are held: a flush releases
	// the GIL and another thread could change a list meanwhile.
	for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
		PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
		Py_INCREF(item);
		int last = i == PySequence_Fast_GET_SIZE(seq) - 1;
		int rc = shim_block(t, item, last ? SHIM_LAST : 0);
		Py_DECREF(item);
		if (rc)
			return rc;
	}
	return 0;
}

static int run_iter(pyshim_thread *t, PyObject *it, int stream)
{
	PyObject *item;
	while ((item = PyIter_Next(it)) != NULL) {
		int rc = shim_block(t, item, stream ? SHIM_STREAM : 0);
		Py_DECREF(item);
		if (rc)
			return rc;
	}
	return PyErr_Occurred() ? -1 : 0;
}

// run_sendfile sends a file_wrapper over a regular file through go_sendfile.
// Returns 0/-1/1 like shim_block, or 2 when the file cannot be sent that
// way (no fileno(), not a regular file) and must be iterated instead.
static int run_sendfile(pyshim_thread *t, PyObject *fw)
{
	shim_call *cs = &t->cs;
	PyObject *f = shim_filewrapper_filelike(fw);
	if (f == NULL)
		return 2;
	// gunicorn util.has_fileno: fileno() may be missing or raise.
	int fd = PyObject_AsFileDescriptor(f);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		PyErr_Clear();
		return 2;
	}
	// tell() knows about Python-level read-ahead; lseek is gunicorn's way.
	int64_t off = -1;
	PyObject *pos = PyObject_CallMethod(f, "tell", NULL);
	if (pos != NULL) {
		off = PyLong_AsLongLong(pos);
		Py_DECREF(pos);
	}
	if (off < 0) {
		PyErr_Clear();
		off = lseek(fd, 0, SEEK_CUR);
		if (off < 0)
			return 2;
	}
	if (!cs->status_set) {
		PyErr_SetString(PyExc_AssertionError,
				"start_response() was not called before returning the file");
		return -1;
	}
	int64_t n = st.st_size > off ? st.st_size - off : 0;
	if (cs->cl >= 0 && cs->cl < n)
		n = cs->cl; // gunicorn sends response_length bytes
	cs->committed = 1;
	cs->sent += n;
	if (cs->is_head || n == 0)
		return 0;
	out_head(t);
	PyThreadState *ts = PyEval_SaveThread();
	int rc = go_sendfile(t->handle, fd, off, n);
	PyEval_RestoreThread(ts);
	t->out.head_pending = 0;
	if (rc != 0)
		t->cs.sink_failed = 1;
	return rc != 0;
}

// respond delivers the app's result: 0, -1 (exception) or 1 (sink failed).
static int respond(pyshim_thread *t, PyObject *result)
{
	if (PyList_CheckExact(result) || PyTuple_CheckExact(result))
		return run_seq(t, result);
	if (PyObject_TypeCheck(result, &ShimFileWrapper_Type)) {
		int rc = run_sendfile(t, result);
		if (rc != 2)
			return rc;
	}
	PyObject *it = PyObject_GetIter(result);
	if (it == NULL)
		return -1;
	// An iterator over a list or tuple (Django's HttpResponse) has all
	// blocks already: gather like a list.
	int stream = !(Py_IS_TYPE(it, &PyListIter_Type) || Py_IS_TYPE(it, &PyTupleIter_Type));
	int rc = run_iter(t, it, stream);
	Py_DECREF(it);
	return rc;
}

// close_result calls result.close() if it has one (PEP 3333: always, also
// after errors), keeping any pending exception. Returns -1 if close raised.
static int close_result(pyshim_thread *t, PyObject *result, const char *uri, size_t ulen)
{
	if (PyList_CheckExact(result) || PyTuple_CheckExact(result))
		return 0;
	PyObject *et, *ev, *etb;
	PyErr_Fetch(&et, &ev, &etb);
	int rc = 0;
	PyObject *close = PyObject_GetAttrString(result, "close");
	if (close == NULL) {
		PyErr_Clear();
	} else {
		PyObject *r = PyObject_CallNoArgs(close);
		Py_DECREF(close);
		if (r == NULL) {
			rc = -1;
			if (t->cs.sink_failed)
				PyErr_Clear();
			else
				shim_log_exception("Error closing response to ", uri, ulen);
		}
		Py_XDECREF(r);
	}
	PyErr_Restore(et, ev, etb);
	return rc;
}

// internal_error replaces the response with the bridge's own 500 (gunicorn
// handle_error: the connection is closed afterwards), or 504 when the
// request was stopped by request_timeout.
static void internal_error(pyshim_thread *t, int timed_out)
{
	static const char status500[] = "500 Internal Server Error";
	static const char body500[] = "Internal Server Error\n";
	static const char status504[] = "504 Gateway Timeout";
	static const char body504[] = "Gateway Timeout\n";
	static const char headers[] = "Content-Type: text/plain\r\n";
	const char *status = timed_out ? status504 : status500;
	const char *body = timed_out ? body504 : body500;
	size_t status_n = timed_out ? sizeof status504 - 1 : sizeof status500 - 1;
	size_t body_n = timed_out ? sizeof body504 - 1 : sizeof body500 - 1;
	shim_call *cs = &t->cs;
	t->head.len = 0;
	t->body.len = 0;
	if (shim_buf_append(&t->head, status, status_n) < 0 ||
	    shim_buf_append(&t->head, headers, sizeof headers - 1) < 0 ||
	    (!cs->is_head && shim_buf_append(&t->body, body, body_n) < 0)) {
		PyErr_Clear(); // out of memory: the server sees an empty head
		t->head.len = 0;
	}
	cs->status_len = t->head.len ? status_n : 0;
	cs->code = timed_out ? 504 : 500;
	cs->cl = (int64_t)body_n;
	cs->must_close = 1;
}

// timed_out reports whether the pending exception is _narwhal.RequestTimeout.
static int timed_out(void)
{
	static PyObject *cls;
	if (cls == NULL) {
		// The app's exception is pending: keep it aside for the lookup.
		PyObject *et, *ev, *etb;
		PyErr_Fetch(&et, &ev, &etb);
		cls = PyObject_GetAttrString(shim_boot, "RequestTimeout");
		if (cls == NULL)
			PyErr_Clear();
		PyErr_Restore(et, ev, etb);
		if (cls == NULL)
			return 0;
	}
	return PyErr_ExceptionMatches(cls);
}

// ensure_objects recreates reusable objects that were handed out for good.
static int ensure_objects(pyshim_thread *t)
{
	if (t->input == NULL && (t->input = shim_input_new()) == NULL)
		return -1;
	if (t->sr == NULL && (t->sr = shim_sr_new()) == NULL)
		return -1;
	if (t->writer == NULL && (t->writer = shim_writer_new()) == NULL)
		return -1;
	return 0;
}

// detach_objects unbinds the reusable objects from this request: the body
// memory and the response state are about to go away.
static void detach_objects(pyshim_thread *t)
{
	if (t->input)
		shim_input_detach(t->input);
	if (t->sr)
		shim_sr_bind(t->sr, NULL);
	if (t->writer)
		shim_sr_bind(t->writer, NULL);
}

// drop_kept drops, for good, a reusable object that someone still holds
// (an app keeping environ or start_response after the request).
static void drop_kept(pyshim_thread *t)
{
	PyObject **objs[] = {&t->input, &t->sr, &t->writer};
	for (int i = 0; i < 3; i++)
		if (*objs[i] && Py_REFCNT(*objs[i]) > 1)
			Py_CLEAR(*objs[i]);
}

int pyshim_call(pyshim_thread *t, const char *buf, const char *body)
{
	if (!pthread_equal(t->owner, pthread_self()))
		return PYSHIM_WRONG_THREAD;
	PyEval_RestoreThread(t->ts);
	int rc = shim_call_held(t, buf, body);
	PyEval_SaveThread();
	return rc;
}

// shim_call_held is pyshim_call for a caller that holds the GIL: the
// gevent-like hub runs it inside a greenlet, which may switch away and back
// while the app waits on I/O.
int shim_call_held(pyshim_thread *t, const char *buf, const char *body)
{
	t->in_call = 1;
	memset(&t->cs, 0, sizeof t->cs);
	memset(&t->out, 0, sizeof t->out);
	t->cs.cl = -1;
	t->cs.is_head = t->req.head;
	t->head.len = 0;
	t->body.len = 0;
	const char *uri = buf + t->req.raw_uri.off;
	size_t ulen = t->req.raw_uri.len;

	int st = -1; // 0 done, -1 exception pending, 1 sink failed
	PyObject *environ = NULL, *result = NULL;
	if (ensure_objects(t) == 0 && (environ = shim_environ(t, buf, body)) != NULL) {
		shim_sr_bind(t->sr, t);
		shim_sr_bind(t->writer, t);
		PyObject *args[2] = {environ, t->sr};
		result = PyObject_Vectorcall(t->app->app, args, 2, NULL);
		st = result == NULL ? -1 : respond(t, result);
		if (st == 0 && !t->cs.status_set) {
			PyErr_SetString(PyExc_AssertionError, "start_response() was not called");
			st = -1;
		}
	}
	int close_failed = result ? close_result(t, result, uri, ulen) : 0;

	int rc = PYSHIM_OK;
	if (st == 1 || (st == -1 && t->cs.sink_failed)) {
		// The client is gone; what the app raised because of it is noise.
		PyErr_Clear();
		rc = PYSHIM_SINKERR;
	} else if (st == -1) {
		int late = timed_out();
		shim_log_exception(late ? "Request timed out, stopped in: " : "Error handling request ", uri, ulen);
		if (t->cs.delivered) {
			rc = PYSHIM_ABORT;
			t->body.len = 0;
		} else {
			internal_error(t, late);
		}
	} else {
		shim_call *cs = &t->cs;
		cs->committed = 1; // PEP 3333: the iterable is exhausted
		// Fewer bytes than the declared Content-Length: the client would
		// wait for the rest, so the connection must be closed.
		if (cs->cl >= 0 && cs->sent < cs->cl && !cs->is_head && cs->code >= 200 &&
		    cs->code != 204 && cs->code != 304) {
			shim_log("Response body shorter than its Content-Length: ", uri, ulen);
			rc = PYSHIM_ABORT;
			cs->must_close = 1;
		}
		if (close_failed) {
			if (cs->delivered)
				rc = PYSHIM_ABORT;
			cs->must_close = 1;
		}
	}
	// What is left (a whole small response, the tail of a gathered one, or
	// the 500) is handed to the Sink by Go after we return.
	if (rc != PYSHIM_SINKERR) {
		out_head(t);
		t->out.body = t->body.p;
		t->out.body_len = t->body.len;
	}

	detach_objects(t);
	Py_XDECREF(result);
	Py_XDECREF(environ);
	drop_kept(t);
	PyErr_Clear();
	// An Interrupt that arrived too late must not hit the next request.
	if (t->ts->async_exc != NULL)
		PyThreadState_SetAsyncExc(t->ts->thread_id, NULL);
	t->in_call = 0;
	return rc;
}
