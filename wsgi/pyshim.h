// pyshim.h: the narrow C API between package wsgi (Go) and CPython.
//
// No PyObject* crosses this boundary. Go holds opaque pyshim_app and
// pyshim_thread pointers, fills a pyshim_req (offsets into one packed buffer)
// per request, and reads a pyshim_out after pyshim_call returns or inside
// the go_flush/go_sendfile callbacks. Strings returned through char** are
// malloc'd and owned by the caller (free()).
#ifndef NARWHAL_PYSHIM_H
#define NARWHAL_PYSHIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct pyshim_app pyshim_app;       // a loaded app + its base environ
typedef struct pyshim_thread pyshim_thread; // an app thread's PyThreadState

// pyshim_span is a byte range [off, off+len) inside the packed request buffer.
typedef struct {
	uint32_t off, len;
} pyshim_span;

// pyshim_req describes one request. Go writes it (it lives in C memory owned
// by the thread) and packs every string into one buffer passed to
// pyshim_call. The header table is nheaders (name, value) span pairs at
// headers_off, 4-byte aligned.
typedef struct {
	pyshim_span method, raw_uri, path, query;
	pyshim_span remote_addr, server_name, server_port, url_scheme;
	pyshim_span script_name; // with has_script_name: this request's SCRIPT_NAME
	uint32_t headers_off, nheaders;
	int64_t body_len;
	int32_t body_fd;     // -1: the body is the memory passed to pyshim_call
	int32_t remote_port; // -1: no REMOTE_PORT
	uint8_t minor, chunked, head, has_script_name;
} pyshim_req;

// pyshim_out is what Go hands to the Sink. When head_pending is set Go calls
// WriteHead with status/headers/content_length/must_close; then Write with
// body when body_len > 0. Pointers are valid until Go returns from the
// callback, or until the next pyshim_call when read after it returned.
typedef struct {
	const char *status;
	size_t status_len;
	const char *headers;
	size_t headers_len;
	const char *body;
	size_t body_len;
	int64_t content_length;
	int32_t code;
	uint8_t head_pending, must_close;
	uint8_t last; // body is the app's last block (a list's final item): only close() follows
	uint8_t _pad;
} pyshim_out;

// pyshim_call results.
enum {
	PYSHIM_OK = 0,      // response complete (possibly the bridge's own 500)
	PYSHIM_ABORT = 1,   // app failed after the head was delivered
	PYSHIM_SINKERR = 2, // a go_* callback reported a sink error
	PYSHIM_WRONG_THREAD = 3,
};

// pyshim_init starts the interpreter on the calling thread and releases the
// GIL. pythonpath is npath NUL-terminated strings laid end to end. boot is
// the NUL-terminated source of the _narwhal helper module.
int pyshim_init(const char *program, const char *chdir, const char *pythonpath,
		int npath, int errfd, const char *boot, char **err);
char *pyshim_executable(void);

// pyshim_app_cfg carries AppConfig. env is nenv (key, value) pairs of
// NUL-terminated strings laid end to end; when paste is set, spec is a
// PasteDeploy config URI and paste_global is npaste_global NUL-terminated
// "KEY=VALUE" strings laid end to end.
typedef struct {
	const char *spec, *url_scheme, *script_name, *server_software, *env;
	int nenv, multithread, multiprocess, has_script_name;
	const char *paste_global;
	int paste, npaste_global, paste_logging;
} pyshim_app_cfg;

// pyshim_app_load imports the app (taking the GIL itself). On failure it
// returns NULL with *msg set and *tb set to a traceback or NULL.
pyshim_app *pyshim_app_load(const pyshim_app_cfg *cfg, char **msg, char **tb);

// pyshim_thread_new creates the calling thread's persistent thread state.
// handle is passed back to go_flush/go_sendfile.
pyshim_thread *pyshim_thread_new(pyshim_app *app, uintptr_t handle, char **err);
int pyshim_thread_owned(pyshim_thread *t); // created on the calling thread?
void pyshim_thread_free(pyshim_thread *t);
pyshim_req *pyshim_thread_req(pyshim_thread *t);
pyshim_out *pyshim_thread_out(pyshim_thread *t);

// pyshim_call runs the app for the request in pyshim_thread_req(t), whose
// strings are in buf; body is the in-memory body (or NULL). It takes the GIL
// once and returns a PYSHIM_* code; a final head/body may be left in
// pyshim_thread_out(t).
int pyshim_call(pyshim_thread *t, const char *buf, const char *body);

// pyshim_interrupt raises _narwhal.<exc> or builtins.<exc> asynchronously in t while it is in
// pyshim_call. Returns 0, or -1 with *err set.
int pyshim_interrupt(pyshim_thread *t, const char *exc, char **err);

// pyshim_thread_stack returns t's current Python stack (malloc'd).
char *pyshim_thread_stack(pyshim_thread *t);

// pyshim_dump_stacks returns every Python thread's stack (malloc'd).
char *pyshim_dump_stacks(void);

// pyshim_flush_stdio flushes sys.stdout and sys.stderr (taking the GIL).
void pyshim_flush_stdio(void);

#endif
