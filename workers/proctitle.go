package workers

import (
	"os"
	"strings"
	"unsafe"
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
	area   []byte // argv and, when adjacent, environ strings
	argEnd int    // offset of argv's final NUL in area
}

// ClaimProcTitle claims the argv block. It must run before anything else
// keeps references into os.Args or the environment's original strings: it
// rewrites every environment variable into fresh memory (Go's and libc's
// copies both, through os.Setenv) so the block is free. Callers keep their
// own copies of the arguments (strings.Clone) first. It returns nil when
// argv is not laid out as the kernel lays it out.
func ClaimProcTitle() *ProcTitle {
	args := os.Args
	if len(args) == 0 || len(args[0]) == 0 {
		return nil
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(args[0])))
	end := start
	for _, a := range args {
		p := uintptr(unsafe.Pointer(unsafe.StringData(a)))
		if len(a) > 0 && p != end {
			return nil // not one contiguous block
		}
		end += uintptr(len(a)) + 1
	}
	argEnd := int(end - start - 1)
	env := os.Environ()
	for _, kv := range env {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(kv))); len(kv) > 0 && p == end {
			end += uintptr(len(kv)) + 1
		} else {
			break
		}
	}
	// Move the environment out of the block before the block is reused.
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			_ = os.Setenv(strings.Clone(k), strings.Clone(v))
		}
	}
	area := unsafe.Slice(unsafe.StringData(args[0]), end-start)
	return &ProcTitle{area: area, argEnd: argEnd}
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
