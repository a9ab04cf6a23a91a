package workers

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestUnitWithEnv(t *testing.T) {
	env := []string{"A=1", "B=2", "AB=3", "C=", "B=dup", "D=4"}
	orig := append([]string(nil), env...)
	got := withEnv(env, "B=x", "E=5", "C=c")
	want := []string{"A=1", "AB=3", "D=4", "B=x", "E=5", "C=c"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("withEnv = %q, want %q", got, want)
	}
	if !reflect.DeepEqual(env, orig) {
		t.Errorf("withEnv modified its input: %q", env)
	}
}

func TestUnitWithEnvNoSet(t *testing.T) {
	env := []string{"A=1", "B=2"}
	if got := withEnv(env); !reflect.DeepEqual(got, env) {
		t.Errorf("withEnv(env) = %q", got)
	}
	if got := withEnv(nil, "A=1"); !reflect.DeepEqual(got, []string{"A=1"}) {
		t.Errorf("withEnv(nil, A=1) = %q", got)
	}
}

func TestUnitWithEnvValueWithEquals(t *testing.T) {
	got := withEnv([]string{"NARWHAL_CONFIG=a=b"}, "NARWHAL_CONFIG={\"x\":\"y=z\"}")
	if want := []string{"NARWHAL_CONFIG={\"x\":\"y=z\"}"}; !reflect.DeepEqual(got, want) {
		t.Errorf("withEnv = %q, want %q", got, want)
	}
}

func TestUnitInheritedFDs(t *testing.T) {
	for in, want := range map[string][]int{
		"3":        {3},
		"3,4,5":    {3, 4, 5},
		" 3, 4 ":   {3, 4},
		"7,3":      {7, 3},
		"100,1000": {100, 1000},
	} {
		got, err := inheritedFDs(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("inheritedFDs(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "2", "0", "-3", "3,,4", "3,", ",3", "3;4", "3 4", "0x3"} {
		got, err := inheritedFDs(in)
		if err == nil {
			t.Errorf("inheritedFDs(%q) = %v, want an error", in, got)
			continue
		}
		if !strings.Contains(err.Error(), envFD) {
			t.Errorf("inheritedFDs(%q) error %q does not name %s", in, err, envFD)
		}
	}
}

func TestUnitFdList(t *testing.T) {
	for n, want := range map[int]string{0: "", 1: "3", 3: "3,4,5"} {
		if got := fdList(make([]*Listener, n)); got != want {
			t.Errorf("fdList(%d listeners) = %q, want %q", n, got, want)
		}
	}
	// The list is positional: the listeners' own descriptors do not matter,
	// since they are passed on at 3, 4, ...
	ls := []*Listener{{FD: 9}, {FD: 12}}
	if got := fdList(ls); got != "3,4" {
		t.Errorf("fdList = %q, want 3,4", got)
	}
	// What fdList writes, inheritedFDs reads.
	got, err := inheritedFDs(fdList(make([]*Listener, 4)))
	if err != nil || !reflect.DeepEqual(got, []int{3, 4, 5, 6}) {
		t.Errorf("round trip: %v, %v", got, err)
	}
}

func TestUnitScrubEnv(t *testing.T) {
	all := []string{envRole, envConfig, envListeners, envMasterPid, envWorkerAge,
		envFD, envOldMaster, envDaemonized, envSystemd}
	for _, k := range all {
		t.Setenv(k, "set")
	}
	t.Setenv("NARWHAL_OTHER", "mine")
	t.Setenv("NARWHAL_ROLEX", "mine too")
	scrubEnv()
	for _, k := range all {
		if v, ok := os.LookupEnv(k); ok {
			t.Errorf("scrubEnv left %s=%q", k, v)
		}
	}
	if v := os.Getenv("NARWHAL_OTHER"); v != "mine" {
		t.Errorf("scrubEnv changed the user's NARWHAL_OTHER to %q", v)
	}
	if v := os.Getenv("NARWHAL_ROLEX"); v != "mine too" {
		t.Errorf("scrubEnv changed the user's NARWHAL_ROLEX to %q", v)
	}
	for _, kv := range os.Environ() {
		if isContractEnv(kv) {
			t.Errorf("os.Environ still holds %q", kv)
		}
	}
}

func TestUnitContractEnvIsDocumented(t *testing.T) {
	// Every variable scrubbed is one doc.go or listeners.go names, and
	// all are distinct.
	seen := map[string]bool{}
	for _, k := range contractEnv {
		if !strings.HasPrefix(k, "NARWHAL_") {
			t.Errorf("contract variable %q is not NARWHAL_*", k)
		}
		if seen[k] {
			t.Errorf("contract variable %q listed twice", k)
		}
		seen[k] = true
	}
	if len(contractEnv) != 9 {
		t.Errorf("contractEnv has %d variables: %q", len(contractEnv), contractEnv)
	}
}

func TestUnitIsContractEnv(t *testing.T) {
	for kv, want := range map[string]bool{
		"NARWHAL_ROLE=worker":  true,
		"NARWHAL_CONFIG={}":    true,
		"NARWHAL_LISTENERS=2":  true,
		"NARWHAL_MASTER_PID=1": true,
		"NARWHAL_WORKER_AGE=3": true,
		"NARWHAL_FD=3,4":       true,
		"NARWHAL_PID=10":       true,
		"NARWHAL_DAEMONIZED=1": true,
		"NARWHAL_SYSTEMD=1":    true,
		"NARWHAL_ROLE=":        true,
		"NARWHAL_ROLE":         true,
		"NARWHAL_OTHER=1":      false,
		"NARWHAL_ROLEX=worker": false,
		"XNARWHAL_ROLE=worker": false,
		"narwhal_role=worker":  false,
		"NARWHAL=1":            false,
		"=NARWHAL_ROLE":        false,
		"":                     false,
		"PATH=/bin":            false,
	} {
		if got := isContractEnv(kv); got != want {
			t.Errorf("isContractEnv(%q) = %v, want %v", kv, got, want)
		}
	}
}

func TestUnitIsWorker(t *testing.T) {
	t.Setenv(envRole, "worker")
	if !IsWorker() {
		t.Error("IsWorker() false with NARWHAL_ROLE=worker")
	}
	t.Setenv(envRole, "master")
	if IsWorker() {
		t.Error("IsWorker() true with NARWHAL_ROLE=master")
	}
	os.Unsetenv(envRole)
	if IsWorker() {
		t.Error("IsWorker() true without NARWHAL_ROLE")
	}
}

func TestUnitReadWorkerEnv(t *testing.T) {
	t.Setenv(envRole, "worker")
	t.Setenv(envConfig, `{"bind":["x"]}`)
	t.Setenv(envListeners, "2")
	t.Setenv(envMasterPid, "1234")
	t.Setenv(envWorkerAge, "7")
	t.Setenv("NARWHAL_OTHER", "kept")
	w, err := readWorkerEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := &workerEnv{snapshot: []byte(`{"bind":["x"]}`), listeners: []int{3, 4}, slotFD: 5, masterPid: 1234, age: 7}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("readWorkerEnv = %+v, want %+v", w, want)
	}
	for _, k := range contractEnv {
		if _, ok := os.LookupEnv(k); ok {
			t.Errorf("readWorkerEnv left %s", k)
		}
	}
	if os.Getenv("NARWHAL_OTHER") != "kept" {
		t.Error("readWorkerEnv removed NARWHAL_OTHER")
	}
}

func TestUnitReadWorkerEnvRejects(t *testing.T) {
	for name, set := range map[string]map[string]string{
		"no listeners":    {envConfig: "{}"},
		"zero listeners":  {envConfig: "{}", envListeners: "0"},
		"bad listeners":   {envConfig: "{}", envListeners: "two"},
		"no config":       {envListeners: "1"},
		"empty config":    {envListeners: "1", envConfig: ""},
		"negative listen": {envConfig: "{}", envListeners: "-1"},
	} {
		t.Run(name, func(t *testing.T) {
			for _, k := range contractEnv {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			t.Setenv(envRole, "worker")
			for k, v := range set {
				t.Setenv(k, v)
			}
			if w, err := readWorkerEnv(); err == nil {
				t.Errorf("readWorkerEnv = %+v, want an error", w)
			} else if !strings.Contains(err.Error(), "not started by a narwhal master") {
				t.Errorf("error %q", err)
			}
			// The contract is scrubbed even when it is broken.
			for _, k := range contractEnv {
				if _, ok := os.LookupEnv(k); ok {
					t.Errorf("readWorkerEnv left %s after an error", k)
				}
			}
		})
	}
}
