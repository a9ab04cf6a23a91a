package workers

import (
	"os"
	"strconv"
	"strings"
	"unsafe"

	"github.com/narwhalhq/narwhal/metrics"
)

// ProcTitle rewrites what ps(1) and /proc/PID/cmdline show for this process,
// as gunicorn does through setproctitle ("gunicorn: master [app]"). Linux
// reads cmdline from the original argv block; since 4.18 it treats a non-NUL
// last byte of argv as "the title was rewritten" and then reads one
// NUL-terminated string that may run on into the environment block. So the
// title can be as long as argv and environ together, once nothing reads the
// environment from its original memory any more.
//
// Workers need none of this: the master executes them with the title as
// their whole argv.
type ProcTitle struct {
	area   []byte // the argv block and, when it follows, the environ block
	argEnd int    // offset of argv's final NUL in area
}

// ClaimProcTitle claims the argv block. Go's os.Args still point into it, so
// callers keep their own copies of the arguments (strings.Clone) first. Go
// copied the environment at start, but libc's environ still points into the
// block: every variable is set again (os.Setenv also calls libc's setenv,
// which copies) so the block is free. The block's bounds come from
// /proc/self/stat; nil when they cannot be read or argv is not where the
// kernel put it.
func ClaimProcTitle() *ProcTitle {
	if len(os.Args) == 0 || len(os.Args[0]) == 0 {
		return nil
	}
	b := bounds()
	if b == nil {
		return nil
	}
	argStart, argEnd, envStart, envEnd := b[0], b[1], b[2], b[3]
	if uintptr(unsafe.Pointer(unsafe.StringData(os.Args[0]))) != argStart || argEnd <= argStart {
		return nil
	}
	end := argEnd
	if envStart == argEnd && envEnd > envStart {
		end = envEnd
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				_ = os.Setenv(k, v)
			}
		}
	}
	area := unsafe.Slice(unsafe.StringData(os.Args[0]), end-argStart)
	return &ProcTitle{area: area, argEnd: int(argEnd - argStart - 1)}
}

// bounds reads arg_start, arg_end, env_start and env_end, fields 48 to 51
// of /proc/self/stat (proc(5)).
func bounds() []uintptr {
	f, err := metrics.StatFields(os.Getpid())
	const first = 48 - 3 // f[0] is field 3
	if err != nil || len(f) < first+4 {
		return nil
	}
	out := make([]uintptr, 4)
	for i := range out {
		n, err := strconv.ParseUint(f[first+i], 10, 64)
		if err != nil || n == 0 {
			return nil
		}
		out[i] = uintptr(n)
	}
	return out
}

// Set shows title, truncated to the block if it must be.
func (t *ProcTitle) Set(title string) {
	if t == nil {
		return
	}
	n := copy(t.area[:len(t.area)-1], title)
	clear(t.area[n:])
	if t.argEnd > n {
		// A non-NUL last argv byte tells the kernel to stop at the title's
		// NUL rather than show the old arguments' remains.
		t.area[t.argEnd] = ' '
	}
}
