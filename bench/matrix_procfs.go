package bench

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of /proc CPU times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// groupPIDs lists the processes of process group pgid.
func groupPIDs(pgid int) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if f := procStat(pid); len(f) > 2 && f[2] == strconv.Itoa(pgid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procStat is /proc/PID/stat split after the command name, so that f[0]
// is the state, f[2] the process group, f[11] utime and f[12] stime.
func procStat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// procTicks is a process's user + system CPU, in clock ticks.
func procTicks(pid int) int64 {
	f := procStat(pid)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// groupTicks sums procTicks over a process group.
func groupTicks(pgid int) int64 {
	var n int64
	for _, pid := range groupPIDs(pgid) {
		n += procTicks(pid)
	}
	return n
}

// groupPSS sums the proportional set size of a process group's processes:
// memory shared between a master and its workers is counted once in all.
func groupPSS(pgid int) (bytes int64, procs int) {
	for _, pid := range groupPIDs(pgid) {
		f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				bytes += kb << 10
				procs++
				break
			}
		}
		f.Close()
	}
	return bytes, procs
}

// cpuStat is the machine-wide first line of /proc/stat, in clock ticks.
type cpuStat struct {
	busy  int64 // user + nice + system: what processes ran (irq time left out)
	steal int64 // taken by the hypervisor for other machines
}

func readCPUStat() cpuStat {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuStat{}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	v := strings.Fields(sc.Text())
	n := func(i int) int64 {
		if i >= len(v) {
			return 0
		}
		x, _ := strconv.ParseInt(v[i], 10, 64)
		return x
	}
	// cpu user nice system idle iowait irq softirq steal
	return cpuStat{busy: n(1) + n(2) + n(3), steal: n(8)}
}

// loadAvg1 is the one-minute load average.
func loadAvg1() float64 {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
