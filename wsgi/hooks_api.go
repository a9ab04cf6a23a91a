package wsgi

import (
	"encoding/json"
	"math"

	"github.com/narwhalhq/narwhal/config"
)

// HookServer is the master as a hook's `server` argument sees it.
type HookServer struct {
	Pid        int
	NumWorkers int
	ProcName   string
	MasterName string
}

// HookWorker is a worker as a hook's `worker` argument sees it; Pid 0 is a
// worker not started yet (pre_fork), shown as None.
type HookWorker struct {
	Pid, PPid, Age int
}

// hookSpec encodes hook arguments for hooks.py: servers and workers as
// tagged objects, anything else as JSON.
func hookSpec(args []any) (string, error) {
	spec := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case HookServer:
			name := v.MasterName
			if name == "" {
				name = "Master"
			}
			spec[i] = map[string]any{"_kind": "server", "pid": v.Pid, "num_workers": v.NumWorkers, "proc_name": v.ProcName, "master_name": name}
		case HookWorker:
			spec[i] = workerSpec(v)
		default:
			spec[i] = v
		}
	}
	b, err := json.Marshal(spec)
	return string(b), err
}

func workerSpec(w HookWorker) map[string]any {
	var pid any
	if w.Pid != 0 {
		pid = w.Pid
	}
	return map[string]any{"_kind": "worker", "pid": pid, "ppid": w.PPid, "age": w.Age}
}

// hookSettings encodes every setting for server.cfg: hooks by name,
// numbers JSON cannot hold as strings.
func hookSettings(cfg *config.Config) (string, error) {
	values := map[string]any{}
	for _, s := range config.Settings() {
		v := cfg.Get(s.Name)
		switch x := v.(type) {
		case config.Hook:
			v = x.Name
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				v = nil
			}
		}
		values[s.Name] = v
	}
	b, err := json.Marshal(values)
	return string(b), err
}
