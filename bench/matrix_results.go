package bench

import (
	"sort"
	"time"
)

// Results is everything one matrix run measured, as written to
// bench/results/NAME.json: the setup, the machine and versions, then every
// check, cell, memory reading and target.
type Results struct {
	Mode     string            `json:"mode"`
	Started  time.Time         `json:"started"`
	Seconds  float64           `json:"seconds"` // the whole run, wall clock
	Config   ResultsConfig     `json:"config"`
	Machine  map[string]string `json:"machine"`
	Versions map[string]string `json:"versions"`
	Servers  []ServerInfo      `json:"servers"`
	Checks   []Check           `json:"checks"`
	Cells    []Cell            `json:"cells"`
	Memory   []Memory          `json:"memory"`
	Targets  []TargetResult    `json:"targets"`
}

// ResultsConfig is the part of MatrixConfig that explains the numbers.
type ResultsConfig struct {
	Reps       int     `json:"reps"`
	DurationS  float64 `json:"duration_s"`
	WarmupS    float64 `json:"warmup_s"`
	Workers    int     `json:"workers"`
	WrkThreads int     `json:"wrk_threads"`
	NoiseCores float64 `json:"noise_cores"` // a run is noisy past this much CPU taken by others
}

// ServerInfo is a server's command lines as run for the hello app (more
// than one when some load needs another, see Server.Args).
type ServerInfo struct {
	Name     string   `json:"name"`
	Family   string   `json:"family"`
	Commands []string `json:"commands"`
	Note     string   `json:"note,omitempty"`
}

// Check is one correctness check of a server on an app: before the load
// ("start") and after it ("after load").
type Check struct {
	Server string `json:"server"`
	App    string `json:"app"`
	Phase  string `json:"phase"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
}

// Run is one wrk run of one cell, with what the rest of the machine did
// meanwhile.
type Run struct {
	RPS          float64 `json:"rps"`
	Requests     int64   `json:"requests"`
	SocketErrors int64   `json:"socket_errors"`
	Non2xx       int64   `json:"non2xx"`
	P50us        int64   `json:"p50_us"`
	P99us        int64   `json:"p99_us"`
	P999us       int64   `json:"p999_us"`
	ServerCores  float64 `json:"server_cores"` // CPU the server's processes used, in cores
	WrkCores     float64 `json:"wrk_cores"`
	OtherCores   float64 `json:"other_cores"` // CPU anything else used, steal included
	Load1        float64 `json:"load1"`       // before the run
	Error        string  `json:"error,omitempty"`
}

// Cell is one server x app x load: the median run (by req/s) of its runs.
type Cell struct {
	App      string  `json:"app"`
	Load     string  `json:"load"`
	Server   string  `json:"server"`
	Run              // the median run
	Runs     []Run   `json:"runs"`
	MaxOther float64 `json:"max_other_cores"`
	Noisy    bool    `json:"noisy"`
}

// Memory is a server's PSS, summed over its process group, after an app's
// loads.
type Memory struct {
	Server    string `json:"server"`
	App       string `json:"app"`
	PSSBytes  int64  `json:"pss_bytes"`
	Processes int    `json:"processes"`
}

// cell aggregates runs into a Cell: median by req/s, noisy if any run saw
// more than noise cores taken by other processes.
func cell(app, load, server string, runs []Run, noise float64) Cell {
	c := Cell{App: app, Load: load, Server: server, Runs: runs}
	ok := make([]Run, 0, len(runs))
	for _, r := range runs {
		if r.Error == "" {
			ok = append(ok, r)
		}
		c.MaxOther = max(c.MaxOther, r.OtherCores)
	}
	c.Noisy = c.MaxOther > noise
	if len(ok) == 0 {
		if len(runs) > 0 {
			c.Run = runs[0]
		}
		return c
	}
	sort.Slice(ok, func(i, j int) bool { return ok[i].RPS < ok[j].RPS })
	c.Run = ok[len(ok)/2]
	return c
}

// Cell finds a cell; ok is false if it was not run.
func (r *Results) Cell(app, load, server string) (Cell, bool) {
	for _, c := range r.Cells {
		if c.App == app && c.Load == load && c.Server == server {
			return c, true
		}
	}
	return Cell{}, false
}

// PSS finds a memory reading.
func (r *Results) PSS(app, server string) (Memory, bool) {
	for _, m := range r.Memory {
		if m.App == app && m.Server == server {
			return m, true
		}
	}
	return Memory{}, false
}
