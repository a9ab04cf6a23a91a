package metrics

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// RestartReasons label narwhal_worker_restarts_total.
var RestartReasons = []string{"crash", "timeout", "max_requests", "memory", "reload"}

// Collector is the master's Prometheus view of every worker: it sums the
// live workers' slots and the totals of every worker that has exited, so no
// counter ever goes down across crashes, recycling, TTOU or HUP (what
// prometheus_client's multiprocess mode gets wrong, gunicorn #2738). It is
// read at scrape time only; the request path never sees it.
type Collector struct {
	mu       sync.Mutex
	live     map[int]*Slot
	base     Counters
	restarts map[string]float64
	ready    atomic.Bool
	version  string

	descs map[string]*prometheus.Desc
}

// NewCollector returns an empty Collector for a master of the given version.
func NewCollector(version string) *Collector {
	c := &Collector{live: map[int]*Slot{}, restarts: map[string]float64{}, version: version}
	for _, r := range RestartReasons {
		c.restarts[r] = 0
	}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	c.descs = map[string]*prometheus.Desc{
		"requests":  d("narwhal_http_requests_total", "HTTP requests answered by the app, by method and status code.", "method", "code"),
		"duration":  d("narwhal_http_request_duration_seconds", "Time from an app thread taking a request to its complete response."),
		"queue":     d("narwhal_http_request_queue_seconds", "Time a complete request waited for an app thread."),
		"reqsize":   d("narwhal_http_request_body_size_bytes", "Request body sizes."),
		"respsize":  d("narwhal_http_response_body_size_bytes", "Response body sizes."),
		"inflight":  d("narwhal_http_requests_in_flight", "Requests being served by the app."),
		"busy":      d("narwhal_app_threads_busy", "App threads running a request."),
		"conns":     d("narwhal_connections_open", "Open client connections."),
		"workers":   d("narwhal_workers", "Worker processes."),
		"restarts":  d("narwhal_worker_restarts_total", "Workers replaced, by reason.", "reason"),
		"rss":       d("narwhal_process_resident_memory_bytes", "Resident memory of each narwhal process.", "role", "pid"),
		"cpu":       d("narwhal_process_cpu_seconds_total", "CPU time of each narwhal process.", "role", "pid"),
		"buildinfo": d("narwhal_build_info", "narwhal's version; always 1.", "version"),
	}
	return c
}

// Add starts counting a worker's slot.
func (c *Collector) Add(pid int, s *Slot) {
	c.mu.Lock()
	c.live[pid] = s
	c.mu.Unlock()
}

// Remove folds an exited worker's totals into the base; call it before the
// slot is closed.
func (c *Collector) Remove(pid int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.live[pid]
	if s == nil {
		return
	}
	var n Counters
	s.Counters(&n)
	c.base.Add(&n)
	delete(c.live, pid)
}

// Restart counts a worker replaced for reason (one of RestartReasons).
func (c *Collector) Restart(reason string) {
	c.mu.Lock()
	c.restarts[reason]++
	c.mu.Unlock()
}

// SetReady sets what /readyz answers.
func (c *Collector) SetReady(ready bool) { c.ready.Store(ready) }

// Ready is what /readyz answers: serving and not draining.
func (c *Collector) Ready() bool { return c.ready.Load() }

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	total := c.base
	var inflight, busy, conns float64
	pids := make([]int, 0, len(c.live))
	for pid, s := range c.live {
		var n Counters
		s.Counters(&n)
		total.Add(&n)
		inflight += float64(s.InFlight())
		busy += float64(s.BusyThreads())
		conns += float64(s.Conns())
		pids = append(pids, pid)
	}
	restarts := make(map[string]float64, len(c.restarts))
	for k, v := range c.restarts {
		restarts[k] = v
	}
	c.mu.Unlock()

	for m, method := range Methods {
		for code := 0; code < nCodes; code++ {
			if v := total[mRequests+m*nCodes+code]; v != 0 {
				ch <- prometheus.MustNewConstMetric(c.descs["requests"], prometheus.CounterValue, float64(v), method, strconv.Itoa(code+minCode))
			}
		}
	}
	ch <- histogram(c.descs["duration"], total[mDuration:mDuration+durWords], DurationBuckets, 1e-9)
	ch <- histogram(c.descs["queue"], total[mQueue:mQueue+durWords], DurationBuckets, 1e-9)
	ch <- histogram(c.descs["reqsize"], total[mReqSize:mReqSize+sizeWords], SizeBuckets, 1)
	ch <- histogram(c.descs["respsize"], total[mRespSize:mRespSize+sizeWords], SizeBuckets, 1)
	ch <- prometheus.MustNewConstMetric(c.descs["inflight"], prometheus.GaugeValue, inflight)
	ch <- prometheus.MustNewConstMetric(c.descs["busy"], prometheus.GaugeValue, busy)
	ch <- prometheus.MustNewConstMetric(c.descs["conns"], prometheus.GaugeValue, conns)
	ch <- prometheus.MustNewConstMetric(c.descs["workers"], prometheus.GaugeValue, float64(len(pids)))
	for _, r := range RestartReasons {
		ch <- prometheus.MustNewConstMetric(c.descs["restarts"], prometheus.CounterValue, restarts[r], r)
	}
	c.process(ch, "master", selfPid())
	for _, pid := range pids {
		c.process(ch, "worker", pid)
	}
	ch <- prometheus.MustNewConstMetric(c.descs["buildinfo"], prometheus.GaugeValue, 1, c.version)
}

func (c *Collector) process(ch chan<- prometheus.Metric, role string, pid int) {
	st, ok := readProc(pid)
	if !ok {
		return
	}
	p := strconv.Itoa(pid)
	ch <- prometheus.MustNewConstMetric(c.descs["rss"], prometheus.GaugeValue, float64(st.rss), role, p)
	ch <- prometheus.MustNewConstMetric(c.descs["cpu"], prometheus.CounterValue, st.cpu, role, p)
}

// histogram turns a slot histogram (per-bucket counts, +Inf, sum) into a
// Prometheus one (cumulative buckets); scale converts the sum's unit.
func histogram(d *prometheus.Desc, h []int64, bounds []float64, scale float64) prometheus.Metric {
	buckets := make(map[float64]uint64, len(bounds))
	var cum uint64
	for i, b := range bounds {
		cum += uint64(h[i])
		buckets[b] = cum
	}
	count := cum + uint64(h[len(bounds)])
	sum := float64(h[len(bounds)+1]) * scale
	return prometheus.MustNewConstHistogram(d, count, sum, buckets)
}
