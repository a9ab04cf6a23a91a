//go:build !nopython && cgo

// pyshim_errors.c: wsgi.errors (PEP 3333 "Input and Error Streams"), a text
// stream with write/writelines/flush that writes straight to the error fd.
// It is unbuffered, so flush() has nothing to do and output from several
// threads interleaves by whole write() calls.
#include "pyshim_int.h"

#include <errno.h>
#include <unistd.h>

void shim_write_fd(const char *p, size_t n)
{
	// The GIL is released: a slow log pipe must not stall other threads.
	Py_BEGIN_ALLOW_THREADS
	while (n > 0) {
		ssize_t w = write(shim_errfd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		n -= (size_t)w;
	}
	Py_END_ALLOW_THREADS
}

static int errors_write1(PyObject *s)
{
	if (PyBytes_Check(s)) {
		shim_write_fd(PyBytes_AS_STRING(s), PyBytes_GET_SIZE(s));
		return 0;
	}
	if (!PyUnicode_Check(s)) {
		PyErr_Format(PyExc_TypeError, "write() argument must be str, not %.100s",
			     Py_TYPE(s)->tp_name);
		return -1;
	}
	// Like sys.stderr: UTF-8, unencodable characters escaped.
	PyObject *b = PyUnicode_AsEncodedString(s, "utf-8", "backslashreplace");
	if (b == NULL)
		return -1;
	shim_write_fd(PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b));
	Py_DECREF(b);
	return 0;
}

static PyObject *errors_write(PyObject *self, PyObject *s)
{
	if (errors_write1(s) < 0)
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *errors_writelines(PyObject *self, PyObject *seq)
{
	PyObject *it = PyObject_GetIter(seq);
	if (it == NULL)
		return NULL;
	PyObject *line;
	while ((line = PyIter_Next(it)) != NULL) {
		int rc = errors_write1(line);
		Py_DECREF(line);
		if (rc < 0)
			break;
	}
	Py_DECREF(it);
	if (PyErr_Occurred())
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *errors_flush(PyObject *self, PyObject *unused)
{
	Py_RETURN_NONE;
}

static PyMethodDef errors_methods[] = {
	{"write", errors_write, METH_O, "Write a str to the server's error log."},
	{"writelines", errors_writelines, METH_O, "Write each str of an iterable."},
	{"flush", errors_flush, METH_NOARGS, "No-op: writes are unbuffered."},
	{NULL},
};

PyTypeObject ShimErrors_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "narwhal.Errors",
	.tp_basicsize = sizeof(PyObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "wsgi.errors: the server's error log.",
	.tp_methods = errors_methods,
};
