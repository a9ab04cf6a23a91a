package workers

import (
	"runtime/debug"

	"github.com/narwhalhq/narwhal/wsgi"
)

// idleTrim gives memory back to the kernel once a worker that served
// requests has gone idle. Go's scavenger otherwise returns freed heap over
// minutes, and glibc keeps freed C heap mapped: a worker that served a burst
// stayed about 5 MiB larger than an idle one (PSS, hello, after the
// side-by-side loads). It runs on the heartbeat's tick, at most once per
// busy spell: a full collection costs a few milliseconds, so never on a
// worker that is serving, even one whose short connections leave none open
// at the moment of a tick.
type idleTrim struct {
	last    int64 // connections accepted at the previous tick
	trimmed int64 // connections accepted when the worker last trimmed
}

// tick trims when no connection is open, none was accepted for a whole
// tick, and some were since the last trim.
func (t *idleTrim) tick(open int, accepted int64) {
	quiet := open == 0 && accepted == t.last
	t.last = accepted
	if !quiet || accepted == t.trimmed {
		return
	}
	t.trimmed = accepted
	debug.FreeOSMemory()
	wsgi.TrimHeap()
}
