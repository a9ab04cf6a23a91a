package workers

import (
	"runtime/debug"

	"github.com/narwhalhq/narwhal/wsgi"
)

// idleTrim gives memory back to the kernel once a worker that served
// requests has no connection left. Go's scavenger otherwise returns freed
// heap over minutes, and glibc keeps freed C heap mapped: a worker that
// served a burst stayed about 5 MiB larger than an idle one (PSS, hello,
// after the side-by-side loads). It runs on the heartbeat's tick, at most
// once per busy spell: a full collection costs a few milliseconds, never on
// a worker that is serving.
type idleTrim struct {
	seen int64 // connections accepted when the worker last trimmed
}

// tick trims when no connection is open and some were accepted since the
// last trim.
func (t *idleTrim) tick(open int, accepted int64) {
	if open > 0 || accepted == t.seen {
		return
	}
	t.seen = accepted
	debug.FreeOSMemory()
	wsgi.TrimHeap()
}
