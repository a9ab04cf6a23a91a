package metrics

import (
	"os"
	"strconv"
	"strings"
)

// procStat is what /proc says about a process.
type procStat struct {
	rss int64   // bytes
	cpu float64 // user + system seconds
}

// clockTicks is USER_HZ, 100 on every Linux architecture narwhal builds for.
const clockTicks = 100

func selfPid() int { return os.Getpid() }

// readProc reads a process's CPU time (/proc/PID/stat) and resident memory
// (/proc/PID/statm).
func readProc(pid int) (procStat, bool) {
	var st procStat
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return st, false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return st, false
	}
	utime, _ := strconv.ParseFloat(f[11], 64) // field 14
	stime, _ := strconv.ParseFloat(f[12], 64) // field 15
	st.cpu = (utime + stime) / clockTicks
	rss, err := RSS(pid)
	if err != nil {
		return st, false
	}
	st.rss = rss
	return st, true
}

// RSS is a process's resident memory in bytes (/proc/PID/statm).
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, os.ErrInvalid
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, err
	}
	return pages * int64(os.Getpagesize()), nil
}
