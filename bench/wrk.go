package bench

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// WrkResult is what one wrk run measured.
type WrkResult struct {
	RPS          float64
	Requests     int64
	Bytes        int64
	SocketErrors int64 // connect + read + write + timeout
	Non2xx       int64 // wrk's "Non-2xx or 3xx responses"
	P50, P99     time.Duration
	P999, Max    time.Duration
	Elapsed      time.Duration // as wrk measured the run
	CPU          time.Duration // wrk's own user + system time
}

// WrkSpec is one wrk run. Zero values mean: one thread, BENCH_DURATION,
// no script, no extra headers.
type WrkSpec struct {
	URL        string // loopback only
	Conns      int
	Threads    int
	Duration   time.Duration // rounded up to whole seconds, as wrk takes it
	Script     string        // a Lua file of bench/lua, or ""
	ScriptArgs []string
	Headers    []string // "Name: value", one -H each
}

// reportLua is appended to every script: it prints the summary line that
// parseWrk reads (wrk's text report has no p99.9).
//
//go:embed lua/report.lua
var reportLua []byte

// duration is each wrk run's length for the Benchmark functions:
// BENCH_DURATION, default 5s.
func duration() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("BENCH_DURATION")); err == nil && d > 0 {
		return d
	}
	return 5 * time.Second
}

// Wrk runs wrk against a loopback URL for BENCH_DURATION with one thread and
// returns what it measured; any failure fails t.
func Wrk(t testing.TB, url string, conns int, script string, scriptArgs ...string) WrkResult {
	t.Helper()
	r, err := RunWrk(context.Background(), WrkSpec{URL: url, Conns: conns, Script: script, ScriptArgs: scriptArgs})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// RunWrk runs one wrk process and parses its summary line. It refuses any
// URL that is not loopback, and kills wrk if it outlives its duration by a
// minute or ctx ends.
func RunWrk(ctx context.Context, s WrkSpec) (WrkResult, error) {
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") && !strings.HasPrefix(s.URL, "http://[::1]:") {
		return WrkResult{}, fmt.Errorf("refusing to load anything but loopback: %s", s.URL)
	}
	if s.Threads <= 0 {
		s.Threads = 1
	}
	if s.Duration <= 0 {
		s.Duration = duration()
	}
	secs := int((s.Duration + time.Second - 1) / time.Second)
	script, err := withReport(s.Script)
	if err != nil {
		return WrkResult{}, err
	}
	defer os.Remove(script)
	args := []string{"-t" + strconv.Itoa(s.Threads), "-c" + strconv.Itoa(s.Conns), "-d" + strconv.Itoa(secs) + "s", "-s", script}
	for _, h := range s.Headers {
		args = append(args, "-H", h)
	}
	args = append(args, s.URL)
	if len(s.ScriptArgs) > 0 {
		args = append(append(args, "--"), s.ScriptArgs...)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(secs)*time.Second+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "wrk", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return WrkResult{}, fmt.Errorf("wrk %v: %w\n%s", args, err, out)
	}
	r, err := parseWrk(string(out))
	if err != nil {
		return r, fmt.Errorf("wrk %v: %w\n%s", args, err, out)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return r, nil
}

// withReport writes script (if any) followed by report.lua to a temporary
// file, since wrk takes a single -s.
func withReport(script string) (string, error) {
	var src []byte
	if script != "" {
		b, err := os.ReadFile(script)
		if err != nil {
			return "", err
		}
		src = append(b, '\n')
	}
	f, err := os.CreateTemp("", "wrk-*.lua")
	if err != nil {
		return "", err
	}
	_, err = f.Write(append(src, reportLua...))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// parseWrk reads the "narwhal-wrk key=value ..." line that report.lua prints.
func parseWrk(out string) (WrkResult, error) {
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "narwhal-wrk ") {
			line = l
		}
	}
	if line == "" {
		return WrkResult{}, fmt.Errorf("no summary line from report.lua")
	}
	v := map[string]int64{}
	for _, kv := range strings.Fields(line)[1:] {
		k, val, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return WrkResult{}, fmt.Errorf("summary %q: %w", kv, err)
		}
		v[k] = n
	}
	us := func(k string) time.Duration { return time.Duration(v[k]) * time.Microsecond }
	r := WrkResult{
		Requests:     v["requests"],
		Bytes:        v["bytes"],
		SocketErrors: v["connect"] + v["read"] + v["write"] + v["timeout"],
		Non2xx:       v["status"],
		P50:          us("p50_us"),
		P99:          us("p99_us"),
		P999:         us("p999_us"),
		Max:          us("max_us"),
		Elapsed:      us("duration_us"),
	}
	if r.Elapsed > 0 {
		r.RPS = float64(r.Requests) / r.Elapsed.Seconds()
	}
	return r, nil
}

// Process is a server started for a benchmark; it is killed at cleanup.
type Process struct {
	Addr string
	cmd  *exec.Cmd
}

// StartPrinting runs a server that prints its listen address as its first
// line of stdout.
func StartPrinting(t testing.TB, name string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("%s: no address: %v", name, err)
	}
	return &Process{Addr: strings.TrimSpace(line), cmd: cmd}
}

// RepoRoot is the module root, found from this file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// GoBuild builds a package of this module into dir and returns the binary.
func GoBuild(t testing.TB, dir, pkg string) string {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// Median is the run with the median req/s.
func Median(rs []WrkResult) WrkResult {
	s := append([]WrkResult(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return s[i].RPS < s[j].RPS })
	return s[len(s)/2]
}

// Report prints a comparison line and records the figures as benchmark metrics.
func Report(b *testing.B, scenario string, ours, peer WrkResult, peerName string) {
	ratio := ours.RPS / peer.RPS
	b.ReportMetric(ours.RPS, "narwhal_req/s")
	b.ReportMetric(peer.RPS, peerName+"_req/s")
	b.ReportMetric(ratio, "ratio")
	b.Logf("%s: narwhal %.0f req/s (p99 %v, errors %d), %s %.0f req/s (p99 %v, errors %d): %.2fx",
		scenario, ours.RPS, ours.P99, ours.SocketErrors+ours.Non2xx, peerName, peer.RPS, peer.P99, peer.SocketErrors+peer.Non2xx, ratio)
	fmt.Fprintf(os.Stderr, "%-28s narwhal %10.0f  %-10s %10.0f  ratio %.2fx\n", scenario, ours.RPS, peerName, peer.RPS, ratio)
}
