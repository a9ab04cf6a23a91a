//go:build !nopython && cgo

// pyshim_response.c: start_response and the write() callable it returns
// (PEP 3333 "The start_response() Callable"). Both are C objects reused by
// their thread across requests and bound to its response state only during
// pyshim_call; afterwards they raise. Status and headers are validated and
// encoded at once into "Name: value\r\n" lines, the way gunicorn's
// Response.process_headers checks them.
#include "pyshim_int.h"

#include <string.h>
#include <strings.h>

typedef struct {
	PyObject_HEAD
	vectorcallfunc vectorcall;
	pyshim_thread *t;
} ShimBound;

void shim_sr_bind(PyObject *o, pyshim_thread *t)
{
	((ShimBound *)o)->t = t;
}

// RFC 9110 §5.6.2 tchar (gunicorn TOKEN_RE).
static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

// RFC 9110 §5.5 field-vchar, SP and HTAB (gunicorn HEADER_VALUE_RE): no CR,
// LF, NUL or other controls; nothing above U+00FF (latin-1 on the wire).
static int is_vchar(unsigned char c)
{
	return c == ' ' || c == '\t' || (c >= 0x21 && c != 0x7f);
}

// latin1_of returns the latin-1 bytes of a str argument, or NULL with
// TypeError (not a str) or ValueError (a character above U+00FF).
static const unsigned char *latin1_of(PyObject *s, Py_ssize_t *n, const char *what)
{
	if (!PyUnicode_Check(s)) {
		PyErr_Format(PyExc_TypeError, "%s %R is not a string", what, s);
		return NULL;
	}
	if (PyUnicode_READY(s) < 0)
		return NULL;
	if (PyUnicode_KIND(s) != PyUnicode_1BYTE_KIND) {
		PyErr_Format(PyExc_ValueError, "invalid %s %R: not latin-1", what, s);
		return NULL;
	}
	*n = PyUnicode_GET_LENGTH(s);
	return PyUnicode_1BYTE_DATA(s);
}

static int parse_status(PyObject *status, shim_buf *b, shim_call *cs)
{
	Py_ssize_t n;
	const unsigned char *s = latin1_of(status, &n, "status");
	if (s == NULL)
		return -1;
	// PEP 3333: "999 Message here": three digits, then a space and a reason.
	int ok = n >= 3 && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
		 s[2] >= '0' && s[2] <= '9' && (n == 3 || s[3] == ' ');
	for (Py_ssize_t i = 4; ok && i < n; i++)
		ok = is_vchar(s[i]);
	if (!ok) {
		PyErr_Format(PyExc_ValueError, "invalid status %R", status);
		return -1;
	}
	cs->code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	cs->status_len = n;
	return shim_buf_append(b, s, n);
}

// ieq compares p[:n] case-insensitively with a string literal.
#define ieq(p, n, lit) ((n) == sizeof(lit) - 1 && strncasecmp((const char *)(p), lit, (n)) == 0)

// has_close reports whether a Connection value lists the "close" option.
static int has_close(const unsigned char *v, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t j = i;
		while (j < n && v[j] != ',' && v[j] != ' ' && v[j] != '\t')
			j++;
		if (ieq(v + i, j - i, "close"))
			return 1;
		i = j;
	}
	return 0;
}

// gunicorn util.hop_headers: hop-by-hop fields (RFC 9110 §7.6.1) plus Server
// and Date, which the server writes itself.
static int is_hop(const unsigned char *name, size_t n)
{
	switch (n) {
	case 2:
		return ieq(name, n, "te");
	case 4:
		return ieq(name, n, "date");
	case 6:
		return ieq(name, n, "server");
	case 7:
		return ieq(name, n, "upgrade");
	case 8:
		return ieq(name, n, "trailers");
	case 10:
		return ieq(name, n, "connection") || ieq(name, n, "keep-alive");
	case 17:
		return ieq(name, n, "transfer-encoding");
	case 18:
		return ieq(name, n, "proxy-authenticate");
	case 19:
		return ieq(name, n, "proxy-authorization");
	}
	return 0;
}

static int parse_content_length(PyObject *value, const unsigned char *v, size_t n,
				shim_call *cs)
{
	int64_t cl = 0;
	int ok = n > 0 && n <= 18;
	for (size_t i = 0; ok && i < n; i++) {
		ok = v[i] >= '0' && v[i] <= '9';
		cl = cl * 10 + (v[i] - '0');
	}
	if (!ok || (cs->cl >= 0 && cs->cl != cl)) {
		PyErr_Format(PyExc_ValueError, "invalid Content-Length %R", value);
		return -1;
	}
	cs->cl = cl;
	return 0;
}

// add_header validates one (name, value) and appends its line; returns 1
// when the header is dropped, 0 when added, -1 on error.
static int add_header(PyObject *item, shim_buf *b, shim_call *cs)
{
	if (!(PyTuple_Check(item) || PyList_Check(item)) || PySequence_Fast_GET_SIZE(item) != 2) {
		PyErr_Format(PyExc_TypeError, "header %R is not a (name, value) tuple", item);
		return -1;
	}
	PyObject *name = PySequence_Fast_GET_ITEM(item, 0);
	PyObject *value = PySequence_Fast_GET_ITEM(item, 1);
	Py_ssize_t nn, vn;
	const unsigned char *np = latin1_of(name, &nn, "header name");
	if (np == NULL)
		return -1;
	int ok = nn > 0;
	for (Py_ssize_t i = 0; ok && i < nn; i++)
		ok = is_tchar(np[i]);
	if (!ok) {
		PyErr_Format(PyExc_ValueError, "invalid header name %R", name);
		return -1;
	}
	const unsigned char *vp = latin1_of(value, &vn, "header value");
	if (vp == NULL)
		return -1;
	for (Py_ssize_t i = 0; i < vn; i++)
		if (!is_vchar(vp[i])) {
			PyErr_Format(PyExc_ValueError, "invalid header value %R", value);
			return -1;
		}
	// RFC 9110 §5.5: surrounding whitespace is not part of the value.
	while (vn > 0 && (vp[0] == ' ' || vp[0] == '\t'))
		vp++, vn--;
	while (vn > 0 && (vp[vn - 1] == ' ' || vp[vn - 1] == '\t'))
		vn--;
	if (ieq(np, nn, "content-length")) {
		// Framing is the server's: the value travels as a number and the
		// encoder writes the one Content-Length line (none for 204/1xx).
		if (parse_content_length(value, vp, vn, cs) < 0)
			return -1;
		return 1;
	} else if (is_hop(np, nn)) {
		if (ieq(np, nn, "connection") && has_close(vp, vn))
			cs->must_close = 1;
		return 1;
	}
	if (shim_buf_reserve(b, nn + vn + 4) < 0)
		return -1;
	memcpy(b->p + b->len, np, nn);
	b->len += nn;
	memcpy(b->p + b->len, ": ", 2);
	b->len += 2;
	memcpy(b->p + b->len, vp, vn);
	b->len += vn;
	memcpy(b->p + b->len, "\r\n", 2);
	b->len += 2;
	return 0;
}

// set_head builds status and header lines into head2 and, only if all of
// them are valid, swaps them in: a rejected exc_info replacement keeps the
// previous head.
static int set_head(pyshim_thread *t, PyObject *status, PyObject *headers)
{
	shim_call cs = t->cs;
	cs.cl = -1;
	cs.must_close = 0;
	shim_buf *b = &t->head2;
	b->len = 0;
	if (parse_status(status, b, &cs) < 0)
		return -1;
	PyObject *seq = PySequence_Fast(headers, "headers must be a list of (name, value) tuples");
	if (seq == NULL)
		return -1;
	Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
	for (Py_ssize_t i = 0; i < n; i++)
		if (add_header(PySequence_Fast_GET_ITEM(seq, i), b, &cs) < 0) {
			Py_DECREF(seq);
			return -1;
		}
	Py_DECREF(seq);
	shim_buf tmp = t->head;
	t->head = t->head2;
	t->head2 = tmp;
	cs.status_set = 1;
	t->cs = cs;
	return 0;
}

static PyObject *unbound(void)
{
	PyErr_SetString(PyExc_RuntimeError, "called outside of its request");
	return NULL;
}

static PyObject *sr_vectorcall(ShimBound *self, PyObject *const *args, size_t nargsf,
			       PyObject *kwnames)
{
	pyshim_thread *t = self->t;
	if (t == NULL)
		return unbound();
	Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
	PyObject *a[3] = {NULL, NULL, Py_None};
	static const char *const names[3] = {"status", "response_headers", "exc_info"};
	Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
	if (nargs > 3 || nargs + nkw > 3) {
		PyErr_SetString(PyExc_TypeError, "start_response() takes at most 3 arguments");
		return NULL;
	}
	for (Py_ssize_t i = 0; i < nargs; i++)
		a[i] = args[i];
	for (Py_ssize_t i = 0; i < nkw; i++) {
		const char *k = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, i));
		int j = 0;
		while (j < 3 && (k == NULL || strcmp(k, names[j]) != 0))
			j++;
		if (j == 3 || j < nargs) {
			PyErr_Format(PyExc_TypeError, "start_response() got an unexpected keyword "
				     "argument %R", PyTuple_GET_ITEM(kwnames, i));
			return NULL;
		}
		a[j] = args[nargs + i];
	}
	if (a[0] == NULL || a[1] == NULL) {
		PyErr_SetString(PyExc_TypeError, "start_response() requires status and headers");
		return NULL;
	}
	if (a[2] != Py_None) {
		// PEP 3333: with exc_info after the head was sent, re-raise it.
		if (t->cs.committed) {
			if (!PyTuple_Check(a[2]) || PyTuple_GET_SIZE(a[2]) != 3) {
				PyErr_SetString(PyExc_TypeError, "exc_info must be a 3-tuple");
				return NULL;
			}
			PyObject *v = PyTuple_GET_ITEM(a[2], 1);
			if (!PyExceptionInstance_Check(v)) {
				PyErr_SetString(PyExc_TypeError, "exc_info[1] is not an exception");
				return NULL;
			}
			PyObject *tb = PyTuple_GET_ITEM(a[2], 2);
			if (tb != Py_None && PyException_SetTraceback(v, tb) < 0)
				return NULL;
			PyErr_SetObject((PyObject *)Py_TYPE(v), v);
			return NULL;
		}
		// Before that, the new status and headers replace the old ones.
	} else if (t->cs.status_set) {
		PyErr_SetString(PyExc_AssertionError, "Response headers already set!");
		return NULL;
	}
	if (set_head(t, a[0], a[1]) < 0)
		return NULL;
	Py_INCREF(t->writer);
	return t->writer;
}

// write() sends the head at once and then data (PEP 3333: the imperative
// API; it must not return before the bytes are handed on, so no gathering).
static PyObject *writer_vectorcall(ShimBound *self, PyObject *const *args, size_t nargsf,
				   PyObject *kwnames)
{
	pyshim_thread *t = self->t;
	if (t == NULL)
		return unbound();
	if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
		PyErr_SetString(PyExc_TypeError, "write() takes exactly one argument");
		return NULL;
	}
	PyObject *data = args[0];
	if (!PyBytes_Check(data)) {
		PyErr_Format(PyExc_TypeError, "write() argument must be bytes, not %.100s",
			     Py_TYPE(data)->tp_name);
		return NULL;
	}
	if (!t->cs.status_set) {
		PyErr_SetString(PyExc_AssertionError, "write() before start_response()");
		return NULL;
	}
	int rc = 0;
	if (!t->cs.sink_failed) {
		if (PyBytes_GET_SIZE(data) > 0) {
			rc = shim_block(t, data, SHIM_STREAM);
		} else {
			t->cs.committed = 1;
			if (!t->cs.delivered)
				rc = shim_deliver(t, NULL, 0);
		}
		if (rc < 0)
			return NULL;
	}
	if (t->cs.sink_failed) {
		// The client is gone; this unwinds the app like gunicorn's socket error.
		PyErr_SetString(PyExc_OSError, "wsgi: client disconnected");
		return NULL;
	}
	Py_RETURN_NONE;
}

PyTypeObject ShimStartResponse_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "narwhal.StartResponse",
	.tp_basicsize = sizeof(ShimBound),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
	.tp_doc = "start_response(status, response_headers, exc_info=None)",
	.tp_vectorcall_offset = offsetof(ShimBound, vectorcall),
	.tp_call = PyVectorcall_Call,
};

PyTypeObject ShimWriter_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "narwhal.Write",
	.tp_basicsize = sizeof(ShimBound),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
	.tp_doc = "write(data): send bytes now (imperative API)",
	.tp_vectorcall_offset = offsetof(ShimBound, vectorcall),
	.tp_call = PyVectorcall_Call,
};

int shim_sr_init_types(void)
{
	return PyType_Ready(&ShimStartResponse_Type) < 0 || PyType_Ready(&ShimWriter_Type) < 0
		       ? -1
		       : 0;
}

static PyObject *bound_new(PyTypeObject *type, vectorcallfunc f)
{
	ShimBound *o = PyObject_New(ShimBound, type);
	if (o != NULL) {
		o->vectorcall = f;
		o->t = NULL;
	}
	return (PyObject *)o;
}

PyObject *shim_sr_new(void)
{
	return bound_new(&ShimStartResponse_Type, (vectorcallfunc)sr_vectorcall);
}

PyObject *shim_writer_new(void)
{
	return bound_new(&ShimWriter_Type, (vectorcallfunc)writer_vectorcall);
}
