package bench

import (
	"fmt"
	"slices"
	"strings"
)

// TargetResult is one of issue 8's targets, judged on the medians.
type TargetResult struct {
	Name   string  `json:"name"`
	Goal   string  `json:"goal"`
	Ratio  float64 `json:"ratio"` // 0 when a cell it needs was not run
	Met    bool    `json:"met"`
	Detail string  `json:"detail"`
	Noisy  bool    `json:"noisy"` // a cell it uses was flagged
}

// target compares narwhal (the best of the named classes, or of all three
// when none is named) with a peer server's cell, or with a fixed ideal.
type target struct {
	name, app, load string
	narwhal         []string // server names; nil: every narwhal class
	peer            string   // server name, or "" for ideal
	ideal           float64
	goal            float64 // ratio at least this
}

// targets are issue 8's, in its order.
var targets = []target{
	{name: "hello keep-alive c64 vs gunicorn gthread", app: "hello", load: "keepalive-c64", peer: "gunicorn-gthread", goal: 3.5},
	{name: "hello keep-alive c64 vs Go net/http", app: "hello", load: "keepalive-c64", peer: "go-nethttp", goal: 1.0},
	{name: "hello pipelined x16 vs gunicorn gevent", app: "hello", load: "pipeline16-c64", peer: "gunicorn-gevent", goal: 10},
	{name: "hello Connection: close vs uWSGI", app: "hello", load: "close-c64", peer: "uwsgi", goal: 1.0},
	{name: "Flask JSON vs uWSGI --threads 8", app: "flask_json", load: "keepalive-c64", peer: "uwsgi-threads", goal: 1.6},
	{name: "sleep 10 ms c100, gevent-like, vs the ideal 10,000 req/s", app: "sleep10", load: "keepalive-c100",
		narwhal: []string{"narwhal-gevent-like"}, ideal: 10000, goal: 0.95},
	{name: "1 MiB body vs Go net/http", app: "big", load: "keepalive-c64", peer: "go-nethttp", goal: 1.0},
}

func evaluateTargets(res *Results) []TargetResult {
	var out []TargetResult
	for _, t := range targets {
		out = append(out, t.evaluate(res))
	}
	return append(out, memoryTarget(res))
}

func (t target) evaluate(res *Results) TargetResult {
	tr := TargetResult{Name: t.name, Goal: fmt.Sprintf(">= %.2gx", t.goal)}
	if t.ideal > 0 {
		tr.Goal = fmt.Sprintf(">= %.0f%%", 100*t.goal)
	}
	ours, ok := res.bestNarwhal(t.app, t.load, t.narwhal)
	if !ok {
		tr.Detail = "not run"
		return tr
	}
	base, baseName := t.ideal, "ideal"
	if t.peer != "" {
		p, ok := res.Cell(t.app, t.load, t.peer)
		if !ok || p.RPS == 0 {
			tr.Detail = t.peer + " not run"
			return tr
		}
		base, baseName, tr.Noisy = p.RPS, t.peer, p.Noisy
	}
	tr.Ratio = ours.RPS / base
	tr.Met = tr.Ratio >= t.goal
	tr.Noisy = tr.Noisy || ours.Noisy
	tr.Detail = fmt.Sprintf("%s %s / %s %s req/s", ours.Server, thousands(ours.RPS), baseName, thousands(base))
	return tr
}

// bestNarwhal is the narwhal cell with the most req/s among names (all
// narwhal servers when names is nil).
func (r *Results) bestNarwhal(app, load string, names []string) (Cell, bool) {
	var best Cell
	found := false
	for _, c := range r.Cells {
		if c.App != app || c.Load != load || !strings.HasPrefix(c.Server, "narwhal-") {
			continue
		}
		if names != nil && !slices.Contains(names, c.Server) {
			continue
		}
		if !found || c.RPS > best.RPS {
			best, found = c, true
		}
	}
	return best, found
}

// memoryTarget: narwhal's PSS serving hello, like for like (sync against
// sync), at most gunicorn sync's; the largest narwhal class is named too.
func memoryTarget(res *Results) TargetResult {
	tr := TargetResult{Name: "memory: PSS serving hello, narwhal sync vs gunicorn sync", Goal: "<= 1.00x"}
	ours, ok1 := res.PSS("hello", "narwhal-sync")
	peer, ok2 := res.PSS("hello", "gunicorn-sync")
	if !ok1 || !ok2 || peer.PSSBytes == 0 {
		tr.Detail = "not run"
		return tr
	}
	tr.Ratio = float64(ours.PSSBytes) / float64(peer.PSSBytes)
	tr.Met = tr.Ratio <= 1
	tr.Detail = fmt.Sprintf("%.1f / %.1f MiB", mib(ours.PSSBytes), mib(peer.PSSBytes))
	var worst Memory
	for _, m := range res.Memory {
		if m.App == "hello" && strings.HasPrefix(m.Server, "narwhal-") && m.PSSBytes > worst.PSSBytes {
			worst = m
		}
	}
	if worst.Server != "" && worst.Server != ours.Server {
		tr.Detail += fmt.Sprintf("; largest class %s %.1f MiB", worst.Server, mib(worst.PSSBytes))
	}
	return tr
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
