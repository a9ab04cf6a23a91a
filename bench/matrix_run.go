package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// MatrixConfig is what one matrix run does.
type MatrixConfig struct {
	Mode       string // quick or full: only recorded
	Reps       int
	Duration   time.Duration // of each measured run
	Warmup     time.Duration // once per server and app, not measured; 0 for none
	WrkThreads int
	NoiseCores float64
	Servers    *regexp.Regexp // which servers, apps and loads run (nil: all)
	Apps       *regexp.Regexp
	Loads      *regexp.Regexp
	Logf       func(format string, args ...any) // progress
}

// RunMatrix runs every selected app on every selected server: for each app
// it starts all the servers at once, checks each answers correctly, warms
// them up, then runs every load Reps times, rotating the server order each
// round so that a slow minute of the machine is spread over all of them.
// Servers are stopped before the next app starts and before it returns.
func RunMatrix(ctx context.Context, env *MatrixEnv, cfg MatrixConfig) (*Results, error) {
	res := &Results{Mode: cfg.Mode, Started: time.Now().UTC(),
		Config: ResultsConfig{Reps: cfg.Reps, DurationS: cfg.Duration.Seconds(), WarmupS: cfg.Warmup.Seconds(),
			Workers: env.Workers, WrkThreads: cfg.WrkThreads, NoiseCores: cfg.NoiseCores},
		Machine: machineInfo(), Versions: versions(env)}
	servers := selectServers(cfg.Servers)
	short := strings.NewReplacer(env.Narwhal, "narwhal", env.Ceiling, "ceiling", env.Apps, "examples")
	for _, s := range servers {
		info := ServerInfo{Name: s.Name, Family: s.Family, Note: s.Note}
		hello := Apps()[0]
		for _, g := range groupLoads(env, s, hello, hello.Loads) {
			info.Commands = append(info.Commands, short.Replace(strings.Join(s.Args(env, hello, g[0], "127.0.0.1:PORT"), " ")))
		}
		res.Servers = append(res.Servers, info)
	}
	logDir, err := os.MkdirTemp("", "narwhal-matrix-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(logDir)
	for _, app := range Apps() {
		if !match(cfg.Apps, app.Name) {
			continue
		}
		var loads []Load
		for _, l := range app.Loads {
			if match(cfg.Loads, l.Name) {
				loads = append(loads, l)
			}
		}
		if len(loads) == 0 {
			continue
		}
		if err := runApp(ctx, env, cfg, res, app, loads, servers, logDir); err != nil {
			return res, err
		}
	}
	res.Targets = evaluateTargets(res)
	res.Seconds = time.Since(res.Started).Seconds()
	return res, nil
}

func runApp(ctx context.Context, env *MatrixEnv, cfg MatrixConfig, res *Results, app App, loads []Load, servers []Server, logDir string) error {
	var started []*served
	defer func() {
		for _, sv := range started {
			sv.stop()
		}
	}()
	for _, s := range servers {
		for _, group := range groupLoads(env, s, app, loads) {
			sv, err := startServed(env, s, app, group, logDir)
			if err != nil {
				res.Checks = append(res.Checks, Check{Server: s.Name, App: app.Name, Phase: "start", Error: err.Error()})
				continue
			}
			started = append(started, sv)
		}
	}
	cfg.Logf("== %s: started %d servers", app.Title, len(started))
	alive := checkAll(ctx, res, started, "start", 90*time.Second)
	if cfg.Warmup > 0 {
		for _, sv := range alive {
			if _, err := RunWrk(ctx, wrkSpec(sv, sv.Loads[0], cfg.Warmup, cfg.WrkThreads)); err != nil {
				cfg.Logf("warm-up %s: %v", sv.Server.Name, err)
			}
		}
	}
	runs := map[[2]string][]Run{} // load, server
	for rep := 0; rep < cfg.Reps; rep++ {
		for _, l := range loads {
			svs := serving(alive, l)
			for i := range svs {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				sv := svs[(i+rep)%len(svs)]
				r := measure(ctx, sv, l, cfg)
				key := [2]string{l.Name, sv.Server.Name}
				runs[key] = append(runs[key], r)
				cfg.Logf("%-11s %-15s %-20s run %d/%d: %9.0f req/s  p99 %7.2f ms  errors %d/%d  server %.2f wrk %.2f other %.2f cores%s",
					app.Name, l.Name, sv.Server.Name, rep+1, cfg.Reps, r.RPS, float64(r.P99us)/1000,
					r.SocketErrors, r.Non2xx, r.ServerCores, r.WrkCores, r.OtherCores, errSuffix(r.Error))
			}
		}
	}
	for _, l := range loads {
		for _, sv := range serving(alive, l) {
			res.Cells = append(res.Cells, cell(app.Name, l.Name, sv.Server.Name, runs[[2]string{l.Name, sv.Server.Name}], cfg.NoiseCores))
		}
	}
	measured := map[string]bool{}
	for _, sv := range checkAll(ctx, res, alive, "after load", 20*time.Second) {
		if measured[sv.Server.Name] {
			continue // a second process group of the same server, for other loads
		}
		measured[sv.Server.Name] = true
		pss, n := groupPSS(sv.cmd.Process.Pid)
		res.Memory = append(res.Memory, Memory{Server: sv.Server.Name, App: app.Name, PSSBytes: pss, Processes: n})
	}
	return ctx.Err()
}

// groupLoads splits loads by the command line s needs for them: usually
// one group, one process group serving every load.
func groupLoads(env *MatrixEnv, s Server, app App, loads []Load) [][]Load {
	var keys []string
	groups := map[string][]Load{}
	for _, l := range loads {
		k := strings.Join(s.Args(env, app, l, "ADDR"), "\x00")
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], l)
	}
	out := make([][]Load, len(keys))
	for i, k := range keys {
		out[i] = groups[k]
	}
	return out
}

// serving is the servers, in order, whose process group serves load l.
func serving(svs []*served, l Load) []*served {
	var out []*served
	for _, sv := range svs {
		for _, x := range sv.Loads {
			if x.Name == l.Name {
				out = append(out, sv)
			}
		}
	}
	return out
}

// checkAll runs the app's check against every server at once, records the
// outcome, and returns the servers that passed.
func checkAll(ctx context.Context, res *Results, svs []*served, phase string, timeout time.Duration) []*served {
	errs := make([]error, len(svs))
	var wg sync.WaitGroup
	for i, sv := range svs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = sv.ready(ctx, timeout) }()
	}
	wg.Wait()
	var ok []*served
	for i, sv := range svs {
		c := Check{Server: sv.Server.Name, App: sv.App.Name, Phase: phase, OK: errs[i] == nil}
		if errs[i] != nil {
			c.Error = errs[i].Error()
		} else {
			ok = append(ok, sv)
		}
		res.Checks = append(res.Checks, c)
	}
	return ok
}

// measure runs one load against one server and accounts for the CPU: the
// server's process group, wrk, this harness, and everything else on the
// machine (other processes, the hypervisor's steal), which is the noise.
func measure(ctx context.Context, sv *served, l Load, cfg MatrixConfig) Run {
	pgid, self := sv.cmd.Process.Pid, os.Getpid()
	load1 := loadAvg1()
	c0, s0, h0 := readCPUStat(), groupTicks(pgid), procTicks(self)
	start := time.Now()
	w, err := RunWrk(ctx, wrkSpec(sv, l, cfg.Duration, cfg.WrkThreads))
	secs := time.Since(start).Seconds()
	c1, s1, h1 := readCPUStat(), groupTicks(pgid), procTicks(self)
	server := float64(s1 - s0)
	wrk := w.CPU.Seconds() * clockTicks
	other := max(float64(c1.busy-c0.busy)-server-wrk-float64(h1-h0), 0) + float64(c1.steal-c0.steal)
	r := Run{RPS: w.RPS, Requests: w.Requests, SocketErrors: w.SocketErrors, Non2xx: w.Non2xx,
		P50us: w.P50.Microseconds(), P99us: w.P99.Microseconds(), P999us: w.P999.Microseconds(),
		ServerCores: server / clockTicks / secs, WrkCores: wrk / clockTicks / secs,
		OtherCores: other / clockTicks / secs, Load1: load1}
	if err != nil {
		r.Error = err.Error()
	} else if w.Requests == 0 {
		r.Error = "no request completed"
	}
	return r
}

func wrkSpec(sv *served, l Load, d time.Duration, threads int) WrkSpec {
	s := WrkSpec{URL: "http://" + sv.Addr + "/", Conns: l.Conns, Threads: threads, Duration: d,
		ScriptArgs: l.ScriptArgs, Headers: l.Headers}
	if l.Script != "" {
		s.Script = filepath.Join(RepoRoot(), "bench", "lua", l.Script)
	}
	return s
}

func selectServers(re *regexp.Regexp) []Server {
	var out []Server
	for _, s := range Servers() {
		if match(re, s.Name) {
			out = append(out, s)
		}
	}
	return out
}

func match(re *regexp.Regexp, s string) bool { return re == nil || re.MatchString(s) }

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	if i := strings.IndexByte(e, '\n'); i >= 0 {
		e = e[:i]
	}
	return fmt.Sprintf("  ERROR %s", e)
}
