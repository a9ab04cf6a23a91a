// pyshim_hub.h: the gevent-like worker class's hub (pyshim_hub.c).
//
// One OS thread, the one that ran pyshim_init, runs gevent's hub and every
// request in a greenlet. Go loads a request into a free lane and pushes the
// lane onto the ready ring (pyshim_hub_push_ready), which wakes the hub
// through an eventfd; the hub runs each ready lane in a greenlet and pushes
// (lane, result) onto the done ring, which wakes Go through a second
// eventfd. The rings are C memory under a mutex, so the hub thread does not
// call into Go for a response gathered whole (a list of small blocks): a
// goroutine in a long cgo call that keeps calling back makes Go's sysmon
// retake its P again and again (measured: a quarter of the worker's CPU).
// Streamed blocks, blocks of PYSHIM_FLUSH bytes or more and files still go
// through go_flush/go_sendfile on the hub thread. A lane is a pyshim_thread sharing the
// hub thread's thread state, with its own request buffers.
#ifndef NARWHAL_PYSHIM_HUB_H
#define NARWHAL_PYSHIM_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "pyshim.h"

typedef struct pyshim_hub pyshim_hub;

// pyshim_gevent_patch imports gevent and monkey-patches the standard
// library; it must run before the app is imported.
int pyshim_gevent_patch(char **err);

pyshim_hub *pyshim_hub_new(int nlanes, int ready_fd, int done_fd);
void pyshim_hub_set_lane(pyshim_hub *h, int i, pyshim_thread *t);
// pyshim_hub_load copies a packed request (and its in-memory body) into
// lane i's C buffers. Returns -1 when out of memory.
int pyshim_hub_load(pyshim_hub *h, int i, const char *buf, size_t n, const char *body, size_t bn);
// pyshim_hub_push_ready queues lane i for the hub.
void pyshim_hub_push_ready(pyshim_hub *h, int i);
// pyshim_hub_stop makes the hub return once its running requests finish.
void pyshim_hub_stop(pyshim_hub *h);
// pyshim_hub_pop_done moves up to max finished (lane, result) pairs out of
// the done ring and returns how many.
int pyshim_hub_pop_done(pyshim_hub *h, int *lanes, int *rcs, int max);
// pyshim_hub_run runs the hub on the calling thread until it is stopped
// and every greenlet has finished. beat, when not NULL, receives
// CLOCK_MONOTONIC nanoseconds from a greenlet every beat_ms: a hub blocked
// by CPU-bound code stops beating. request_timeout (seconds, 0 for none)
// bounds each request with a gevent.Timeout raising _narwhal.RequestTimeout.
// src is the hub loop's Python source.
int pyshim_hub_run(pyshim_hub *h, int64_t *beat, int beat_ms, double request_timeout,
		   const char *src, char **err);
void pyshim_hub_free(pyshim_hub *h);

#endif
