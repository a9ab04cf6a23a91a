package bench

import (
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkMetricsOverhead is issue 7's budget: hello keep-alive c64, one
// worker, with --metrics-bind (and a scrape every second, as Prometheus
// would) against the same binary without it, in the same run. Workers
// record into their slots either way; this measures what serving metrics
// adds on top (BenchmarkSlotObserve in metrics/ is the recording itself).
func BenchmarkMetricsOverhead(b *testing.B) {
	bin := GoBuild(b, b.TempDir(), "./cmd/narwhal")
	apps := filepath.Join(RepoRoot(), "examples")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	maddr := ln.Addr().String()
	ln.Close()
	on := StartLogging(b, bin, "-b", "127.0.0.1:0", "--metrics-bind", maddr, "--pythonpath", apps, "hello:app")
	off := StartLogging(b, bin, "-b", "127.0.0.1:0", "--pythonpath", apps, "hello:app")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if resp, err := http.Get("http://" + maddr + "/metrics"); err == nil {
					resp.Body.Close()
				}
			}
		}
	}()
	for i := 0; i < b.N; i++ {
		// Alternated and repeated: the machine is shared, the median of
		// three is steadier than one run.
		var ons, offs []WrkResult
		for r := 0; r < 3; r++ {
			offs = append(offs, Wrk(b, "http://"+off.Addr+"/", 64, ""))
			ons = append(ons, Wrk(b, "http://"+on.Addr+"/", 64, ""))
		}
		Report(b, "hello c64 metrics on/off", Median(ons), Median(offs), "metrics-off")
	}
}
