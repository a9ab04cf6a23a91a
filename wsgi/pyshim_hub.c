//go:build !nopython && cgo

// pyshim_hub.c: the gevent-like worker class. See pyshim_hub.h.
#include "pyshim_int.h"
#include "pyshim_hub.h"

#include <time.h>
#include <unistd.h>

// ring is a FIFO of ints with a fixed capacity (every lane fits).
typedef struct {
	int *v;
	int cap, head, n;
} ring;

static int ring_init(ring *r, int cap)
{
	r->v = calloc(cap, sizeof *r->v);
	r->cap = cap;
	return r->v ? 0 : -1;
}

static void ring_push(ring *r, int x)
{
	r->v[(r->head + r->n) % r->cap] = x;
	r->n++;
}

static int ring_pop(ring *r)
{
	int x = r->v[r->head];
	r->head = (r->head + 1) % r->cap;
	r->n--;
	return x;
}

struct pyshim_hub {
	int nlanes;
	pyshim_thread **lanes;
	shim_buf *bufs;   // packed request + body, per lane
	size_t *bodyoff;  // offset of the in-memory body in bufs[i], or -1
	int64_t *beat;

	pthread_mutex_t mu; // guards everything below
	ring ready;         // lanes for the hub
	ring done;          // finished lanes and their results, for Go
	ring rcs;
	int ready_fd, done_fd;
	int ready_signaled, done_signaled; // an eventfd write is pending
	int stopping;
};

static void wake(int fd)
{
	uint64_t one = 1;
	ssize_t n = write(fd, &one, sizeof one);
	(void)n; // EAGAIN: the counter is already non-zero, the reader wakes anyway
}

// One hub per process: the Python-visible functions find it here.
static pyshim_hub *the_hub;

int pyshim_gevent_patch(char **err)
{
	PyGILState_STATE g = PyGILState_Ensure();
	PyObject *m = PyImport_ImportModule("gevent.monkey");
	PyObject *r = m ? PyObject_CallMethod(m, "patch_all", NULL) : NULL;
	int rc = 0;
	if (r == NULL) {
		*err = shim_exc_dup();
		rc = -1;
	}
	Py_XDECREF(r);
	Py_XDECREF(m);
	PyGILState_Release(g);
	return rc;
}

pyshim_hub *pyshim_hub_new(int nlanes, int ready_fd, int done_fd)
{
	pyshim_hub *h = calloc(1, sizeof *h);
	if (h == NULL)
		return NULL;
	h->nlanes = nlanes;
	h->ready_fd = ready_fd;
	h->done_fd = done_fd;
	pthread_mutex_init(&h->mu, NULL);
	h->lanes = calloc(nlanes, sizeof *h->lanes);
	h->bufs = calloc(nlanes, sizeof *h->bufs);
	h->bodyoff = calloc(nlanes, sizeof *h->bodyoff);
	if (!h->lanes || !h->bufs || !h->bodyoff || ring_init(&h->ready, nlanes) || ring_init(&h->done, nlanes) ||
	    ring_init(&h->rcs, nlanes)) {
		pyshim_hub_free(h);
		return NULL;
	}
	return h;
}

void pyshim_hub_push_ready(pyshim_hub *h, int i)
{
	pthread_mutex_lock(&h->mu);
	ring_push(&h->ready, i);
	int signal = !h->ready_signaled;
	h->ready_signaled = 1;
	pthread_mutex_unlock(&h->mu);
	if (signal)
		wake(h->ready_fd);
}

void pyshim_hub_stop(pyshim_hub *h)
{
	pthread_mutex_lock(&h->mu);
	h->stopping = 1;
	h->ready_signaled = 1;
	pthread_mutex_unlock(&h->mu);
	wake(h->ready_fd);
}

int pyshim_hub_pop_done(pyshim_hub *h, int *lanes, int *rcs, int max)
{
	pthread_mutex_lock(&h->mu);
	int n = 0;
	while (n < max && h->done.n > 0) {
		lanes[n] = ring_pop(&h->done);
		rcs[n] = ring_pop(&h->rcs);
		n++;
	}
	if (h->done.n == 0)
		h->done_signaled = 0; // the next push writes the eventfd again
	pthread_mutex_unlock(&h->mu);
	return n;
}

void pyshim_hub_set_lane(pyshim_hub *h, int i, pyshim_thread *t) { h->lanes[i] = t; }


int pyshim_hub_load(pyshim_hub *h, int i, const char *buf, size_t n, const char *body, size_t bn)
{
	shim_buf *b = &h->bufs[i];
	b->len = 0;
	// Plain memory: no Python object is touched, so no GIL is needed.
	size_t need = n + bn;
	if (b->cap < need) {
		char *p = realloc(b->p, need ? need : 1);
		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = need;
	}
	memcpy(b->p, buf, n);
	h->bodyoff[i] = (size_t)-1;
	if (body != NULL) {
		memcpy(b->p + n, body, bn);
		h->bodyoff[i] = n;
	}
	b->len = need;
	return 0;
}

void pyshim_hub_free(pyshim_hub *h)
{
	if (h == NULL)
		return;
	if (h->bufs)
		for (int i = 0; i < h->nlanes; i++)
			free(h->bufs[i].p);
	free(h->bufs);
	free(h->bodyoff);
	free(h->lanes);
	free(h->ready.v);
	free(h->done.v);
	free(h->rcs.v);
	if (the_hub == h)
		the_hub = NULL;
	free(h);
}

// hub_take pops the next ready lane: -1 when none (the hub waits on the
// eventfd again), -2 when stopping.
static PyObject *hub_take(PyObject *self, PyObject *noargs)
{
	pyshim_hub *h = the_hub;
	int lane = -1;
	pthread_mutex_lock(&h->mu);
	if (h->ready.n > 0) {
		lane = ring_pop(&h->ready);
	} else {
		h->ready_signaled = 0;
		if (h->stopping)
			lane = -2;
	}
	pthread_mutex_unlock(&h->mu);
	return PyLong_FromLong(lane);
}

// hub_run_lane runs one request in the calling greenlet. The app may switch
// greenlets while it waits on I/O; this C frame is switched with it. The
// result goes on the done ring, where Go delivers what C left in the lane.
static PyObject *hub_run_lane(PyObject *self, PyObject *arg)
{
	long i = PyLong_AsLong(arg);
	if (i < 0 || i >= the_hub->nlanes) {
		if (!PyErr_Occurred())
			PyErr_SetString(PyExc_IndexError, "no such lane");
		return NULL;
	}
	pyshim_hub *h = the_hub;
	const char *buf = h->bufs[i].p;
	const char *body = h->bodyoff[i] == (size_t)-1 ? NULL : buf + h->bodyoff[i];
	int rc = shim_call_held(h->lanes[i], buf, body);
	pthread_mutex_lock(&h->mu);
	ring_push(&h->done, (int)i);
	ring_push(&h->rcs, rc);
	int signal = !h->done_signaled;
	h->done_signaled = 1;
	pthread_mutex_unlock(&h->mu);
	if (signal)
		wake(h->done_fd);
	Py_RETURN_NONE;
}

static PyObject *hub_beat(PyObject *self, PyObject *noargs)
{
	if (the_hub->beat != NULL) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		__atomic_store_n(the_hub->beat, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, __ATOMIC_RELAXED);
	}
	Py_RETURN_NONE;
}

static PyMethodDef hub_methods[] = {
	{"take", hub_take, METH_NOARGS, "The next ready lane, -1 for none, -2 to stop."},
	{"run_lane", hub_run_lane, METH_O, "Run the request in a lane."},
	{"beat", hub_beat, METH_NOARGS, "Record that the hub is alive."},
	{NULL, NULL, 0, NULL},
};

int pyshim_hub_run(pyshim_hub *h, int64_t *beat, int beat_ms, double request_timeout,
		   const char *src, char **err)
{
	the_hub = h;
	h->beat = beat;
	PyGILState_STATE g = PyGILState_Ensure();
	int rc = -1;
	PyObject *ns = PyDict_New();
	PyObject *code = NULL, *res = NULL, *loop = NULL, *r = NULL;
	PyObject *take = NULL, *run = NULL, *beatf = NULL;
	if (ns == NULL || PyDict_SetItemString(ns, "__builtins__", PyEval_GetBuiltins()) < 0)
		goto out;
	code = Py_CompileString(src, "<narwhal hub>", Py_file_input);
	if (code == NULL || (res = PyEval_EvalCode(code, ns, ns)) == NULL)
		goto out;
	take = PyCFunction_New(&hub_methods[0], NULL);
	run = PyCFunction_New(&hub_methods[1], NULL);
	beatf = PyCFunction_New(&hub_methods[2], NULL);
	loop = PyDict_GetItemString(ns, "serve"); // borrowed
	if (!take || !run || !beatf || !loop)
		goto out;
	r = PyObject_CallFunction(loop, "iOOOdd", h->ready_fd, take, run, beatf, beat_ms / 1000.0, request_timeout);
	if (r != NULL)
		rc = 0;
out:
	if (rc != 0)
		*err = shim_exc_dup();
	Py_XDECREF(r);
	Py_XDECREF(take);
	Py_XDECREF(run);
	Py_XDECREF(beatf);
	Py_XDECREF(res);
	Py_XDECREF(code);
	Py_XDECREF(ns);
	PyGILState_Release(g);
	return rc;
}
