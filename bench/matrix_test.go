package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var (
	matrixMode     = flag.String("matrix", os.Getenv("NARWHAL_BENCH_MATRIX"), "run TestMatrix: quick (smoke test, a few seconds per cell) or full")
	matrixServers  = flag.String("matrix.servers", "", "regexp: only these servers (see Servers)")
	matrixApps     = flag.String("matrix.apps", "", "regexp: only these apps (see Apps)")
	matrixLoads    = flag.String("matrix.loads", "", "regexp: only these loads")
	matrixReps     = flag.Int("matrix.reps", 0, "runs per cell (default: quick 1, full 3)")
	matrixDuration = flag.Duration("matrix.duration", 0, "length of each run (default: quick 1s, full 10s)")
	matrixWarmup   = flag.Duration("matrix.warmup", -1, "warm-up per server and app (default: quick none, full 2s)")
	matrixThreads  = flag.Int("matrix.wrk-threads", 1, "wrk threads")
	matrixNoise    = flag.Float64("matrix.noise", 0.10, "flag a cell when other processes took more than this many cores")
	matrixOut      = flag.String("matrix.out", "", "results directory (default bench/results)")
	matrixName     = flag.String("matrix.name", "", "file name prefix (default: full: latest, quick: quick)")
	matrixNarwhal  = flag.String("matrix.narwhal", "", "a narwhal binary to use instead of building ./cmd/narwhal")
)

// TestMatrix is issue 8's side-by-side harness: narwhal's three worker
// classes, gunicorn's sync, gthread and gevent workers, uWSGI with and
// without threads, waitress and a Go net/http ceiling, each with 2 workers,
// on the example apps and loads of Apps. It writes NAME.json, NAME.md and
// NAME-*.{png,svg} charts to bench/results and prints the Markdown.
//
// It runs only when asked: `make bench-quick` (-matrix=quick, the smoke
// test, see assertAnswered) or `make bench-matrix` (-matrix=full, for
// people: the targets are reported, never asserted).
func TestMatrix(t *testing.T) {
	began := time.Now()
	cfg := MatrixConfig{Mode: *matrixMode, WrkThreads: *matrixThreads, NoiseCores: *matrixNoise,
		Logf: func(f string, a ...any) {
			fmt.Fprintf(os.Stderr, "[%4.0fs] "+f+"\n", append([]any{time.Since(began).Seconds()}, a...)...)
		}}
	switch cfg.Mode {
	case "":
		t.Skip("side-by-side matrix: run with -matrix=quick or -matrix=full (make bench-quick, make bench)")
	case "quick":
		cfg.Reps, cfg.Duration, cfg.Warmup = 1, time.Second, 0
	case "full":
		cfg.Reps, cfg.Duration, cfg.Warmup = 3, 10*time.Second, 2*time.Second
	default:
		t.Fatalf("-matrix=%q: want quick or full", cfg.Mode)
	}
	if *matrixReps > 0 {
		cfg.Reps = *matrixReps
	}
	if *matrixDuration > 0 {
		cfg.Duration = *matrixDuration
	}
	if *matrixWarmup >= 0 {
		cfg.Warmup = *matrixWarmup
	}
	cfg.Servers, cfg.Apps, cfg.Loads = mustRegexp(t, *matrixServers), mustRegexp(t, *matrixApps), mustRegexp(t, *matrixLoads)
	name := *matrixName
	if name == "" {
		name = map[string]string{"quick": "quick", "full": "latest"}[cfg.Mode]
	}
	out := *matrixOut
	if out == "" {
		out = filepath.Join(RepoRoot(), "bench", "results")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}

	bin := t.TempDir()
	narwhal := *matrixNarwhal
	if narwhal == "" {
		narwhal = GoBuild(t, bin, "./cmd/narwhal")
	}
	env := &MatrixEnv{Narwhal: narwhal, Ceiling: GoBuild(t, bin, "./bench/ceiling"),
		Gunicorn: debianTool("gunicorn"), UWSGI: debianTool("uwsgi"), Waitress: debianTool("waitress-serve"),
		Apps: filepath.Join(RepoRoot(), "examples"), Workers: 2}
	// Ctrl-C or TERM cancels the run: wrk is killed, every server's process
	// group is stopped, and the test fails instead of leaving them running.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := RunMatrix(ctx, env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if *matrixNarwhal != "" {
		res.Versions["narwhal"] = "prebuilt " + *matrixNarwhal
	}

	var md strings.Builder
	WriteMarkdown(&md, res)
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for file, b := range map[string][]byte{name + ".json": js, name + ".md": []byte(md.String())} {
		if err := os.WriteFile(filepath.Join(out, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	charts, err := WriteCharts(res, out, name)
	if err != nil {
		t.Log(err)
	}
	fmt.Println(md.String())
	fmt.Printf("wrote %s.json, %s.md and %d charts to %s in %.0fs\n", name, name, len(charts), out, res.Seconds)
	if cfg.Mode == "quick" {
		assertAnswered(t, res)
	}
}

// assertAnswered is the quick mode's only assertion: every server passed
// every check and completed requests in every cell it ran, and narwhal
// answered no request under load with a non-2xx status. Peers' error
// counts are reported, not judged.
func assertAnswered(t *testing.T, res *Results) {
	for _, c := range res.Checks {
		if !c.OK {
			t.Errorf("%s on %s (%s): %s", c.Server, c.App, c.Phase, c.Error)
		}
	}
	for _, c := range res.Cells {
		for _, r := range c.Runs {
			if r.Error != "" {
				t.Errorf("%s %s %s: %s", c.Server, c.App, c.Load, r.Error)
			}
			if strings.HasPrefix(c.Server, "narwhal-") && r.Non2xx > 0 {
				t.Errorf("%s %s %s: %d non-2xx responses", c.Server, c.App, c.Load, r.Non2xx)
			}
		}
	}
}

func mustRegexp(t *testing.T, s string) *regexp.Regexp {
	if s == "" {
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		t.Fatalf("bad regexp %q: %v", s, err)
	}
	return re
}
