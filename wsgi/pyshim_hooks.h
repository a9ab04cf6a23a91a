// pyshim_hooks.h: running gunicorn server hooks (hooks.go, hooks.py).
#ifndef NARWHAL_PYSHIM_HOOKS_H
#define NARWHAL_PYSHIM_HOOKS_H

#include "pyshim.h"
#include "pyshim_config.h"

// pyshim_hooks_setup compiles the _narwhal_hooks module from src (once) and
// tells it the error log fd, the log level and the settings (JSON). Takes
// the GIL. -1 with *err (malloc'd) on failure.
int pyshim_hooks_setup(const char *src, int fd, const char *level, const char *cfg_json, char **err);

// pyshim_hook_call runs fn with the arguments described by spec_json.
// Exceptions in the hook are logged by the hook module, not returned.
int pyshim_hook_call(pyshim_obj *fn, const char *name, const char *spec_json, char **err);

// pyshim_app_wrap replaces app's callable by one that runs pre and post
// (either may be NULL) around each request.
int pyshim_app_wrap(pyshim_app *app, pyshim_obj *pre, pyshim_obj *post, const char *worker_json, char **err);

#endif
