//go:build !nopython && cgo

// pyshim_filewrapper.c: wsgi.file_wrapper (PEP 3333 "Optional
// Platform-Specific File Handling"). When an app returns one over a regular
// file, pyshim_call hands the fd to the Sink (sendfile) instead of iterating;
// otherwise it is an ordinary iterable of filelike.read(blksize) blocks.
// close() closes the filelike, as gunicorn's FileWrapper does.
#include "pyshim_int.h"

#include <structmember.h>

typedef struct {
	PyObject_HEAD
	PyObject *filelike;
	Py_ssize_t blksize;
} ShimFileWrapper;

PyObject *shim_filewrapper_filelike(PyObject *fw)
{
	return ((ShimFileWrapper *)fw)->filelike;
}

static int fw_init(ShimFileWrapper *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = {"filelike", "blksize", NULL};
	PyObject *filelike;
	Py_ssize_t blksize = 8192;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|n:file_wrapper", kwlist, &filelike,
					 &blksize))
		return -1;
	if (blksize <= 0) {
		PyErr_SetString(PyExc_ValueError, "blksize must be positive");
		return -1;
	}
	Py_INCREF(filelike);
	Py_XSETREF(self->filelike, filelike);
	self->blksize = blksize;
	return 0;
}

static int fw_traverse(ShimFileWrapper *self, visitproc visit, void *arg)
{
	Py_VISIT(self->filelike);
	return 0;
}

static int fw_clear(ShimFileWrapper *self)
{
	Py_CLEAR(self->filelike);
	return 0;
}

static void fw_dealloc(ShimFileWrapper *self)
{
	PyObject_GC_UnTrack(self);
	fw_clear(self);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *fw_iternext(ShimFileWrapper *self)
{
	if (self->filelike == NULL)
		return NULL;
	PyObject *data = PyObject_CallMethod(self->filelike, "read", "n", self->blksize);
	if (data == NULL)
		return NULL;
	int truth = PyObject_IsTrue(data);
	if (truth <= 0) {
		Py_DECREF(data);
		return NULL; // empty read: StopIteration (or the error)
	}
	return data;
}

static PyObject *fw_close(ShimFileWrapper *self, PyObject *unused)
{
	if (self->filelike == NULL)
		Py_RETURN_NONE;
	PyObject *close = PyObject_GetAttrString(self->filelike, "close");
	if (close == NULL) {
		if (!PyErr_ExceptionMatches(PyExc_AttributeError))
			return NULL;
		PyErr_Clear();
		Py_RETURN_NONE;
	}
	PyObject *r = PyObject_CallNoArgs(close);
	Py_DECREF(close);
	return r;
}

static PyMethodDef fw_methods[] = {
	{"close", (PyCFunction)fw_close, METH_NOARGS, "Close the wrapped file."},
	{NULL},
};

static PyMemberDef fw_members[] = {
	{"filelike", T_OBJECT, offsetof(ShimFileWrapper, filelike), READONLY, NULL},
	{"blksize", T_PYSSIZET, offsetof(ShimFileWrapper, blksize), READONLY, NULL},
	{NULL},
};

PyTypeObject ShimFileWrapper_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "narwhal.FileWrapper",
	.tp_basicsize = sizeof(ShimFileWrapper),
	.tp_dealloc = (destructor)fw_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
	.tp_doc = "wsgi.file_wrapper(filelike, blksize=8192)",
	.tp_traverse = (traverseproc)fw_traverse,
	.tp_clear = (inquiry)fw_clear,
	.tp_iter = PyObject_SelfIter,
	.tp_iternext = (iternextfunc)fw_iternext,
	.tp_methods = fw_methods,
	.tp_members = fw_members,
	.tp_init = (initproc)fw_init,
	.tp_new = PyType_GenericNew,
	.tp_alloc = PyType_GenericAlloc,
	.tp_free = PyObject_GC_Del,
};
