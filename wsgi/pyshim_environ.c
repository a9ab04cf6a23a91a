//go:build !nopython && cgo

// pyshim_environ.c: the per-request environ dict (PEP 3333 "environ
// Variables"), built the way gunicorn 20.1's http/wsgi.py create() builds
// it. Constants live in a per-app base dict that is copied (a memcpy of its
// key table) per request; keys are interned once and header names map to
// their HTTP_* keys through a bounded cache, so a typical request allocates
// only its value strings. Every str is the latin-1 reading of the bytes
// received (PEP 3333 "Unicode Issues"). gunicorn.socket is left out: the
// connection belongs to the Go event loop, and no Python object can stand
// for it safely.
#include "pyshim_int.h"

#include <string.h>
#include <strings.h>

enum {
	K_REQUEST_METHOD, K_SCRIPT_NAME, K_PATH_INFO, K_QUERY_STRING, K_CONTENT_TYPE,
	K_CONTENT_LENGTH, K_SERVER_NAME, K_SERVER_PORT, K_SERVER_PROTOCOL, K_SERVER_SOFTWARE,
	K_REMOTE_ADDR, K_REMOTE_PORT, K_RAW_URI, K_VERSION, K_URL_SCHEME, K_INPUT, K_ERRORS,
	K_MULTITHREAD, K_MULTIPROCESS, K_RUN_ONCE, K_FILE_WRAPPER, K_INPUT_TERMINATED, K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE",
	"CONTENT_LENGTH", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE",
	"REMOTE_ADDR", "REMOTE_PORT", "RAW_URI", "wsgi.version", "wsgi.url_scheme",
	"wsgi.input", "wsgi.errors", "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once",
	"wsgi.file_wrapper", "wsgi.input_terminated",
};

static PyObject *keys[K_COUNT];

// Common values, shared by every request.
static const char *const method_names[] = {"GET", "POST", "HEAD", "PUT", "DELETE",
					   "OPTIONS", "PATCH", "TRACE", "CONNECT", NULL};
static PyObject *methods[sizeof method_names / sizeof *method_names];
static PyObject *proto10, *proto11, *scheme_http, *scheme_https;

// The header-name cache maps a name exactly as received to its environ key.
// It is bounded (clients choose the names) and only touched with the GIL.
#define HKEY_SLOTS 1024
#define HKEY_MAX 768
typedef struct {
	uint64_t hash;
	char *name;
	uint32_t len;
	uint8_t overwrite; // CONTENT_TYPE/CONTENT_LENGTH: a repeat replaces
	PyObject *key;
} hkey;
static hkey hkeys[HKEY_SLOTS];
static int hkey_count;

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

// make_key computes the environ key of a header name; new reference.
static PyObject *make_key(const char *p, size_t n, int *overwrite, shim_buf *scratch)
{
	// gunicorn: Content-Type/Content-Length become CONTENT_TYPE/LENGTH
	// (RFC 3875 §4.1.2, §4.1.3) and never HTTP_CONTENT_*.
	*overwrite = 0;
	if (n == 12 && strncasecmp(p, "content-type", 12) == 0) {
		*overwrite = 1;
		Py_INCREF(keys[K_CONTENT_TYPE]);
		return keys[K_CONTENT_TYPE];
	}
	if (n == 14 && strncasecmp(p, "content-length", 14) == 0) {
		*overwrite = 1;
		Py_INCREF(keys[K_CONTENT_LENGTH]);
		return keys[K_CONTENT_LENGTH];
	}
	scratch->len = 0;
	if (shim_buf_reserve(scratch, n + 5) < 0)
		return NULL;
	char *k = scratch->p;
	memcpy(k, "HTTP_", 5);
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '-')
			c = '_';
		else if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		k[5 + i] = c;
	}
	return PyUnicode_DecodeLatin1(k, n + 5, NULL);
}

static PyObject *header_key(const char *p, size_t n, int *overwrite, shim_buf *scratch)
{
	uint64_t h = fnv1a(p, n);
	size_t i = h & (HKEY_SLOTS - 1);
	for (; hkeys[i].name != NULL; i = (i + 1) & (HKEY_SLOTS - 1)) {
		hkey *e = &hkeys[i];
		if (e->hash == h && e->len == n && memcmp(e->name, p, n) == 0) {
			*overwrite = e->overwrite;
			Py_INCREF(e->key);
			return e->key;
		}
	}
	PyObject *key = make_key(p, n, overwrite, scratch);
	if (key == NULL || hkey_count >= HKEY_MAX || n > 256)
		return key;
	char *name = malloc(n + 1);
	if (name == NULL)
		return key;
	memcpy(name, p, n);
	PyUnicode_InternInPlace(&key);
	Py_INCREF(key);
	hkeys[i] = (hkey){h, name, (uint32_t)n, (uint8_t)*overwrite, key};
	hkey_count++;
	return key;
}

int shim_environ_init(void)
{
	for (int i = 0; i < K_COUNT; i++)
		if ((keys[i] = PyUnicode_InternFromString(key_names[i])) == NULL)
			return -1;
	for (int i = 0; method_names[i] != NULL; i++)
		if ((methods[i] = PyUnicode_InternFromString(method_names[i])) == NULL)
			return -1;
	proto10 = PyUnicode_InternFromString("HTTP/1.0");
	proto11 = PyUnicode_InternFromString("HTTP/1.1");
	scheme_http = PyUnicode_InternFromString("http");
	scheme_https = PyUnicode_InternFromString("https");
	if (!proto10 || !proto11 || !scheme_http || !scheme_https)
		return -1;
	// Warm the header cache with the names browsers and proxies send.
	static const char *const common[] = {
		"Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language",
		"Connection", "Cookie", "Referer", "Content-Type", "Content-Length",
		"Cache-Control", "Origin", "Authorization", "If-None-Match",
		"If-Modified-Since", "X-Forwarded-For", "X-Forwarded-Proto", "X-Real-IP",
		"X-Requested-With", "Upgrade-Insecure-Requests", "Pragma", "Range", "DNT",
		"host", "user-agent", "accept", "accept-encoding", "accept-language",
		"connection", "cookie", "referer", "content-type", "content-length",
		"cache-control", "origin", "authorization", "x-forwarded-for",
		"x-forwarded-proto", "x-real-ip", NULL};
	shim_buf scratch = {0};
	for (int i = 0; common[i] != NULL; i++) {
		int ow;
		PyObject *k = header_key(common[i], strlen(common[i]), &ow, &scratch);
		if (k == NULL) {
			shim_buf_free(&scratch);
			return -1;
		}
		Py_DECREF(k);
	}
	shim_buf_free(&scratch);
	return 0;
}

static int set_new(PyObject *d, int key, PyObject *v)
{
	if (v == NULL)
		return -1;
	int rc = PyDict_SetItem(d, keys[key], v);
	Py_DECREF(v);
	return rc;
}

PyObject *shim_environ_base(const pyshim_app_cfg *cfg, PyObject *script_name)
{
	// Presized so the per-request copy never needs to grow its key table.
	PyObject *d = _PyDict_NewPresized(48);
	if (d == NULL)
		return NULL;
	const char *scheme = cfg->url_scheme && *cfg->url_scheme ? cfg->url_scheme : "http";
	Py_INCREF(script_name);
	Py_INCREF(shim_errors);
	Py_INCREF(&ShimFileWrapper_Type);
	// gunicorn base_environ(): the constants of every request.
	if (set_new(d, K_VERSION, Py_BuildValue("(ii)", 1, 0)) < 0 ||
	    set_new(d, K_URL_SCHEME, PyUnicode_FromString(scheme)) < 0 ||
	    set_new(d, K_ERRORS, shim_errors) < 0 ||
	    set_new(d, K_MULTITHREAD, PyBool_FromLong(cfg->multithread)) < 0 ||
	    set_new(d, K_MULTIPROCESS, PyBool_FromLong(cfg->multiprocess)) < 0 ||
	    set_new(d, K_RUN_ONCE, PyBool_FromLong(0)) < 0 ||
	    set_new(d, K_FILE_WRAPPER, (PyObject *)&ShimFileWrapper_Type) < 0 ||
	    set_new(d, K_INPUT_TERMINATED, PyBool_FromLong(1)) < 0 ||
	    set_new(d, K_SERVER_SOFTWARE, PyUnicode_FromString(cfg->server_software)) < 0 ||
	    set_new(d, K_SCRIPT_NAME, script_name) < 0) {
		Py_DECREF(d);
		return NULL;
	}
	return d;
}

static PyObject *latin1(const char *p, size_t n)
{
	return PyUnicode_DecodeLatin1(p, n, NULL);
}

// reuse returns *slot when it holds exactly these bytes, else a new string
// that replaces it: SERVER_NAME, SERVER_PORT and REMOTE_ADDR rarely change
// between the requests of one thread.
static PyObject *reuse(PyObject **slot, const char *p, size_t n)
{
	PyObject *s = *slot;
	if (s == NULL || (size_t)PyUnicode_GET_LENGTH(s) != n ||
	    PyUnicode_KIND(s) != PyUnicode_1BYTE_KIND || memcmp(PyUnicode_DATA(s), p, n) != 0) {
		s = latin1(p, n);
		if (s == NULL)
			return NULL;
		Py_XSETREF(*slot, s);
	}
	Py_INCREF(s);
	return s;
}

static PyObject *method_str(const char *p, size_t n)
{
	for (int i = 0; method_names[i] != NULL; i++)
		if (strlen(method_names[i]) == n && memcmp(method_names[i], p, n) == 0) {
			Py_INCREF(methods[i]);
			return methods[i];
		}
	return latin1(p, n);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

// path_info strips SCRIPT_NAME and percent-decodes the rest (gunicorn:
// util.unquote_to_wsgi_str, i.e. urllib.parse.unquote_to_bytes read as
// latin-1; a malformed escape stays as it is). sn, when not NULL, is the
// request's own SCRIPT_NAME (a forwarder_headers SCRIPT_NAME header), which
// replaces the app's.
static PyObject *path_info(pyshim_thread *t, const char *p, size_t n, const char *sn,
			   size_t snlen)
{
	const pyshim_app *a = t->app;
	if (sn != NULL) {
		// gunicorn 23 wsgi.py create(): "if not path_info.startswith(
		// script_name): raise ConfigurationProblem" (answered 500), then
		// path_info[len(script_name):]. An empty one strips nothing.
		if (n < snlen || memcmp(p, sn, snlen) != 0) {
			PyObject *ps = latin1(p, n), *ss = latin1(sn, snlen);
			if (ps != NULL && ss != NULL)
				PyErr_Format(PyExc_ValueError,
					     "Configuration problem: Request path %R does not start with SCRIPT_NAME %R",
					     ps, ss);
			Py_XDECREF(ps);
			Py_XDECREF(ss);
			return NULL;
		}
		p += snlen;
		n -= snlen;
	} else if (a->script_name_len && n >= a->script_name_len &&
		   memcmp(p, a->script_name, a->script_name_len) == 0 &&
		   (n == a->script_name_len || p[a->script_name_len] == '/')) {
		// gunicorn strips SCRIPT_NAME with path.split(script_name, 1)[1];
		// we strip it only as a whole-segment prefix and otherwise leave
		// the path.
		p += a->script_name_len;
		n -= a->script_name_len;
	}
	if (memchr(p, '%', n) == NULL)
		return latin1(p, n);
	shim_buf *b = &t->scratch;
	b->len = 0;
	if (shim_buf_reserve(b, n) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (p[i] == '%' && i + 2 < n && (hi = hexval(p[i + 1])) >= 0 &&
		    (lo = hexval(p[i + 2])) >= 0) {
			b->p[b->len++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			b->p[b->len++] = p[i];
		}
	}
	return latin1(b->p, b->len);
}

static int set_header(PyObject *env, pyshim_thread *t, const char *name, size_t nlen,
		      const char *value, size_t vlen)
{
	int overwrite;
	PyObject *key = header_key(name, nlen, &overwrite, &t->scratch);
	if (key == NULL)
		return -1;
	PyObject *v = latin1(value, vlen);
	PyObject *old = (v && !overwrite) ? PyDict_GetItemWithError(env, key) : NULL;
	if (old == NULL && PyErr_Occurred())
		Py_CLEAR(v);
	if (old != NULL) {
		// gunicorn: a repeated header is joined with "," into one key.
		PyObject *joined = PyUnicode_FromFormat("%U,%U", old, v);
		Py_SETREF(v, joined);
	}
	int rc = v == NULL ? -1 : PyDict_SetItem(env, key, v);
	Py_XDECREF(v);
	Py_DECREF(key);
	return rc;
}

PyObject *shim_environ(pyshim_thread *t, const char *buf, const char *body)
{
	const pyshim_req *r = &t->req;
	PyObject *env = PyDict_Copy(t->app->base);
	if (env == NULL)
		return NULL;
#define SPAN(s) buf + r->s.off, r->s.len
	PyObject *proto = r->minor == 1 ? proto11 : r->minor == 0 ? proto10 : NULL;
	if (proto != NULL)
		Py_INCREF(proto);
	else
		proto = PyUnicode_FromFormat("HTTP/1.%d", r->minor);
	if (set_new(env, K_REQUEST_METHOD, method_str(SPAN(method))) < 0 ||
	    set_new(env, K_QUERY_STRING, latin1(SPAN(query))) < 0 ||
	    set_new(env, K_RAW_URI, latin1(SPAN(raw_uri))) < 0 ||
	    set_new(env, K_SERVER_PROTOCOL, proto) < 0 ||
	    set_new(env, K_PATH_INFO,
		    path_info(t, SPAN(path), r->has_script_name ? buf + r->script_name.off : NULL,
			      r->script_name.len)) < 0 ||
	    set_new(env, K_SERVER_NAME, reuse(&t->server_name, SPAN(server_name))) < 0 ||
	    set_new(env, K_SERVER_PORT, reuse(&t->server_port, SPAN(server_port))) < 0 ||
	    set_new(env, K_REMOTE_ADDR, reuse(&t->remote_addr, SPAN(remote_addr))) < 0)
		goto fail;
	if (r->has_script_name && set_new(env, K_SCRIPT_NAME, latin1(SPAN(script_name))) < 0)
		goto fail;
	if (r->remote_port >= 0) {
		char port[16], *p = port + sizeof port;
		uint32_t v = (uint32_t)r->remote_port;
		do
			*--p = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		if (set_new(env, K_REMOTE_PORT, latin1(p, port + sizeof port - p)) < 0)
			goto fail;
	}
	if (r->url_scheme.len > 0) {
		const char *s = buf + r->url_scheme.off;
		size_t n = r->url_scheme.len;
		PyObject *v = n == 4 && memcmp(s, "http", 4) == 0    ? scheme_http
			      : n == 5 && memcmp(s, "https", 5) == 0 ? scheme_https
								     : NULL;
		if (v != NULL)
			Py_INCREF(v);
		else
			v = latin1(s, n);
		if (set_new(env, K_URL_SCHEME, v) < 0)
			goto fail;
	}
	shim_input_attach(t->input, body, r->body_fd, r->body_len);
	if (PyDict_SetItem(env, keys[K_INPUT], t->input) < 0)
		goto fail;
	const pyshim_span *hs = (const pyshim_span *)(buf + r->headers_off);
	for (uint32_t i = 0; i < r->nheaders; i++) {
		const pyshim_span *nm = &hs[2 * i], *v = &hs[2 * i + 1];
		if (set_header(env, t, buf + nm->off, nm->len, buf + v->off, v->len) < 0)
			goto fail;
	}
#undef SPAN
	return env;
fail:
	Py_DECREF(env);
	return NULL;
}
