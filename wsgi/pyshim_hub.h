// pyshim_hub.h: the gevent-like worker class's hub (pyshim_hub.c).
//
// One OS thread, the one that ran pyshim_init, runs gevent's hub and every
// request in a greenlet. Go owns the queue of requests; the hub asks for the
// next ready lane (go_hub_take) when the eventfd Go writes to is readable,
// runs it in a new greenlet, and reports the result (go_hub_done). A lane is
// a pyshim_thread sharing the hub thread's thread state, with its own
// request buffers, so greenlets never share per-request state.
#ifndef NARWHAL_PYSHIM_HUB_H
#define NARWHAL_PYSHIM_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "pyshim.h"

typedef struct pyshim_hub pyshim_hub;

// pyshim_gevent_patch imports gevent and monkey-patches the standard
// library; it must run before the app is imported.
int pyshim_gevent_patch(char **err);

pyshim_hub *pyshim_hub_new(int nlanes, uintptr_t handle);
void pyshim_hub_set_lane(pyshim_hub *h, int i, pyshim_thread *t);
// pyshim_hub_load copies a packed request (and its in-memory body) into
// lane i's C buffers. Returns -1 when out of memory.
int pyshim_hub_load(pyshim_hub *h, int i, const char *buf, size_t n, const char *body, size_t bn);
// pyshim_hub_run runs the hub on the calling thread until go_hub_take says
// stop and every greenlet has finished. beat, when not NULL, receives
// CLOCK_MONOTONIC nanoseconds from a greenlet every beat_ms: a hub blocked
// by CPU-bound code stops beating. src is the hub loop's Python source.
int pyshim_hub_run(pyshim_hub *h, int efd, int64_t *beat, int beat_ms, double request_timeout,
		   const char *src, char **err);
void pyshim_hub_free(pyshim_hub *h);

// Go callbacks (exported from hub.go).
extern int go_hub_take(uintptr_t hub);
// go_hub_done reports a lane's result; it returns 1 when it loaded the
// next queued request into the same lane, which the caller then runs
// without spawning another greenlet.
extern int go_hub_done(uintptr_t hub, int lane, int rc);

#endif
