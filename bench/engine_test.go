package bench

import (
	"path/filepath"
	"testing"
)

// BenchmarkEngineHello compares narwhal's event loop with a static Go
// handler against Go's net/http serving the same bytes, one process each,
// in the same run: keep-alive c64, and 16 requests pipelined per write.
func BenchmarkEngineHello(b *testing.B) {
	bin := GoBuild(b, b.TempDir(), "./bench/hellod")
	engine := StartPrinting(b, bin, "-server", "engine")
	nethttp := StartPrinting(b, bin, "-server", "nethttp")
	pipeline := filepath.Join(RepoRoot(), "bench", "lua", "pipeline.lua")
	for i := 0; i < b.N; i++ {
		b.Run("keepalive-c64", func(b *testing.B) {
			ours := Wrk(b, "http://"+engine.Addr+"/", 64, "")
			peer := Wrk(b, "http://"+nethttp.Addr+"/", 64, "")
			Report(b, "engine keep-alive c64", ours, peer, "nethttp")
		})
		b.Run("pipeline16-c64", func(b *testing.B) {
			ours := Wrk(b, "http://"+engine.Addr+"/", 64, pipeline, "16")
			peer := Wrk(b, "http://"+nethttp.Addr+"/", 64, pipeline, "16")
			Report(b, "engine pipelined x16 c64", ours, peer, "nethttp")
		})
	}
}
