// pyshim_config.h: executing gunicorn config files (configfile_cgo.go).
//
// The config file runs in the _narwhal_config helper (configfile.py), which
// encodes the file's globals into one byte string; callables cross as
// pyshim_obj references, each a strong reference owned by Go until it calls
// pyshim_obj_release. No PyObject* is visible to Go.
#ifndef NARWHAL_PYSHIM_CONFIG_H
#define NARWHAL_PYSHIM_CONFIG_H

#include <stddef.h>

typedef struct pyshim_obj pyshim_obj; // a strong reference to a Python object

// pyshim_config_load runs _narwhal_config.load(spec), first compiling the
// NUL-terminated helper source into that module if not done yet. It takes
// the GIL itself. On success it returns 0 with *enc (malloc'd, *enclen
// bytes) and *objs (malloc'd array of *nobjs references, each to be released
// with pyshim_obj_release). Errors in the config file are part of the
// encoding; -1 with *err (malloc'd) means the helper itself failed.
int pyshim_config_load(const char *helper, const char *spec, char **enc, size_t *enclen,
		       pyshim_obj ***objs, size_t *nobjs, char **err);

// pyshim_obj_release drops a reference (taking the GIL). Safe from any
// thread.
void pyshim_obj_release(pyshim_obj *o);

#endif
