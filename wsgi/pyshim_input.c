//go:build !nopython && cgo

// pyshim_input.c: wsgi.input (PEP 3333 "Input and Error Streams"). It reads
// the request body the server already holds: straight from the Go memory
// passed to pyshim_call (one copy, into the bytes object) or with pread(2)
// from the spooled body file, never calling back into Go. Past the end every
// read returns b''. After the request the object is detached (reads return
// b''), since the memory it pointed at belongs to the server.
#include "pyshim_int.h"

#include <errno.h>
#include <unistd.h>

#define INPUT_CACHE (64 * 1024)    // read-ahead for readline() on a file
#define INPUT_NOGIL (1024 * 1024)  // direct preads this large release the GIL

typedef struct {
	PyObject_HEAD
	const char *mem; // in-memory body, valid during the request only
	int fd;          // spooled body, or -1
	int64_t len, pos;
	char *cache; // fd read-ahead: cache[0:clen] is the file at cstart
	int64_t cstart;
	size_t clen;
} ShimInput;

PyObject *shim_input_new(void)
{
	ShimInput *in = PyObject_New(ShimInput, &ShimInput_Type);
	if (in == NULL)
		return NULL;
	in->mem = NULL;
	in->fd = -1;
	in->len = in->pos = 0;
	in->cache = NULL;
	in->cstart = 0;
	in->clen = 0;
	return (PyObject *)in;
}

void shim_input_attach(PyObject *o, const char *mem, int fd, int64_t len)
{
	ShimInput *in = (ShimInput *)o;
	in->mem = mem;
	in->fd = fd;
	in->len = (mem == NULL && fd < 0) ? 0 : len;
	in->pos = 0;
	in->clen = 0;
}

void shim_input_detach(PyObject *o)
{
	shim_input_attach(o, NULL, -1, 0);
}

static void input_dealloc(ShimInput *in)
{
	free(in->cache);
	PyObject_Free(in);
}

// pread_full reads n bytes at off into p; -1 with OSError set on failure.
static int pread_full(int fd, char *p, size_t n, int64_t off)
{
	int err = 0;
	int nogil = n >= INPUT_NOGIL;
	PyThreadState *save = nogil ? PyEval_SaveThread() : NULL;
	while (n > 0) {
		ssize_t r = pread(fd, p, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? errno : EIO; // the spool file is shorter than BodyLen
			break;
		}
		p += r;
		n -= (size_t)r;
		off += r;
	}
	if (nogil)
		PyEval_RestoreThread(save);
	if (err) {
		errno = err;
		PyErr_SetFromErrno(PyExc_OSError);
		return -1;
	}
	return 0;
}

// copy_out copies n bytes at the current position into p and advances.
static int copy_out(ShimInput *in, char *p, int64_t n)
{
	if (in->mem != NULL) {
		memcpy(p, in->mem + in->pos, n);
		in->pos += n;
		return 0;
	}
	// Serve what the read-ahead cache holds, pread the rest directly.
	if (in->pos >= in->cstart && in->pos < in->cstart + (int64_t)in->clen) {
		int64_t k = in->cstart + (int64_t)in->clen - in->pos;
		if (k > n)
			k = n;
		memcpy(p, in->cache + (in->pos - in->cstart), k);
		p += k;
		n -= k;
		in->pos += k;
	}
	if (n > 0) {
		if (pread_full(in->fd, p, n, in->pos) < 0)
			return -1;
		in->pos += n;
	}
	return 0;
}

// size_arg parses read()'s optional size: None or negative means "all".
static int size_arg(PyObject *const *args, Py_ssize_t nargs, int64_t *size)
{
	*size = -1;
	if (nargs > 1) {
		PyErr_SetString(PyExc_TypeError, "expected at most 1 argument");
		return -1;
	}
	if (nargs == 0 || args[0] == Py_None)
		return 0;
	Py_ssize_t v = PyNumber_AsSsize_t(args[0], PyExc_OverflowError);
	if (v == -1 && PyErr_Occurred())
		return -1;
	*size = v;
	return 0;
}

static PyObject *input_read_n(ShimInput *in, int64_t size)
{
	int64_t n = in->len - in->pos;
	if (size >= 0 && size < n)
		n = size;
	if (n <= 0)
		return PyBytes_FromStringAndSize(NULL, 0);
	if (in->mem != NULL) {
		PyObject *b = PyBytes_FromStringAndSize(in->mem + in->pos, n);
		if (b != NULL)
			in->pos += n;
		return b;
	}
	PyObject *b = PyBytes_FromStringAndSize(NULL, n);
	if (b != NULL && copy_out(in, PyBytes_AS_STRING(b), n) < 0)
		Py_CLEAR(b);
	return b;
}

static PyObject *input_read(ShimInput *in, PyObject *const *args, Py_ssize_t nargs)
{
	int64_t size;
	if (size_arg(args, nargs, &size) < 0)
		return NULL;
	return input_read_n(in, size);
}

// fill makes the cache start at the current position; returns bytes cached.
static int64_t fill(ShimInput *in)
{
	if (in->pos >= in->cstart && in->pos < in->cstart + (int64_t)in->clen)
		return in->cstart + in->clen - in->pos;
	if (in->cache == NULL && (in->cache = malloc(INPUT_CACHE)) == NULL) {
		PyErr_NoMemory();
		return -1;
	}
	int64_t n = in->len - in->pos;
	if (n > INPUT_CACHE)
		n = INPUT_CACHE;
	in->clen = 0;
	if (pread_full(in->fd, in->cache, n, in->pos) < 0)
		return -1;
	in->cstart = in->pos;
	in->clen = n;
	return n;
}

// input_readline_n reads through the next '\n', at most size bytes (all
// when negative). A file body is scanned window by window through the
// read-ahead cache to find the line's length, then copied in one go.
static PyObject *input_readline_n(ShimInput *in, int64_t size)
{
	int64_t limit = in->len - in->pos;
	if (size >= 0 && size < limit)
		limit = size;
	if (limit <= 0)
		return PyBytes_FromStringAndSize(NULL, 0);
	if (in->mem != NULL) {
		const char *p = in->mem + in->pos;
		const char *nl = memchr(p, '\n', limit);
		return input_read_n(in, nl ? nl - p + 1 : limit);
	}
	// File: scan cache windows until '\n' or the limit, then copy once.
	int64_t pos = in->pos, n = 0;
	for (;;) {
		int64_t avail = fill(in);
		if (avail < 0) {
			in->pos = pos;
			return NULL;
		}
		if (avail > limit - n)
			avail = limit - n;
		const char *p = in->cache + (in->pos - in->cstart);
		const char *nl = memchr(p, '\n', avail);
		int64_t take = nl ? nl - p + 1 : avail;
		n += take;
		in->pos += take;
		if (nl || n == limit)
			break;
	}
	in->pos = pos;
	return input_read_n(in, n);
}

static PyObject *input_readline(ShimInput *in, PyObject *const *args, Py_ssize_t nargs)
{
	int64_t size;
	if (size_arg(args, nargs, &size) < 0)
		return NULL;
	return input_readline_n(in, size);
}

static PyObject *input_readlines(ShimInput *in, PyObject *const *args, Py_ssize_t nargs)
{
	int64_t hint;
	if (size_arg(args, nargs, &hint) < 0)
		return NULL;
	PyObject *lines = PyList_New(0);
	int64_t total = 0;
	while (lines != NULL) {
		PyObject *line = input_readline_n(in, -1);
		if (line == NULL) {
			Py_CLEAR(lines);
			break;
		}
		Py_ssize_t n = PyBytes_GET_SIZE(line);
		if (n == 0 || PyList_Append(lines, line) < 0) {
			Py_DECREF(line);
			if (n != 0)
				Py_CLEAR(lines);
			break;
		}
		Py_DECREF(line);
		total += n;
		// io.IOBase.readlines: stop once the lines read reach the hint.
		if (hint > 0 && total >= hint)
			break;
	}
	return lines;
}

static PyObject *input_iternext(ShimInput *in)
{
	PyObject *line = input_readline_n(in, -1);
	if (line != NULL && PyBytes_GET_SIZE(line) == 0) {
		Py_DECREF(line);
		return NULL; // StopIteration
	}
	return line;
}

static PyMethodDef input_methods[] = {
	{"read", (PyCFunction)(void (*)(void))input_read, METH_FASTCALL,
	 "read(size=-1) -> bytes; b'' at the end of the body."},
	{"readline", (PyCFunction)(void (*)(void))input_readline, METH_FASTCALL,
	 "readline(size=-1) -> bytes, through the next b'\\n'."},
	{"readlines", (PyCFunction)(void (*)(void))input_readlines, METH_FASTCALL,
	 "readlines(hint=-1) -> list of lines."},
	{NULL},
};

PyTypeObject ShimInput_Type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "narwhal.Input",
	.tp_basicsize = sizeof(ShimInput),
	.tp_dealloc = (destructor)input_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "wsgi.input: the request body.",
	.tp_iter = PyObject_SelfIter,
	.tp_iternext = (iternextfunc)input_iternext,
	.tp_methods = input_methods,
};
