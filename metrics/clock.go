package metrics

import _ "unsafe" // for go:linkname

// Now returns CLOCK_MONOTONIC in nanoseconds. The clock is shared by every
// process on the machine, so a master can compare a worker's timestamps
// with its own, and unlike the wall clock it never jumps (an NTP step must
// not look like a hung worker). runtime.nanotime reads it through the vDSO;
// golang.org/x/sys/unix.ClockGettime would be a real system call (~20x
// slower), and time.Now hides the absolute monotonic value.
func Now() int64 { return nanotime() }

//go:linkname nanotime runtime.nanotime
func nanotime() int64
