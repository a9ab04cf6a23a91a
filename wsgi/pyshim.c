//go:build !nopython && cgo

// pyshim.c: interpreter start-up, app loading, app thread states, stack
// dumps and asynchronous interrupts. See pyshim.h for the contract.
#include "pyshim_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

PyObject *shim_boot;
PyObject *shim_errors;
int shim_errfd = 2;
static PyThreadState *main_ts; // Init's thread state, on Init's OS thread

int shim_buf_reserve(shim_buf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < extra)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		PyErr_NoMemory();
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

int shim_buf_append(shim_buf *b, const void *p, size_t n)
{
	if (shim_buf_reserve(b, n) < 0)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void shim_buf_free(shim_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

// utf8_dup returns a malloc'd copy of a str's UTF-8 (or a fixed message).
static char *utf8_dup(PyObject *s)
{
	const char *u = s && PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : NULL;
	if (u == NULL) {
		PyErr_Clear();
		u = "(unprintable)";
	}
	return strdup(u);
}

// shim_exc_dup formats and clears the pending exception into a malloc'd string.
char *shim_exc_dup(void)
{
	PyObject *type, *value, *tb;
	PyErr_Fetch(&type, &value, &tb);
	PyErr_NormalizeException(&type, &value, &tb);
	if (tb != NULL && value != NULL)
		PyException_SetTraceback(value, tb);
	PyObject *s = value ? PyObject_CallMethod(shim_boot, "format_exc", "O", value) : NULL;
	char *out = utf8_dup(s);
	Py_XDECREF(s);
	Py_XDECREF(type);
	Py_XDECREF(value);
	Py_XDECREF(tb);
	PyErr_Clear();
	return out;
}

// A PYTHONHOME left by another Python (pyenv, a different version) would
// point Debian's libpython at a foreign stdlib; ignore it unless it holds
// this version's os.py.
static void drop_foreign_pythonhome(void)
{
	const char *home = getenv("PYTHONHOME");
	if (home == NULL)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/lib/python%d.%d/os.py", home, PY_MAJOR_VERSION,
		 PY_MINOR_VERSION);
	struct stat st;
	if (stat(path, &st) != 0)
		unsetenv("PYTHONHOME");
}

static int init_types(void)
{
	if (PyType_Ready(&ShimInput_Type) < 0 || PyType_Ready(&ShimErrors_Type) < 0 ||
	    PyType_Ready(&ShimFileWrapper_Type) < 0 || shim_sr_init_types() < 0)
		return -1;
	shim_errors = PyObject_New(PyObject, &ShimErrors_Type);
	if (shim_errors == NULL)
		return -1;
	return shim_environ_init();
}

static int load_boot(const char *src)
{
	// __file__ equals co_filename so format_exc can drop our own frames.
	PyObject *code = Py_CompileString(src, "<narwhal>", Py_file_input);
	if (code == NULL)
		return -1;
	PyObject *mod = PyImport_AddModule("_narwhal"); // borrowed, in sys.modules
	PyObject *d = mod ? PyModule_GetDict(mod) : NULL;
	PyObject *r = NULL;
	if (d && PyDict_SetItemString(d, "__file__", ((PyCodeObject *)code)->co_filename) == 0 &&
	    PyDict_SetItemString(d, "__builtins__", PyEval_GetBuiltins()) == 0)
		r = PyEval_EvalCode(code, d, d);
	Py_DECREF(code);
	if (r == NULL)
		return -1;
	Py_DECREF(r);
	shim_boot = mod;
	Py_INCREF(mod);
	return 0;
}

int pyshim_init(const char *program, const char *chdir, const char *pythonpath,
		int npath, int errfd, const char *boot, char **err)
{
	drop_foreign_pythonhome();

	PyConfig config;
	PyConfig_InitPythonConfig(&config);
	// Py_InitializeEx(0) semantics: Go keeps every signal handler.
	config.install_signal_handlers = 0;
	config.parse_argv = 0;
	// An absolute program_name becomes sys.executable; getpath finds the
	// stdlib from it, or pyvenv.cfg when it is a virtualenv's python.
	PyStatus st = PyConfig_SetBytesString(&config, &config.program_name, program);
	if (!PyStatus_Exception(st))
		st = Py_InitializeFromConfig(&config);
	PyConfig_Clear(&config);
	if (PyStatus_Exception(st)) {
		char buf[512];
		snprintf(buf, sizeof buf, "%s: %s", st.func ? st.func : "Py_InitializeFromConfig",
			 st.err_msg ? st.err_msg : "failed");
		*err = strdup(buf);
		return -1;
	}
	shim_errfd = errfd;

	PyObject *paths = PyList_New(0);
	for (int i = 0; paths && i < npath; i++) {
		PyObject *s = PyUnicode_DecodeFSDefault(pythonpath);
		if (s == NULL || PyList_Append(paths, s) < 0)
			Py_CLEAR(paths);
		Py_XDECREF(s);
		pythonpath += strlen(pythonpath) + 1;
	}
	PyObject *r = NULL;
	if (paths && load_boot(boot) == 0 && init_types() == 0)
		r = PyObject_CallMethod(shim_boot, "setup", "sOi", chdir, paths, errfd);
	Py_XDECREF(paths);
	if (r == NULL) {
		*err = shim_exc_dup();
		PyEval_SaveThread();
		return -1;
	}
	Py_DECREF(r);
	// Release the GIL: app threads take it with their own thread states.
	main_ts = PyEval_SaveThread();
	return 0;
}

char *pyshim_executable(void)
{
	PyGILState_STATE g = PyGILState_Ensure();
	PyObject *exe = PySys_GetObject("executable"); // borrowed
	char *out = utf8_dup(exe);
	PyGILState_Release(g);
	return out;
}

// env_dict builds {key: value} from n NUL-terminated pairs.
static PyObject *env_dict(const char *p, int n)
{
	PyObject *d = PyDict_New();
	for (int i = 0; d && i < n; i++) {
		PyObject *k = PyUnicode_DecodeFSDefault(p);
		p += strlen(p) + 1;
		PyObject *v = PyUnicode_DecodeFSDefault(p);
		p += strlen(p) + 1;
		if (k == NULL || v == NULL || PyDict_SetItem(d, k, v) < 0)
			Py_CLEAR(d);
		Py_XDECREF(k);
		Py_XDECREF(v);
	}
	return d;
}

// str_list builds [s, ...] from n NUL-terminated strings.
static PyObject *str_list(const char *p, int n)
{
	PyObject *l = PyList_New(0);
	for (int i = 0; l && i < n; i++) {
		PyObject *s = PyUnicode_DecodeFSDefault(p);
		p += strlen(p) + 1;
		if (s == NULL || PyList_Append(l, s) < 0)
			Py_CLEAR(l);
		Py_XDECREF(s);
	}
	return l;
}

// app_from_result turns _narwhal.load_app's (app, script_name, msg, tb)
// into a pyshim_app.
static pyshim_app *app_from_result(const pyshim_app_cfg *cfg, PyObject *res, char **msg,
				   char **tb)
{
	PyObject *app = PyTuple_GET_ITEM(res, 0);
	if (app == Py_None) {
		*msg = utf8_dup(PyTuple_GET_ITEM(res, 2));
		const char *t = PyUnicode_AsUTF8(PyTuple_GET_ITEM(res, 3));
		*tb = t && *t ? strdup(t) : NULL;
		return NULL;
	}
	PyObject *sn = cfg->has_script_name ? PyUnicode_FromString(cfg->script_name)
					    : (Py_INCREF(PyTuple_GET_ITEM(res, 1)),
					       PyTuple_GET_ITEM(res, 1));
	PyObject *stripped = sn ? PyObject_CallMethod(sn, "rstrip", "s", "/") : NULL;
	Py_XDECREF(sn);
	PyObject *latin = stripped ? PyUnicode_AsLatin1String(stripped) : NULL;
	PyObject *base = latin ? shim_environ_base(cfg, stripped) : NULL;
	Py_XDECREF(stripped);
	if (base == NULL) {
		Py_XDECREF(latin);
		*msg = shim_exc_dup();
		*tb = NULL;
		return NULL;
	}
	pyshim_app *a = calloc(1, sizeof *a);
	a->app = app;
	Py_INCREF(app);
	a->base = base;
	a->script_name_len = PyBytes_GET_SIZE(latin);
	a->script_name = malloc(a->script_name_len + 1);
	memcpy(a->script_name, PyBytes_AS_STRING(latin), a->script_name_len + 1);
	Py_DECREF(latin);
	return a;
}

pyshim_app *pyshim_app_load(const pyshim_app_cfg *cfg, char **msg, char **tb)
{
	PyGILState_STATE g = PyGILState_Ensure();
	pyshim_app *a = NULL;
	PyObject *env = env_dict(cfg->env, cfg->nenv);
	// paste: None for an APP_MODULE, else the --paste-global entries.
	PyObject *paste = cfg->paste ? str_list(cfg->paste_global, cfg->npaste_global)
				     : Py_NewRef(Py_None);
	PyObject *res = env && paste ? PyObject_CallMethod(shim_boot, "load_app", "sOOi", cfg->spec,
							   env, paste, cfg->paste_logging)
				     : NULL;
	Py_XDECREF(env);
	Py_XDECREF(paste);
	if (res == NULL) {
		*msg = shim_exc_dup();
		*tb = NULL;
	} else {
		a = app_from_result(cfg, res, msg, tb);
		Py_DECREF(res);
	}
	PyGILState_Release(g);
	return a;
}

pyshim_thread *pyshim_thread_new(pyshim_app *app, uintptr_t handle, char **err)
{
	pyshim_thread *t = calloc(1, sizeof *t);
	if (t == NULL) {
		*err = strdup("out of memory");
		return NULL;
	}
	t->app = app;
	t->handle = handle;
	t->owner = pthread_self();
	// The thread that ran Init already has the main thread state: reuse it,
	// since one OS thread must not run two thread states of one interpreter.
	t->ts = PyGILState_GetThisThreadState();
	if (t->ts != NULL && t->ts != main_ts) {
		*err = strdup("this OS thread already has an app thread");
		free(t);
		return NULL;
	}
	if (t->ts == NULL) {
		t->ts = PyThreadState_New(PyInterpreterState_Main());
		t->owns_ts = 1;
	}
	PyEval_RestoreThread(t->ts);
	t->input = shim_input_new();
	t->sr = shim_sr_new();
	t->writer = shim_writer_new();
	if (t->input == NULL || t->sr == NULL || t->writer == NULL) {
		*err = shim_exc_dup();
		PyEval_SaveThread();
		pyshim_thread_free(t);
		return NULL;
	}
	PyEval_SaveThread();
	return t;
}

int pyshim_thread_owned(pyshim_thread *t)
{
	return pthread_equal(t->owner, pthread_self());
}

void pyshim_thread_free(pyshim_thread *t)
{
	PyEval_RestoreThread(t->ts);
	Py_CLEAR(t->input);
	Py_CLEAR(t->sr);
	Py_CLEAR(t->writer);
	Py_CLEAR(t->server_name);
	Py_CLEAR(t->server_port);
	Py_CLEAR(t->remote_addr);
	if (t->owns_ts) {
		PyThreadState_Clear(t->ts);
		PyThreadState_DeleteCurrent(); // also releases the GIL
	} else {
		PyEval_SaveThread();
	}
	shim_buf_free(&t->head);
	shim_buf_free(&t->head2);
	shim_buf_free(&t->body);
	shim_buf_free(&t->scratch);
	free(t);
}

pyshim_req *pyshim_thread_req(pyshim_thread *t)
{
	return &t->req;
}

pyshim_out *pyshim_thread_out(pyshim_thread *t)
{
	return &t->out;
}

int pyshim_interrupt(pyshim_thread *t, const char *exc, char **err)
{
	PyGILState_STATE g = PyGILState_Ensure();
	int rc = -1;
	// narwhal's own (RequestTimeout) first, then the builtins.
	PyObject *cls = PyObject_GetAttrString(shim_boot, exc);
	if (cls == NULL) {
		PyErr_Clear();
		cls = PyDict_GetItemString(PyEval_GetBuiltins(), exc);
		Py_XINCREF(cls);
	}
	if (cls == NULL || !PyExceptionClass_Check(cls)) {
		*err = strdup("not an exception class");
	} else if (!t->in_call) {
		// Checked under the GIL, which pyshim_call holds while it clears
		// in_call and any pending async exception: an idle thread never
		// carries an interrupt into its next request.
		*err = strdup("thread is not running a request");
	} else {
		PyThreadState_SetAsyncExc(t->ts->thread_id, cls);
		rc = 0;
	}
	Py_XDECREF(cls);
	PyGILState_Release(g);
	return rc;
}

char *pyshim_thread_stack(pyshim_thread *t)
{
	PyGILState_STATE g = PyGILState_Ensure();
	PyObject *s = PyObject_CallMethod(shim_boot, "thread_stack", "k", t->ts->thread_id);
	char *out = s ? utf8_dup(s) : shim_exc_dup();
	Py_XDECREF(s);
	PyGILState_Release(g);
	return out;
}

char *pyshim_dump_stacks(void)
{
	PyGILState_STATE g = PyGILState_Ensure();
	PyObject *s = PyObject_CallMethod(shim_boot, "dump_stacks", "k", PyThread_get_thread_ident());
	char *out = s ? utf8_dup(s) : shim_exc_dup();
	Py_XDECREF(s);
	PyGILState_Release(g);
	return out;
}

void pyshim_flush_stdio(void)
{
	PyGILState_STATE g = PyGILState_Ensure();
	PyObject *r = PyObject_CallMethod(shim_boot, "flush_stdio", NULL);
	if (r == NULL)
		PyErr_Clear();
	Py_XDECREF(r);
	PyGILState_Release(g);
}

void shim_log(const char *msg, const char *what, size_t what_len)
{
	shim_buf b = {0};
	if (shim_buf_append(&b, msg, strlen(msg)) == 0 &&
	    shim_buf_append(&b, what, what_len) == 0 && shim_buf_append(&b, "\n", 1) == 0)
		shim_write_fd(b.p, b.len);
	PyErr_Clear();
	shim_buf_free(&b);
}

void shim_log_exception(const char *prefix, const char *what, size_t what_len)
{
	char *tb = shim_exc_dup();
	shim_buf b = {0};
	if (shim_buf_append(&b, prefix, strlen(prefix)) == 0 &&
	    shim_buf_append(&b, what, what_len) == 0 && shim_buf_append(&b, "\n", 1) == 0 &&
	    shim_buf_append(&b, tb, strlen(tb)) == 0)
		shim_write_fd(b.p, b.len);
	PyErr_Clear();
	shim_buf_free(&b);
	free(tb);
}
