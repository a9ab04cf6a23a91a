package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// WrkResult is what one wrk run measured.
type WrkResult struct {
	RPS          float64
	Requests     int64
	SocketErrors int64
	Non2xx       int64
	P50, P99     time.Duration
}

var (
	reRPS     = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reReqs    = regexp.MustCompile(`(\d+) requests in`)
	reSockErr = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	reNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reLatency = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)`)
)

// duration is each wrk run's length: BENCH_DURATION, default 5s.
func duration() string {
	if d := os.Getenv("BENCH_DURATION"); d != "" {
		return d
	}
	return "5s"
}

// Wrk runs wrk against a loopback URL and parses its report.
func Wrk(t testing.TB, url string, conns int, script string, scriptArgs ...string) WrkResult {
	t.Helper()
	if !strings.HasPrefix(url, "http://127.0.0.1:") && !strings.HasPrefix(url, "http://[::1]:") {
		t.Fatalf("refusing to load anything but loopback: %s", url)
	}
	args := []string{"-t1", "-c" + strconv.Itoa(conns), "-d" + duration(), "--latency"}
	if script != "" {
		args = append(args, "-s", script)
	}
	args = append(args, url)
	if len(scriptArgs) > 0 {
		args = append(append(args, "--"), scriptArgs...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "wrk", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk %v: %v\n%s", args, err, out)
	}
	s := string(out)
	var r WrkResult
	if m := reRPS.FindStringSubmatch(s); m != nil {
		r.RPS, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := reReqs.FindStringSubmatch(s); m != nil {
		r.Requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := reSockErr.FindStringSubmatch(s); m != nil {
		for _, v := range m[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			r.SocketErrors += n
		}
	}
	if m := reNon2xx.FindStringSubmatch(s); m != nil {
		r.Non2xx, _ = strconv.ParseInt(m[1], 10, 64)
	}
	for _, m := range reLatency.FindAllStringSubmatch(s, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		d := time.Duration(v * float64(map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]))
		if m[1] == "50" {
			r.P50 = d
		} else {
			r.P99 = d
		}
	}
	return r
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
