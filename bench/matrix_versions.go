package bench

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// debianPackages are the packages whose versions are recorded with the
// results (scripts/deps.sh installs them).
var debianPackages = []string{"python3", "gunicorn", "python3-gevent", "python3-greenlet", "uwsgi-core",
	"uwsgi-plugin-python3", "python3-waitress", "python3-flask", "python3-django", "wrk", "gnuplot-nox"}

// versions records what produced the numbers: narwhal's commit, the Go
// toolchain, Python and every peer server and framework, wrk.
func versions(env *MatrixEnv) map[string]string {
	v := map[string]string{
		"narwhal":        first(run("git", "-C", RepoRoot(), "describe", "--always", "--dirty", "--tags")),
		"narwhal-binary": first(run(env.Narwhal, "--version")),
		"go":             runtime.Version(),
		"python":         first(run("/usr/bin/python3", "--version")),
		"uwsgi":          first(run(env.UWSGI, "--version")),
		"wrk":            strings.TrimSuffix(first(run("wrk", "-v")), " Copyright (C) 2012 Will Glozer"),
		"gnuplot":        first(run("gnuplot", "--version")),
	}
	// One interpreter start for every Python distribution's own version.
	py := `import importlib.metadata as m
for n in ("gunicorn", "gevent", "greenlet", "waitress", "flask", "werkzeug", "django"):
    try: print(n, m.version(n))
    except Exception: print(n, "missing")`
	for _, l := range strings.Split(run("/usr/bin/python3", "-c", py), "\n") {
		if n, ver, ok := strings.Cut(l, " "); ok {
			v[n] = ver
		}
	}
	args := append([]string{"-W", "-f", "${Package} ${Version}\n"}, debianPackages...)
	for _, l := range strings.Split(run("dpkg-query", args...), "\n") {
		if n, ver, ok := strings.Cut(l, " "); ok {
			v["debian:"+n] = ver
		}
	}
	return v
}

// machineInfo records the machine: CPU, cores, memory, kernel, OS.
func machineInfo() map[string]string {
	m := map[string]string{
		"cores":  strconv.Itoa(runtime.NumCPU()),
		"kernel": strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		"arch":   runtime.GOARCH,
	}
	for _, l := range strings.Split(readFile("/proc/cpuinfo"), "\n") {
		if k, val, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			m["cpu"] = strings.TrimSpace(val)
			break
		}
	}
	for _, l := range strings.Split(readFile("/proc/meminfo"), "\n") {
		if rest, ok := strings.CutPrefix(l, "MemTotal:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			m["memory"] = strconv.FormatFloat(kb/(1<<20), 'f', 1, 64) + " GiB"
		}
	}
	for _, l := range strings.Split(readFile("/etc/os-release"), "\n") {
		if rest, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			m["os"] = strings.Trim(rest, `"`)
		}
	}
	return m
}

// run is a command's trimmed combined output, or "" if it failed to start.
func run(name string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func first(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
