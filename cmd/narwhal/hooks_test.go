package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// hookLine is one line of allhooks.py's log.
type hookLine struct {
	name, rest string
	pid        int
}

func readHooks(t *testing.T, path string) []hookLine {
	t.Helper()
	b, _ := os.ReadFile(path)
	var out []hookLine
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		i := strings.LastIndex(l, " pid=")
		var h hookLine
		fmt.Sscanf(l[i+5:], "%d", &h.pid)
		words := strings.SplitN(l[:i], " ", 2)
		h.name = words[0]
		if len(words) > 1 {
			h.rest = words[1]
		}
		out = append(out, h)
	}
	return out
}

// TestServerHooksOrderAndRoles runs every hook through start, a request,
// HUP, TTOU and TERM, and checks which process ran each and in what order.
func TestServerHooksOrderAndRoles(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "hooks.log")
	t.Setenv("NARWHAL_TEST_HOOK_LOG", logPath)
	conf := filepath.Join(appsDir(), "..", "conf", "allhooks.py")
	s := start(t, "-c", conf, "lifecycle:app")
	master := s.cmd.Process.Pid
	first := waitWorkers(t, s, master, 2)
	waitFor(t, "both workers initialised", func() bool {
		return count(readHooks(t, logPath), "post_worker_init") == 2
	})
	s.waitLog(t, `\[INFO\] when_ready hook says hello`)
	if code, _ := get(t, s.URL("/pid")); code != 200 {
		t.Fatalf("GET /pid: %d", code)
	}
	if code, _ := get(t, s.URL("/boom")); code != 200 {
		t.Errorf("a raising pre_request hook failed the request: %d", code)
	}
	s.waitLog(t, `(?s)Exception in pre_request hook.*a broken pre_request hook`)

	s.cmd.Process.Signal(syscall.SIGHUP)
	for _, pid := range first {
		waitFor(t, "old worker gone after HUP", func() bool { return !alive(pid) })
	}
	waitFor(t, "on_reload", func() bool { return count(readHooks(t, logPath), "on_reload") == 1 })
	waitWorkers(t, s, master, 2)
	waitFor(t, "new workers initialised", func() bool {
		return count(readHooks(t, logPath), "post_worker_init") == 4
	})
	s.cmd.Process.Signal(syscall.SIGTTOU)
	waitWorkers(t, s, master, 1)
	waitFor(t, "child_exit after TTOU", func() bool { return count(readHooks(t, logPath), "child_exit") == 3 })
	s.Stop()

	hooks := readHooks(t, logPath)
	role := func(h hookLine) string {
		if h.pid == master {
			return "master"
		}
		return "worker"
	}
	wantRole := map[string]string{
		"on_starting": "master", "when_ready": "master", "pre_fork": "master", "on_reload": "master",
		"child_exit": "master", "nworkers_changed": "master", "on_exit": "master",
		"post_fork": "worker", "post_worker_init": "worker", "pre_request": "worker",
		"post_request": "worker", "worker_exit": "worker",
	}
	for _, h := range hooks {
		if r := role(h); wantRole[h.name] != "" && r != wantRole[h.name] {
			t.Errorf("%s ran in the %s (pid %d)", h.name, r, h.pid)
		}
	}
	// Order: the first occurrence of each in the sequence gunicorn runs them.
	order := []string{"nworkers_changed", "on_starting", "when_ready", "pre_fork", "post_fork", "post_worker_init",
		"pre_request", "post_request", "on_reload", "worker_exit", "child_exit", "on_exit"}
	last := -1
	for _, name := range order {
		i := index(hooks, name)
		if i < 0 {
			t.Errorf("%s never ran", name)
			continue
		}
		if i < last {
			t.Errorf("%s ran before %s", name, order[indexOf(order, name)-1])
		}
		last = i
	}
	for name, want := range map[string]int{"pre_fork": 4, "post_fork": 4, "post_worker_init": 4, "pre_request": 2,
		"post_request": 2, "worker_exit": 4, "child_exit": 4, "on_starting": 1, "when_ready": 1, "on_reload": 1, "on_exit": 1} {
		if got := count(hooks, name); got != want {
			t.Errorf("%s ran %d times, want %d", name, got, want)
		}
	}
	if hooks[index(hooks, "nworkers_changed")].rest != "2 None" {
		t.Errorf("first nworkers_changed: %q, want \"2 None\"", hooks[index(hooks, "nworkers_changed")].rest)
	}
	if !strings.Contains(fmt.Sprint(hooks), "{nworkers_changed 1 2") {
		t.Errorf("TTOU did not report nworkers_changed 1 2: %v", hooks)
	}
	if hooks[len(hooks)-1].name != "on_exit" {
		t.Errorf("last hook %s, want on_exit", hooks[len(hooks)-1].name)
	}
	for _, h := range hooks {
		if h.name == "post_request" && !strings.HasSuffix(h.rest, " 200") {
			t.Errorf("post_request saw %q", h.rest)
		}
	}
}

func count(hs []hookLine, name string) int {
	n := 0
	for _, h := range hs {
		if h.name == name {
			n++
		}
	}
	return n
}

func index(hs []hookLine, name string) int {
	for i, h := range hs {
		if h.name == name {
			return i
		}
	}
	return -1
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}
