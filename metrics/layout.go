package metrics

import (
	"sort"
	"time"
)

// Methods are the request methods counted by name; any other is "_OTHER",
// so a client cannot grow the label set (OpenTelemetry's http.request.method
// rule).
var Methods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "_OTHER"}

// MethodIndex maps a request method to its index in Methods.
func MethodIndex(m []byte) int {
	for i, name := range Methods[:len(Methods)-1] {
		if string(m) == name {
			return i
		}
	}
	return len(Methods) - 1
}

// Status codes 100 to 599 are counted one by one; anything else as 599's
// neighbour would mislead, so it is clamped into the 5xx range's end.
const (
	minCode = 100
	nCodes  = 500
)

// DurationBuckets are OpenTelemetry's http.server.request.duration bucket
// bounds, in seconds; the queue-time histogram uses them too.
var DurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// SizeBuckets bound the request and response body size histograms, in
// bytes: powers of 4 from 64 B to 16 MiB.
var SizeBuckets = []float64{64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216}

// A histogram in a slot is len(bounds)+1 bucket counts (not cumulative; the
// last is +Inf) followed by the sum (nanoseconds or bytes).
const (
	durWords  = 14 + 1 + 1
	sizeWords = 10 + 1 + 1

	mRequests = 0                     // [method][code] counters
	mDuration = mRequests + 10*nCodes // request duration histogram
	mQueue    = mDuration + durWords  // queue time histogram
	mReqSize  = mQueue + durWords     // request body size histogram
	mRespSize = mReqSize + sizeWords  // response body size histogram
	mEnd      = mRespSize + sizeWords

	metricWords = (mEnd + 7) &^ 7
)

// Observation is one finished request.
type Observation struct {
	Method   int // MethodIndex
	Code     int
	Duration time.Duration // from dispatch to the app until the response was complete
	Queue    time.Duration // from the complete request until an app thread took it
	ReqSize  int64
	RespSize int64
}

// Observe records a finished request: a few atomic adds, no lock.
func (s *Slot) Observe(o *Observation) {
	code := min(max(o.Code, minCode), minCode+nCodes-1) - minCode
	m := min(max(o.Method, 0), len(Methods)-1)
	s.words[wMetrics+mRequests+m*nCodes+code].Add(1)
	s.observe(mDuration, DurationBuckets, o.Duration.Seconds(), int64(o.Duration))
	s.observe(mQueue, DurationBuckets, o.Queue.Seconds(), int64(o.Queue))
	s.observe(mReqSize, SizeBuckets, float64(o.ReqSize), o.ReqSize)
	s.observe(mRespSize, SizeBuckets, float64(o.RespSize), o.RespSize)
}

func (s *Slot) observe(off int, bounds []float64, v float64, raw int64) {
	i := sort.SearchFloat64s(bounds, v) // first bound >= v: Prometheus's le
	s.words[wMetrics+off+i].Add(1)
	s.words[wMetrics+off+len(bounds)+1].Add(raw)
}

// Begin and End count a request in flight.
func (s *Slot) Begin() { s.words[wInFlight].Add(1) }
func (s *Slot) End()   { s.words[wInFlight].Add(-1) }

// InFlight is the number of requests being served.
func (s *Slot) InFlight() int64 { return s.words[wInFlight].Load() }

// SetConns records the worker's open connections.
func (s *Slot) SetConns(n int) { s.words[wConns].Store(int64(n)) }

// Conns is the worker's open connections at its last report.
func (s *Slot) Conns() int64 { return s.words[wConns].Load() }

// Busy threads: app threads with a request in progress.
func (s *Slot) BusyThreads() int {
	n := 0
	for i, t := 0, s.Threads(); i < t; i++ {
		if s.words[wThreadTable+i].Load() != 0 {
			n++
		}
	}
	return n
}

// Retire reasons a worker reports before it leaves on its own.
const (
	ReasonNone        = 0
	ReasonMaxRequests = 1
	ReasonMemory      = 2
)

// SetReason records why the worker is leaving.
func (s *Slot) SetReason(r int) { s.words[wReason].Store(int64(r)) }

// Reason is why the worker said it was leaving.
func (s *Slot) Reason() int { return int(s.words[wReason].Load()) }

// Counters copies the slot's cumulative request metrics, for folding into
// the totals of exited workers and for scraping.
func (s *Slot) Counters(dst *Counters) {
	for i := range dst {
		dst[i] = s.words[wMetrics+i].Load()
	}
}

// Counters is a copy of a slot's request metrics block.
type Counters [mEnd]int64

// Add adds o into c.
func (c *Counters) Add(o *Counters) {
	for i := range c {
		c[i] += o[i]
	}
}
