// pyshim_int.h: shared internals of the C shim (not seen by Go).
#ifndef NARWHAL_PYSHIM_INT_H
#define NARWHAL_PYSHIM_INT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>

#include "pyshim.h"

// PYSHIM_FLUSH bounds the gathered body: past it the buffer is handed to Go
// mid-iteration, and a single bytes object this large goes to Go directly
// without a copy.
#define PYSHIM_FLUSH (64 * 1024)

// shim_buf is a growable malloc'd byte buffer.
typedef struct {
	char *p;
	size_t len, cap;
} shim_buf;

int shim_buf_reserve(shim_buf *b, size_t extra); // -1 with MemoryError set
int shim_buf_append(shim_buf *b, const void *p, size_t n);
void shim_buf_free(shim_buf *b);

struct pyshim_app {
	PyObject *app;         // the WSGI callable
	PyObject *base;        // environ constants, copied per request
	char *script_name;     // latin-1 bytes of SCRIPT_NAME, stripped from paths
	size_t script_name_len;
};

// shim_call is the response state of the request in progress.
typedef struct {
	int status_set;  // start_response was called
	int committed;   // PEP 3333: the head counts as sent (first block, write())
	int delivered;   // the head was handed to Go (WriteHead)
	int sink_failed; // a callback reported a sink error
	int is_head;     // HEAD request: no body bytes are delivered
	int must_close;
	int code;
	int64_t cl;   // app's Content-Length, -1 if none
	int64_t sent; // body bytes accepted (after Content-Length truncation)
	size_t status_len;
} shim_call;

struct pyshim_thread {
	pyshim_app *app;
	PyThreadState *ts;
	int owns_ts; // created by us (else it is the thread's main state)
	pthread_t owner;
	uintptr_t handle;
	int in_call;
	pyshim_req req;
	pyshim_out out;
	shim_call cs;
	shim_buf head, head2; // status text + header lines; head2 is scratch
	shim_buf body;        // gathered body bytes
	shim_buf scratch;     // environ building
	PyObject *input, *sr, *writer; // reused when no one else holds them
	// Last SERVER_NAME/SERVER_PORT/REMOTE_ADDR strings, reused when equal.
	PyObject *server_name, *server_port, *remote_addr;
};

// Interpreter-wide state, set once by pyshim_init.
extern PyObject *shim_boot;   // the _narwhal helper module
extern PyObject *shim_errors; // the wsgi.errors singleton
extern int shim_errfd;

// Input (wsgi.input).
extern PyTypeObject ShimInput_Type;
PyObject *shim_input_new(void);
void shim_input_attach(PyObject *in, const char *mem, int fd, int64_t len);
void shim_input_detach(PyObject *in);

// Errors (wsgi.errors).
extern PyTypeObject ShimErrors_Type;
void shim_write_fd(const char *p, size_t n); // GIL held; released around write(2)

// FileWrapper (wsgi.file_wrapper).
extern PyTypeObject ShimFileWrapper_Type;
PyObject *shim_filewrapper_filelike(PyObject *fw);

// start_response and write().
extern PyTypeObject ShimStartResponse_Type;
extern PyTypeObject ShimWriter_Type;
PyObject *shim_sr_new(void);
PyObject *shim_writer_new(void);
void shim_sr_bind(PyObject *o, pyshim_thread *t); // NULL detaches
int shim_sr_init_types(void);

// Response delivery (pyshim_call.c).
int shim_call_held(pyshim_thread *t, const char *buf, const char *body);
// shim_block's flags.
#define SHIM_STREAM 1 // the block goes out now: more may take the app time
#define SHIM_LAST 2   // the app's last block: only close() follows
int shim_block(pyshim_thread *t, PyObject *item, int flags);
int shim_deliver(pyshim_thread *t, const char *p, size_t n);

// Environ (pyshim_environ.c).
int shim_environ_init(void);
PyObject *shim_environ_base(const pyshim_app_cfg *cfg, PyObject *script_name);
PyObject *shim_environ(pyshim_thread *t, const char *buf, const char *body);

// shim_exc_dup formats and clears the pending exception (malloc'd).
char *shim_exc_dup(void);

// Tracebacks: log the pending exception (cleared) to the error fd.
void shim_log_exception(const char *prefix, const char *what, size_t what_len);
void shim_log(const char *msg, const char *what, size_t what_len);

// Go callbacks (exported from callback.go).
extern int go_flush(uintptr_t handle);
extern int go_sendfile(uintptr_t handle, int fd, int64_t off, int64_t n);

#endif
