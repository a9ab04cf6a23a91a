package workers

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Environment variables of the process contract (doc.go).
const (
	envRole       = "NARWHAL_ROLE"
	envConfig     = "NARWHAL_CONFIG"
	envListeners  = "NARWHAL_LISTENERS"
	envMasterPid  = "NARWHAL_MASTER_PID"
	envWorkerAge  = "NARWHAL_WORKER_AGE"
	envFD         = "NARWHAL_FD"
	envOldMaster  = "NARWHAL_PID"
	envDaemonized = "NARWHAL_DAEMONIZED"

	roleWorker  = "worker"
	firstFD     = 3 // first inherited listener, as systemd's SD_LISTEN_FDS_START
	titlePrefix = "narwhal: "
)

// IsWorker reports whether this process was started by a master as a worker.
func IsWorker() bool { return os.Getenv(envRole) == roleWorker }

// workerEnv is what a worker learns from its environment.
type workerEnv struct {
	snapshot  []byte
	listeners []int
	slotFD    int
	masterPid int
	age       int
}

// readWorkerEnv reads the contract and removes it from the environment.
func readWorkerEnv() (*workerEnv, error) {
	defer scrubEnv()
	n, err := strconv.Atoi(os.Getenv(envListeners))
	if err != nil || n < 1 {
		return nil, fmt.Errorf("%s=%q: not started by a narwhal master", envListeners, os.Getenv(envListeners))
	}
	w := &workerEnv{snapshot: []byte(os.Getenv(envConfig)), slotFD: firstFD + n}
	for i := 0; i < n; i++ {
		w.listeners = append(w.listeners, firstFD+i)
	}
	w.masterPid, _ = strconv.Atoi(os.Getenv(envMasterPid))
	w.age, _ = strconv.Atoi(os.Getenv(envWorkerAge))
	if len(w.snapshot) == 0 {
		return nil, fmt.Errorf("%s is empty: not started by a narwhal master", envConfig)
	}
	return w, nil
}

// contractEnv is every variable of the contract; the user's own NARWHAL_*
// variables are left alone.
var contractEnv = []string{envRole, envConfig, envListeners, envMasterPid, envWorkerAge,
	envFD, envOldMaster, envDaemonized, envSystemd}

// scrubEnv removes the contract's variables, so neither the application nor
// a process it starts sees them.
func scrubEnv() {
	for _, k := range contractEnv {
		os.Unsetenv(k)
	}
}

// isContractEnv reports whether "KEY=value" is one of the contract's.
func isContractEnv(kv string) bool {
	k, _, _ := strings.Cut(kv, "=")
	for _, c := range contractEnv {
		if k == c {
			return true
		}
	}
	return false
}

// withEnv returns env with each of set's "KEY=value" entries replacing any
// earlier value of KEY.
func withEnv(env []string, set ...string) []string {
	keys := make(map[string]bool, len(set))
	for _, kv := range set {
		k, _, _ := strings.Cut(kv, "=")
		keys[k] = true
	}
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !keys[k] {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}

// inheritedFDs parses NARWHAL_FD ("3,4,5").
func inheritedFDs(v string) ([]int, error) {
	var fds []int
	for _, s := range strings.Split(v, ",") {
		fd, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || fd < firstFD {
			return nil, fmt.Errorf("%s=%q: not a list of file descriptors", envFD, v)
		}
		fds = append(fds, fd)
	}
	return fds, nil
}

func fdList(ls []*Listener) string {
	s := make([]string, len(ls))
	for i := range ls {
		s[i] = strconv.Itoa(firstFD + i)
	}
	return strings.Join(s, ",")
}
