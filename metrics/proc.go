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

// StatFields returns the fields of /proc/PID/stat from field 3 (state)
// on, so field n of proc(5) is [n-3]. They are split after the last ')':
// the command name in field 2 may hold spaces and parentheses.
func StatFields(pid int) ([]string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:]), nil
}

// readProc reads a process's CPU time (/proc/PID/stat) and resident memory
// (/proc/PID/statm).
func readProc(pid int) (procStat, bool) {
	var st procStat
	f, err := StatFields(pid)
	if err != nil || len(f) < 13 {
		return st, false
	}
	utime, _ := strconv.ParseFloat(f[14-3], 64)
	stime, _ := strconv.ParseFloat(f[15-3], 64)
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
