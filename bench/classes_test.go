package bench

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkWorkerClasses is issue 5's scenario: an app that sleeps 10 ms
// per request, 100 connections, 2 workers. The ideal is 10,000 req/s (100
// requests in flight, each 10 ms). narwhal's gevent-like class is compared
// with gunicorn's gevent worker in the same run; narwhal's threads (25 per
// worker) and sync classes are reported against the ideal.
func BenchmarkWorkerClasses(b *testing.B) {
	gunicorn, err := exec.LookPath("gunicorn")
	if err != nil {
		b.Fatal("gunicorn not installed: run scripts/deps.sh")
	}
	bin := GoBuild(b, b.TempDir(), "./cmd/narwhal")
	apps := filepath.Join(RepoRoot(), "examples")
	common := []string{"-b", "127.0.0.1:0", "-w", "2", "--pythonpath", apps}
	start := func(name string, extra ...string) *Process {
		return StartLogging(b, name, append(append(append([]string{}, common...), extra...), "sleep10:app")...)
	}
	gevent := start(bin, "-k", "gevent-like")
	peer := start(gunicorn, "-k", "gevent")
	threads := start(bin, "-k", "threads", "--threads", "25")
	sync := start(bin, "-k", "sync")
	const ideal = 10000.0
	for i := 0; i < b.N; i++ {
		g := Wrk(b, "http://"+gevent.Addr+"/", 100, "")
		p := Wrk(b, "http://"+peer.Addr+"/", 100, "")
		Report(b, "sleep 10ms c100 w2 gevent", g, p, "gunicorn-gevent")
		b.ReportMetric(g.RPS/ideal, "gevent_of_ideal")
		th := Wrk(b, "http://"+threads.Addr+"/", 100, "")
		Report(b, "sleep 10ms c100 w2 threads25", th, p, "gunicorn-gevent")
		sy := Wrk(b, "http://"+sync.Addr+"/", 100, "")
		Report(b, "sleep 10ms c100 w2 sync", sy, p, "gunicorn-gevent")
		b.Logf("of the ideal %.0f req/s: gevent-like %.1f%%, threads %.1f%%, sync %.1f%%",
			ideal, 100*g.RPS/ideal, 100*th.RPS/ideal, 100*sy.RPS/ideal)
	}
}
