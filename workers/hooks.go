package workers

import (
	"fmt"
	"os"

	"github.com/narwhalhq/narwhal/config"
	"github.com/narwhalhq/narwhal/wsgi"
)

// usesHooks reports whether the configuration sets any server hook: only
// then does a process need Python for them.
func usesHooks(cfg *config.Config) bool {
	for _, s := range config.Settings() {
		if s.Type == config.TypeHook && !cfg.Hook(s.Name).IsDefault() {
			return true
		}
	}
	return false
}

// setupHooks makes the master's hooks callable (the config file has
// started Python in this process already).
func (a *Arbiter) setupHooks(cfg *config.Config) {
	if !usesHooks(cfg) {
		return
	}
	if err := wsgi.SetupHooks(a.log.FD(), cfg.LogLevel(), cfg); err != nil {
		a.log.Errorf("%v", err)
	}
}

// hook runs a master-side hook of the current configuration, as gunicorn's
// arbiter calls it; an exception in it is logged, never fatal.
func (a *Arbiter) hook(name string, args ...any) {
	cfg := a.opt.Config
	if a.cur != nil {
		cfg = a.cur.cfg
	}
	if err := wsgi.CallHook(cfg.Hook(name), name, args...); err != nil {
		a.log.Errorf("%v", err)
	}
}

// server is this master as hooks see it.
func (a *Arbiter) server() wsgi.HookServer {
	cfg, n := a.opt.Config, 0
	if a.cur != nil {
		cfg, n = a.cur.cfg, a.cur.numWorkers
	}
	return wsgi.HookServer{Pid: a.pid, NumWorkers: n, ProcName: cfg.ProcName(), MasterName: a.name}
}

// setWorkers changes the worker count and tells nworkers_changed.
func (a *Arbiter) setWorkers(n int) {
	old := a.cur.numWorkers
	if n == old {
		return
	}
	a.cur.numWorkers = n
	a.hook("nworkers_changed", a.server(), n, old)
}

// resolveHooks gets the worker's hooks. The master's configuration names
// them, but a callable cannot cross exec: the worker executes the config
// file again, as gunicorn's forked worker would simply have inherited them.
func (w *worker) resolveHooks() error {
	if !usesHooks(w.cfg) {
		return nil
	}
	g, err := wsgi.LoadConfigFile(w.cfg.ConfigFile())
	if err != nil {
		return fmt.Errorf("config file %s, executed again for the worker's hooks: %w", w.cfg.ConfigFile(), err)
	}
	hooks := map[string]config.Hook{}
	for _, s := range config.Settings() {
		if h, ok := g[s.Name].(config.Hook); ok && s.Type == config.TypeHook {
			hooks[s.Name] = h
		}
	}
	if err := wsgi.SetupHooks(w.log.FD(), w.cfg.LogLevel(), w.cfg); err != nil {
		return err
	}
	w.hooks.Store(&hooks)
	return nil
}

// hook runs one of the worker's hooks (a no-op when it has none).
func (w *worker) hook(name string, args ...any) {
	hs := w.hooks.Load()
	if hs == nil {
		return
	}
	h, ok := (*hs)[name]
	if !ok {
		return
	}
	if err := wsgi.CallHook(h, name, args...); err != nil {
		w.log.Errorf("%v", err)
	}
}

// hookServer and hookWorker are what the worker's hooks receive.
func (w *worker) hookServer() wsgi.HookServer {
	return wsgi.HookServer{Pid: w.env.masterPid, NumWorkers: w.cfg.Int("workers"), ProcName: w.cfg.ProcName()}
}

func (w *worker) hookWorker() wsgi.HookWorker {
	return wsgi.HookWorker{Pid: os.Getpid(), PPid: w.env.masterPid, Age: w.env.age}
}
