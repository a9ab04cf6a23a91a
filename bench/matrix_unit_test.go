package bench

import (
	"strings"
	"testing"
	"time"
)

func TestParseWrk(t *testing.T) {
	out := "Running 1s test @ http://127.0.0.1:1/\n  10 requests in 1.00s\n" +
		"narwhal-wrk requests=2000 duration_us=2000000 bytes=300 connect=1 read=2 write=3 status=4 timeout=5 p50_us=100 p99_us=900 p999_us=1500 max_us=2000\n"
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	want := WrkResult{RPS: 1000, Requests: 2000, Bytes: 300, SocketErrors: 11, Non2xx: 4,
		P50: 100 * time.Microsecond, P99: 900 * time.Microsecond, P999: 1500 * time.Microsecond,
		Max: 2 * time.Millisecond, Elapsed: 2 * time.Second}
	if r != want {
		t.Errorf("got %+v, want %+v", r, want)
	}
	if _, err := parseWrk("Requests/sec: 10\n"); err == nil {
		t.Error("no summary line: want an error")
	}
}

func TestCellMedianAndNoise(t *testing.T) {
	runs := []Run{{RPS: 30, OtherCores: 0.05}, {RPS: 10, OtherCores: 0.3}, {RPS: 20}, {Error: "wrk failed"}}
	c := cell("hello", "keepalive-c64", "narwhal-sync", runs, 0.1)
	if c.RPS != 20 {
		t.Errorf("median req/s = %v, want 20 (the failed run left out)", c.RPS)
	}
	if !c.Noisy || c.MaxOther != 0.3 {
		t.Errorf("noisy = %v, max other = %v; want true, 0.3", c.Noisy, c.MaxOther)
	}
	if c := cell("a", "l", "s", []Run{{RPS: 5, OtherCores: 0.02}}, 0.1); c.Noisy {
		t.Error("0.02 cores taken by others flagged as noisy")
	}
}

// uWSGI's --http11-socket ignores a client's Connection: close, so the close
// load must get its own --http-socket process; every other server serves
// all loads from one process group.
func TestGroupLoads(t *testing.T) {
	env := &MatrixEnv{Narwhal: "narwhal", Ceiling: "ceiling", UWSGI: "uwsgi", Gunicorn: "gunicorn", Waitress: "waitress-serve", Apps: "examples", Workers: 2}
	hello := Apps()[0]
	for _, s := range Servers() {
		groups := groupLoads(env, s, hello, hello.Loads)
		want := 1
		if s.Family == "uwsgi" {
			want = 2
		}
		if len(groups) != want {
			t.Errorf("%s: %d process groups for hello's loads, want %d", s.Name, len(groups), want)
		}
		for _, g := range groups {
			args := strings.Join(s.Args(env, hello, g[0], "127.0.0.1:1"), " ")
			if s.Family == "uwsgi" && (g[0].Name == close64.Name) != strings.Contains(args, "--http-socket ") {
				t.Errorf("%s %s: %s", s.Name, g[0].Name, args)
			}
		}
	}
}

func TestTargets(t *testing.T) {
	res := &Results{Cells: []Cell{
		{App: "hello", Load: "keepalive-c64", Server: "narwhal-sync", Run: Run{RPS: 40000}},
		{App: "hello", Load: "keepalive-c64", Server: "narwhal-threads", Run: Run{RPS: 30000}},
		{App: "hello", Load: "keepalive-c64", Server: "gunicorn-gthread", Run: Run{RPS: 10000}, Noisy: true},
		{App: "hello", Load: "keepalive-c64", Server: "go-nethttp", Run: Run{RPS: 50000}},
		{App: "sleep10", Load: "keepalive-c100", Server: "narwhal-threads", Run: Run{RPS: 9900}},
		{App: "sleep10", Load: "keepalive-c100", Server: "narwhal-gevent-like", Run: Run{RPS: 9600}},
	}, Memory: []Memory{
		{App: "hello", Server: "narwhal-sync", PSSBytes: 20 << 20},
		{App: "hello", Server: "narwhal-gevent-like", PSSBytes: 60 << 20},
		{App: "hello", Server: "gunicorn-sync", PSSBytes: 25 << 20},
	}}
	got := map[string]TargetResult{}
	for _, tr := range evaluateTargets(res) {
		got[tr.Name] = tr
	}
	for _, tc := range []struct {
		name       string
		ratio      float64
		met, noisy bool
		detail     string
	}{
		{"hello keep-alive c64 vs gunicorn gthread", 4, true, true, "narwhal-sync 40,000"},
		{"hello keep-alive c64 vs Go net/http", 0.8, false, false, "go-nethttp 50,000"},
		{"sleep 10 ms c100, gevent-like, vs the ideal 10,000 req/s", 0.96, true, false, "narwhal-gevent-like"},
		{"hello pipelined x16 vs gunicorn gevent", 0, false, false, "not run"},
		{"memory: PSS serving hello, narwhal sync vs gunicorn sync", 0.8, true, false, "largest class narwhal-gevent-like 60.0 MiB"},
	} {
		tr, ok := got[tc.name]
		if !ok {
			t.Errorf("%s: no such target", tc.name)
			continue
		}
		if tr.Ratio < tc.ratio-1e-9 || tr.Ratio > tc.ratio+1e-9 || tr.Met != tc.met || tr.Noisy != tc.noisy || !strings.Contains(tr.Detail, tc.detail) {
			t.Errorf("%s: got ratio %v met %v noisy %v detail %q; want %v %v %v, detail with %q",
				tc.name, tr.Ratio, tr.Met, tr.Noisy, tr.Detail, tc.ratio, tc.met, tc.noisy, tc.detail)
		}
	}
}

func TestWriteMarkdown(t *testing.T) {
	res := &Results{Mode: "quick", Config: ResultsConfig{Reps: 1, DurationS: 1, Workers: 2, WrkThreads: 1, NoiseCores: 0.1},
		Servers: []ServerInfo{{Name: "narwhal-sync", Family: "narwhal"}, {Name: "gunicorn-gthread", Family: "gunicorn"}},
		Cells: []Cell{
			{App: "hello", Load: "keepalive-c64", Server: "narwhal-sync", Run: Run{RPS: 40000, P99us: 1500}},
			{App: "hello", Load: "keepalive-c64", Server: "gunicorn-gthread", Run: Run{RPS: 10000}, Noisy: true, MaxOther: 0.5},
		},
		Checks: []Check{{Server: "narwhal-sync", App: "hello", Phase: "start", OK: true}}}
	res.Targets = evaluateTargets(res)
	var b strings.Builder
	WriteMarkdown(&b, res)
	md := b.String()
	for _, want := range []string{
		"| hello keep-alive c64 vs gunicorn gthread | 4.00x | >= 3.5x | **met** ⚠ |",
		"| **narwhal-sync** | 40,000 | 4.00x | n/a | 1.50 ms |",
		"⚠ (max 0.50)",
		"All 1 checks passed",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
