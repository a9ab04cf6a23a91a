package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// scrape reads /metrics into "name{labels}" -> value.
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// sum adds every series of a metric whose labels contain all of want.
func sum(m map[string]float64, name string, want ...string) float64 {
	var s float64
	for k, v := range m {
		if k != name && !strings.HasPrefix(k, name+"{") {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(k, w)
		}
		if ok {
			s += v
		}
	}
	return s
}

// buckets returns a histogram's cumulative bucket counts in le order.
func buckets(m map[string]float64, name string) []float64 {
	type b struct{ le, n float64 }
	var bs []b
	re := regexp.MustCompile(`^` + name + `_bucket\{le="([^"]+)"\}$`)
	for k, v := range m {
		if g := re.FindStringSubmatch(k); g != nil {
			le, _ := strconv.ParseFloat(g[1], 64) // "+Inf" parses as +Inf
			bs = append(bs, b{le, v})
		}
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].le < bs[j].le })
	out := make([]float64, len(bs))
	for i := range bs {
		out[i] = bs[i].n
	}
	return out
}

func TestMetricsCountEveryRequestAcrossWorkers(t *testing.T) {
	maddr := freeAddr(t)
	s := start(t, "-w", "2", "--metrics-bind", maddr, "lifecycle:app")
	waitWorkers(t, s, s.cmd.Process.Pid, 2)
	const n = 57
	pids := map[int]bool{}
	for i := 0; i < n; i++ {
		pids[pidOf(t, s)] = true
	}
	m := scrape(t, maddr)
	if got := sum(m, "narwhal_http_requests_total", `method="GET"`, `code="200"`); got != n {
		t.Errorf("requests_total = %v, want %d (served by %d workers)", got, n, len(pids))
	}
	if got := m["narwhal_http_request_duration_seconds_count"]; got != n {
		t.Errorf("duration _count = %v, want %d", got, n)
	}
	bs := buckets(m, "narwhal_http_request_duration_seconds")
	if len(bs) != 15 {
		t.Fatalf("%d duration buckets, want OpenTelemetry's 14 and +Inf", len(bs))
	}
	for i := 1; i < len(bs); i++ {
		if bs[i] < bs[i-1] {
			t.Errorf("buckets not cumulative: %v", bs)
		}
	}
	if bs[len(bs)-1] != n {
		t.Errorf("+Inf bucket %v, want %d", bs[len(bs)-1], n)
	}
	if m["narwhal_workers"] != 2 || m["narwhal_http_request_queue_seconds_count"] != n {
		t.Errorf("workers %v, queue count %v", m["narwhal_workers"], m["narwhal_http_request_queue_seconds_count"])
	}
	if sum(m, "narwhal_process_resident_memory_bytes", `role="worker"`) <= 0 || m[`narwhal_build_info{version="0.0.0-dev"}`] != 1 {
		t.Errorf("process or build metrics missing")
	}
	// The master notices ready workers on its next tick.
	for _, p := range []string{"/healthz", "/readyz"} {
		waitFor(t, p+" 200", func() bool {
			resp, err := http.Get("http://" + maddr + p)
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == 200
		})
	}
}

func TestMetricsNeverGoDownAcrossRestarts(t *testing.T) {
	maddr := freeAddr(t)
	s := start(t, "-w", "2", "--max-requests", "20", "--metrics-bind", maddr, "lifecycle:app")
	master := s.cmd.Process.Pid
	last := 0.0
	check := func(when string) {
		t.Helper()
		m := scrape(t, maddr)
		got := sum(m, "narwhal_http_requests_total")
		if got < last {
			t.Fatalf("%s: requests_total went down from %v to %v", when, last, got)
		}
		last = got
	}
	// Two live workers hold at most 19 requests each and a recycled one at
	// most 20 plus what its backlog drain serves, so 70 requests mean two
	// recycles at least.
	served := map[int]int{}
	for i := 0; i < 70; i++ {
		served[pidOf(t, s)]++
		check(fmt.Sprintf("after request %d", i+1))
	}
	// Kill a worker that is not leaving already: one that answered its
	// 20th request may still be finishing, and it counts as max_requests.
	victim := 0
	waitFor(t, "a worker below max_requests", func() bool {
		for _, k := range children(master) {
			if served[k] < 20 {
				victim = k
				return true
			}
		}
		return false
	})
	syscall.Kill(victim, syscall.SIGKILL)
	waitFor(t, "the killed worker replaced", func() bool {
		now := children(master)
		return len(now) == 2 && now[0] != victim && now[1] != victim
	})
	check("after kill -9")
	if last != 70 {
		t.Errorf("requests_total %v after 70 requests", last)
	}
	// Restarts are counted when the master reaps the worker, a moment
	// after its last request.
	waitFor(t, "restarts counted", func() bool {
		m := scrape(t, maddr)
		return m[`narwhal_worker_restarts_total{reason="max_requests"}`] >= 2 && m[`narwhal_worker_restarts_total{reason="crash"}`] == 1
	})
}

func TestRequestTimeoutAnswers504WithTraceback(t *testing.T) {
	for _, class := range []string{"sync", "threads", "gevent-like"} {
		t.Run(class, func(t *testing.T) {
			s := start(t, "-k", class, "--request-timeout", "0.5", "lifecycle:app")
			began := time.Now()
			code, _ := get(t, s.URL("/slowfn?3"))
			if code != 504 {
				t.Fatalf("status %d, want 504", code)
			}
			if took := time.Since(began); took > 2500*time.Millisecond {
				t.Errorf("504 after %v: not at the timeout", took)
			}
			s.waitLog(t, `(?s)(Request timeout after|Request timed out).*in slow_function`)
			// The worker lives on and serves.
			if code, _ := get(t, s.URL("/pid")); code != 200 {
				t.Errorf("after the timeout: %d", code)
			}
		})
	}
}

func TestMaxWorkerMemoryRecycles(t *testing.T) {
	maddr := freeAddr(t)
	s := start(t, "--max-worker-memory", "80", "--metrics-bind", maddr, "lifecycle:app")
	first := pidOf(t, s)
	for i := 0; i < 8; i++ { // 8 x 16 MiB: well past 80 MiB
		get(t, s.URL("/leak"))
	}
	s.waitLog(t, fmt.Sprintf(`Worker \(pid:%d\) uses \d+ MiB, over max_worker_memory 80 MiB`, first))
	waitFor(t, "a fresh worker", func() bool { return pidOf(t, s) != first })
	waitFor(t, "the memory restart counted", func() bool {
		return scrape(t, maddr)[`narwhal_worker_restarts_total{reason="memory"}`] == 1
	})
}

func TestReadyzDrainsOnTerm(t *testing.T) {
	maddr := freeAddr(t)
	s := start(t, "--graceful-timeout", "10", "--metrics-bind", maddr, "lifecycle:app")
	pidOf(t, s)
	ready := func() int {
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + maddr + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitFor(t, "ready", func() bool { return ready() == 200 })
	done := make(chan int, 1)
	go func() { code, _ := get(t, s.URL("/sleep?1.5")); done <- code }()
	waitFor(t, "the request in flight", func() bool {
		return scrape(t, maddr)["narwhal_http_requests_in_flight"] == 1
	})
	s.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, "not ready while draining", func() bool { return ready() == 503 })
	if code := <-done; code != 200 {
		t.Errorf("in-flight request: %d", code)
	}
}
