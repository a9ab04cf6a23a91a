//go:build !nopython && cgo

// pyshim_hooks.c: server hooks. The objects hooks receive and the calls
// are Python (hooks.py); this file only moves between Go and it.
#include "pyshim_int.h"
#include "pyshim_hooks.h"

static PyObject *hooks_mod;

int pyshim_hooks_setup(const char *src, int fd, const char *level, const char *cfg_json, char **err)
{
	PyGILState_STATE g = PyGILState_Ensure();
	int rc = -1;
	if (hooks_mod == NULL) {
		PyObject *code = Py_CompileString(src, "<narwhal hooks>", Py_file_input);
		if (code != NULL) {
			PyObject *m = PyImport_ExecCodeModule("_narwhal_hooks", code);
			Py_DECREF(code);
			hooks_mod = m; // kept for the process's life
		}
	}
	if (hooks_mod != NULL) {
		PyObject *r = PyObject_CallMethod(hooks_mod, "setup", "iss", fd, level, cfg_json);
		if (r != NULL) {
			rc = 0;
			Py_DECREF(r);
		}
	}
	if (rc != 0)
		*err = shim_exc_dup();
	PyGILState_Release(g);
	return rc;
}

int pyshim_hook_call(pyshim_obj *fn, const char *name, const char *spec_json, char **err)
{
	PyGILState_STATE g = PyGILState_Ensure();
	int rc = -1;
	PyObject *r = hooks_mod ? PyObject_CallMethod(hooks_mod, "call", "Oss", (PyObject *)fn, name, spec_json) : NULL;
	if (r != NULL) {
		rc = 0;
		Py_DECREF(r);
	} else if (hooks_mod == NULL) {
		*err = strdup("hooks are not set up");
	} else {
		*err = shim_exc_dup();
	}
	PyGILState_Release(g);
	return rc;
}

int pyshim_app_wrap(pyshim_app *app, pyshim_obj *pre, pyshim_obj *post, const char *worker_json, char **err)
{
	PyGILState_STATE g = PyGILState_Ensure();
	int rc = -1;
	PyObject *w = hooks_mod ? PyObject_CallMethod(hooks_mod, "wrap", "OOOs", app->app, pre ? (PyObject *)pre : Py_None,
						      post ? (PyObject *)post : Py_None, worker_json)
				: NULL;
	if (w != NULL) {
		Py_SETREF(app->app, w);
		rc = 0;
	} else if (hooks_mod == NULL) {
		*err = strdup("hooks are not set up");
	} else {
		*err = shim_exc_dup();
	}
	PyGILState_Release(g);
	return rc;
}
