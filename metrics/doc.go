// Package metrics holds what a worker process shares with its master through
// memory rather than messages: one memfd-backed Slot per worker with its
// heartbeat, its lifecycle state, its request count and the start time of
// the request each app thread is running. Every field is a single int64
// written with atomics, so the request path takes no lock and makes no
// system call to report, and the master reads all workers without asking
// any of them.
//
// The slot is the heartbeat of gunicorn's arbiter (its WorkerTmp file,
// whose ctime the worker touches) without the file system: a worker whose
// heartbeat is older than --timeout, or whose sync app thread has been on
// one request that long, is aborted by the master.
package metrics
