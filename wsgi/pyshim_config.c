//go:build !nopython && cgo

// pyshim_config.c: the C half of config file loading; see pyshim_config.h.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "pyshim_config.h"

static PyObject *helper; // the _narwhal_config module, compiled once

// config_exc_dup formats and clears the pending exception as "Type: message"
// into a malloc'd string.
static char *config_exc_dup(void)
{
	PyObject *type, *value, *tb;
	PyErr_Fetch(&type, &value, &tb);
	PyErr_NormalizeException(&type, &value, &tb);
	PyObject *s = NULL;
	if (type != NULL && value != NULL)
		s = PyUnicode_FromFormat("%s: %S", ((PyTypeObject *)type)->tp_name, value);
	const char *u = s ? PyUnicode_AsUTF8(s) : NULL;
	char *out = strdup(u ? u : "unknown error");
	Py_XDECREF(s);
	Py_XDECREF(type);
	Py_XDECREF(value);
	Py_XDECREF(tb);
	PyErr_Clear();
	return out;
}

static int load_helper(const char *src)
{
	if (helper != NULL)
		return 0;
	// __file__ equals co_filename so the helper can drop its own frames
	// from tracebacks.
	PyObject *code = Py_CompileString(src, "<narwhal-config>", Py_file_input);
	if (code == NULL)
		return -1;
	PyObject *mod = PyModule_New("_narwhal_config");
	PyObject *d = mod ? PyModule_GetDict(mod) : NULL; // borrowed
	PyObject *r = NULL;
	if (d && PyDict_SetItemString(d, "__file__", ((PyCodeObject *)code)->co_filename) == 0 &&
	    PyDict_SetItemString(d, "__builtins__", PyEval_GetBuiltins()) == 0)
		r = PyEval_EvalCode(code, d, d);
	Py_DECREF(code);
	if (r == NULL) {
		Py_XDECREF(mod);
		return -1;
	}
	Py_DECREF(r);
	helper = mod;
	return 0;
}

// take_result copies load()'s (bytes, list) result out to the caller.
static int take_result(PyObject *res, char **enc, size_t *enclen, pyshim_obj ***objs,
		       size_t *nobjs)
{
	if (!PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 2 ||
	    !PyBytes_Check(PyTuple_GET_ITEM(res, 0)) || !PyList_Check(PyTuple_GET_ITEM(res, 1))) {
		PyErr_SetString(PyExc_TypeError, "_narwhal_config.load returned a bad result");
		return -1;
	}
	PyObject *b = PyTuple_GET_ITEM(res, 0), *l = PyTuple_GET_ITEM(res, 1);
	size_t n = PyBytes_GET_SIZE(b), k = PyList_GET_SIZE(l);
	*enc = malloc(n ? n : 1);
	*objs = malloc((k ? k : 1) * sizeof **objs);
	if (*enc == NULL || *objs == NULL) {
		free(*enc);
		free(*objs);
		PyErr_NoMemory();
		return -1;
	}
	memcpy(*enc, PyBytes_AS_STRING(b), n);
	*enclen = n;
	for (size_t i = 0; i < k; i++) {
		PyObject *o = PyList_GET_ITEM(l, i);
		Py_INCREF(o);
		(*objs)[i] = (pyshim_obj *)o;
	}
	*nobjs = k;
	return 0;
}

int pyshim_config_load(const char *src, const char *spec, char **enc, size_t *enclen,
		       pyshim_obj ***objs, size_t *nobjs, char **err)
{
	PyGILState_STATE g = PyGILState_Ensure();
	int rc = -1;
	PyObject *res = NULL;
	PyObject *s = PyUnicode_DecodeFSDefault(spec);
	if (s != NULL && load_helper(src) == 0)
		res = PyObject_CallMethod(helper, "load", "O", s);
	if (res != NULL)
		rc = take_result(res, enc, enclen, objs, nobjs);
	if (rc != 0)
		*err = config_exc_dup();
	Py_XDECREF(res);
	Py_XDECREF(s);
	PyGILState_Release(g);
	return rc;
}

void pyshim_obj_release(pyshim_obj *o)
{
	PyGILState_STATE g = PyGILState_Ensure();
	Py_DECREF((PyObject *)o);
	PyGILState_Release(g);
}
