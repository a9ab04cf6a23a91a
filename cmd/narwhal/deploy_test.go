package main

// Tests of deploy/: the systemd units run for real under
// systemd-socket-activate, and the Kubernetes manifests, the Dockerfile and
// the Grafana dashboard are parsed and checked against each other and
// against narwhal's flags and metric names.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exportedMetrics are the metric names narwhal's /metrics serves, with their
// Prometheus type. It must match metrics/ (the collector); a later change
// replaces this list by scraping a real /metrics.
var exportedMetrics = map[string]string{
	"narwhal_http_requests_total":           "counter", // {method,code}
	"narwhal_http_request_duration_seconds": "histogram",
	"narwhal_http_request_queue_seconds":    "histogram",
	"narwhal_http_requests_in_flight":       "gauge",
	"narwhal_app_threads_busy":              "gauge",
	"narwhal_connections_open":              "gauge",
	"narwhal_workers":                       "gauge",
	"narwhal_worker_restarts_total":         "counter", // {reason}
	"narwhal_build_info":                    "gauge",
}

// deployDir is the repository's deploy/ directory.
func deployDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "deploy")
}

// --- systemd ---------------------------------------------------------------

// unitFile is a parsed systemd unit: section → key → values in file order
// (an empty assignment is kept as "").
type unitFile map[string]map[string][]string

// parseUnit reads a unit file as systemd.syntax(7) describes it: comments
// start with # or ;, a trailing backslash continues the line.
func parseUnit(t *testing.T, path string) unitFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := unitFile{}
	section := ""
	var cont string
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if cont == "" && (line == "" || line[0] == '#' || line[0] == ';') {
			continue
		}
		if l, ok := strings.CutSuffix(line, `\`); ok {
			cont += l + " "
			continue
		}
		line, cont = cont+line, ""
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			t.Fatalf("%s:%d: not a key=value in a section: %q", path, n+1, line)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		u[section][k] = append(u[section][k], v)
	}
	return u
}

// one is the single value of section.key, failing when it is not set once.
func (u unitFile) one(t *testing.T, section, key string) string {
	t.Helper()
	v := u[section][key]
	if len(v) != 1 {
		t.Fatalf("[%s] %s: %d values %q, want exactly one", section, key, len(v), v)
	}
	return v[0]
}

// flagValue is the value of the first of names in a gunicorn-style argument
// list ("--name value", "--name=value", "-w value"), "" when absent.
func flagValue(args []string, names ...string) string {
	for i, a := range args {
		for _, n := range names {
			if a == n && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, n+"="); ok && strings.HasPrefix(n, "--") {
				return v
			}
		}
	}
	return ""
}

// gracefulTimeout is --graceful-timeout in args, or gunicorn's default 30.
func gracefulTimeout(t *testing.T, args []string) int {
	t.Helper()
	v := flagValue(args, "--graceful-timeout")
	if v == "" {
		return 30
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("--graceful-timeout %q: %v", v, err)
	}
	return n
}

// execStart is the service's ExecStart split into words, without systemd's
// special prefixes (-, @, :, +, !).
func execStart(t *testing.T, svc unitFile) []string {
	t.Helper()
	f := strings.Fields(svc.one(t, "Service", "ExecStart"))
	if len(f) == 0 {
		t.Fatal("empty ExecStart")
	}
	f[0] = strings.TrimLeft(f[0], "-@:+!")
	for _, w := range f {
		if strings.ContainsAny(w, `$%"'`) {
			t.Fatalf("ExecStart word %q: expansions or quoting this test does not model", w)
		}
	}
	return f
}

// appFromUnit returns ExecStart's narwhal flags with the app replaced by the
// test app: what the unit runs, serving testdata/apps/lifecycle.py.
func appFromUnit(t *testing.T, cmd []string) []string {
	t.Helper()
	app := cmd[len(cmd)-1]
	if !regexp.MustCompile(`^[\w.]+:[\w.]+$`).MatchString(app) {
		t.Fatalf("ExecStart %q: last word %q is not MODULE:VARIABLE", cmd, app)
	}
	args := slices.Clone(cmd[1 : len(cmd)-1])
	return append(args, "--pythonpath", appsDir(), "lifecycle:app")
}

func loadUnits(t *testing.T) (sock, svc unitFile) {
	t.Helper()
	dir := filepath.Join(deployDir(), "systemd")
	return parseUnit(t, filepath.Join(dir, "narwhal.socket")), parseUnit(t, filepath.Join(dir, "narwhal.service"))
}

func TestSystemdUnitFiles(t *testing.T) {
	sock, svc := loadUnits(t)

	// The socket: at least one stream listener, passed as a listening socket
	// to narwhal.service (same basename unless Service= says otherwise).
	if len(sock["Socket"]["ListenStream"]) == 0 {
		t.Error("narwhal.socket: no ListenStream")
	}
	for _, l := range sock["Socket"]["ListenStream"] {
		if strings.HasPrefix(l, "/") || strings.HasPrefix(l, "@") {
			continue
		}
		if _, err := strconv.Atoi(l); err != nil {
			if _, _, err := net.SplitHostPort(l); err != nil {
				t.Errorf("ListenStream=%s: neither a path, a port nor host:port", l)
			}
		}
	}
	if a := sock["Socket"]["Accept"]; len(a) > 0 && a[len(a)-1] != "no" && a[len(a)-1] != "false" {
		t.Errorf("Accept=%s: narwhal needs the listening socket (Accept=no)", a[len(a)-1])
	}
	if s := sock["Socket"]["Service"]; len(s) > 0 && s[0] != "narwhal.service" {
		t.Errorf("narwhal.socket activates %s, not narwhal.service", s[0])
	}
	if !slices.Contains(strings.Fields(strings.Join(svc["Unit"]["Requires"], " ")), "narwhal.socket") {
		t.Errorf("narwhal.service does not Require narwhal.socket: %q", svc["Unit"]["Requires"])
	}

	// ExecStart runs narwhal in the foreground on the inherited sockets.
	cmd := execStart(t, svc)
	if filepath.Base(cmd[0]) != "narwhal" || !filepath.IsAbs(cmd[0]) {
		t.Errorf("ExecStart runs %q, want an absolute path to narwhal", cmd[0])
	}
	for _, w := range cmd[1:] {
		for _, bad := range []string{"-b", "--bind", "-D", "--daemon", "--reuse-port"} {
			if w == bad || strings.HasPrefix(w, bad+"=") {
				t.Errorf("ExecStart has %s: the socket comes from narwhal.socket and systemd tracks the foreground master", w)
			}
		}
	}
	graceful := gracefulTimeout(t, cmd)

	// Process management: what systemd sends and how long it waits.
	for _, c := range []struct{ key, want string }{
		{"ExecReload", "/bin/kill -s HUP $MAINPID"},
		{"KillSignal", "SIGTERM"},
		{"KillMode", "mixed"},
		{"Restart", "on-failure"},
		{"NoNewPrivileges", "yes"},
		{"ProtectSystem", "strict"},
		{"PrivateTmp", "yes"},
	} {
		if got := svc.one(t, "Service", c.key); got != c.want {
			t.Errorf("%s=%s, want %s", c.key, got, c.want)
		}
	}
	// No sd_notify in narwhal: Type=notify would time out the start.
	if typ := svc.one(t, "Service", "Type"); typ != "simple" && typ != "exec" {
		t.Errorf("Type=%s, want simple or exec", typ)
	}
	stop, err := strconv.Atoi(svc.one(t, "Service", "TimeoutStopSec"))
	if err != nil {
		t.Fatalf("TimeoutStopSec: %v (want whole seconds)", err)
	}
	if stop <= graceful {
		t.Errorf("TimeoutStopSec=%d, want more than --graceful-timeout %d", stop, graceful)
	}

	// systemd's own parser: every key known, every value valid. Offline, with
	// ExecStart pointing at the built binary (it must be executable).
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed (Debian package systemd): skipping its verify")
		return
	}
	dir := t.TempDir()
	for _, name := range []string{"narwhal.socket", "narwhal.service"} {
		b, err := os.ReadFile(filepath.Join(deployDir(), "systemd", name))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), "ExecStart="+cmd[0], "ExecStart="+binary)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(analyze, "verify", "--man=no",
		filepath.Join(dir, "narwhal.socket"), filepath.Join(dir, "narwhal.service")).CombinedOutput()
	if err != nil || regexp.MustCompile(`(?i)unknown|invalid|failed|ignoring|not executable`).Match(out) {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// socketActivate finds Debian's systemd-socket-activate.
func socketActivate() string {
	if p, err := exec.LookPath("systemd-socket-activate"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/bin/systemd-socket-activate", "/lib/systemd/systemd-socket-activate", "/usr/lib/systemd/systemd-socket-activate"} {
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// freePort is a loopback port nobody listened on a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startActivated runs `systemd-socket-activate -l addr narwhal args...` and
// waits until the socket listens. systemd-socket-activate execs narwhal in
// place on the first connection, so the process is then narwhal's master.
func startActivated(t *testing.T, tool, addr string, env, args []string) (*server, error) {
	t.Helper()
	argv := []string{"-l", addr}
	for _, e := range env {
		// It passes on only PATH, HOME, USER and TERM, plus these.
		argv = append(argv, "-E", e)
	}
	argv = append(argv, binary)
	argv = append(argv, args...)
	s := &server{t: t, cmd: exec.Command(tool, argv...), Addr: addr, done: make(chan struct{}), readDone: make(chan struct{})}
	s.cmd.Dir = t.TempDir() // WorkingDirectory=
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	err = s.cmd.Start()
	pw.Close()
	if err != nil {
		pr.Close()
		t.Fatal(err)
	}
	go func() {
		defer close(s.readDone)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			s.mu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
	}()
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Stop)
	want := "Listening on " + addr
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.Log(), want) {
		select {
		case <-s.done:
			s.drainLog()
			return s, fmt.Errorf("systemd-socket-activate exited: %v\n%s", s.err, s.Log())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("systemd-socket-activate not listening after 10s:\n%s", s.Log())
		}
	}
	return s, nil
}

// TestSystemdSocketActivateRunsUnit runs the unit's ExecStart the way
// narwhal.socket + narwhal.service would: systemd-socket-activate owns a
// loopback socket and starts narwhal on the first connection with
// LISTEN_FDS; then the unit's ExecReload and KillSignal are exercised.
func TestSystemdSocketActivateRunsUnit(t *testing.T) {
	tool := socketActivate()
	if tool == "" {
		t.Skip("systemd-socket-activate not found (Debian package systemd; scripts/deps.sh installs it)")
	}
	_, svc := loadUnits(t)
	cmd := execStart(t, svc)
	args := appFromUnit(t, cmd)
	env := append([]string{"PYTHONDONTWRITEBYTECODE=1"}, svc["Service"]["Environment"]...)

	var s *server
	var addr string
	for attempt := 0; ; attempt++ {
		addr = "127.0.0.1:" + strconv.Itoa(freePort(t))
		var err error
		if s, err = startActivated(t, tool, addr, env, args); err == nil {
			break
		} else if attempt == 2 {
			t.Fatal(err) // the free port was taken in between, three times
		}
	}

	// The first connection waits in systemd's backlog while narwhal starts.
	_, body := get(t, s.URL("/pid"))
	worker, err := strconv.Atoi(body)
	if err != nil {
		t.Fatalf("GET /pid = %q\n%s", body, s.Log())
	}
	master := s.cmd.Process.Pid
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", master)); exe != binary {
		t.Errorf("pid %d runs %q, want narwhal exec'd in place (LISTEN_PID)", master, exe)
	}
	if p := ppid(worker); p != master {
		t.Errorf("answered by %d, child of %d, want a worker of the master %d\n%s", worker, p, master, s.Log())
	}
	s.waitLog(t, `Listening at: http://`+regexp.QuoteMeta(addr)+` `)
	n := workersIn(t, args)
	old := waitWorkers(t, s, master, n)
	if strings.Contains(s.Log(), "127.0.0.1:8000") {
		t.Errorf("bound the default address despite socket activation:\n%s", s.Log())
	}

	// ExecReload, as systemd runs it: new workers serve the same socket.
	reload := strings.Fields(strings.ReplaceAll(svc.one(t, "Service", "ExecReload"), "$MAINPID", strconv.Itoa(master)))
	if out, err := exec.Command(reload[0], reload[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%q: %v\n%s", reload, err, out)
	}
	waitFor(t, "only new workers after ExecReload", func() bool {
		kids := children(master)
		return len(kids) == n && !slices.ContainsFunc(kids, func(k int) bool { return slices.Contains(old, k) })
	})
	if pid := pidOf(t, s); slices.Contains(old, pid) || ppid(pid) != master {
		t.Errorf("after ExecReload answered by %d (old workers %v, master %d)", pid, old, master)
	}

	// KillSignal: a graceful stop well within TimeoutStopSec; the exit is
	// clean, so Restart=on-failure does not restart it.
	sig := map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM}[svc.one(t, "Service", "KillSignal")]
	if sig == 0 {
		t.Fatalf("KillSignal=%s: not modelled", svc.one(t, "Service", "KillSignal"))
	}
	s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20s after %v:\n%s", sig, s.Log())
	}
	s.drainLog()
	if s.err != nil {
		t.Errorf("exit after %v: %v, want 0\n%s", sig, s.err, s.Log())
	}
}

// workersIn is -w/--workers in args (gunicorn's default 1).
func workersIn(t *testing.T, args []string) int {
	t.Helper()
	v := flagValue(args, "-w", "--workers")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("--workers %q: %v", v, err)
	}
	return n
}

// --- narwhal flags in manifests --------------------------------------------

// checkNarwhalArgs runs narwhal --check-config on a manifest's arguments
// with the app replaced by a test app. A setting narwhal refuses as "not
// supported yet" (--metrics-bind until the endpoint lands) is logged, not
// failed: the manifest is ahead of the code, not wrong.
func checkNarwhalArgs(t *testing.T, where string, args []string) {
	t.Helper()
	args = append(slices.Clone(args[:len(args)-1]), "--pythonpath", appsDir(), "lifecycle:app")
	cmd := exec.Command(binary, append([]string{"--check-config"}, args...)...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	switch {
	case err == nil:
	case strings.Contains(string(out), "is not supported by narwhal yet"):
		t.Logf("%s: narwhal does not support every setting yet: %s", where, strings.TrimSpace(string(out)))
	default:
		t.Errorf("%s: narwhal --check-config %q: %v\n%s", where, args, err, out)
	}
}

// portOf is the port of a bind address like 0.0.0.0:8000.
func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return n
}

// --- Kubernetes ------------------------------------------------------------

// yamlDocs parses every document of a YAML file with Debian's python3-yaml.
func yamlDocs(t *testing.T, name string) []map[string]any {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import yaml").Run(); err != nil {
		t.Skipf("%s cannot import yaml (Debian package python3-yaml; scripts/deps.sh installs it): %v", py, err)
	}
	out, err := exec.Command(py, "-c",
		"import yaml,sys,json; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
		filepath.Join(deployDir(), "kubernetes", name)).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("%s: %v\n%s", name, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var docs []map[string]any
	if err := json.Unmarshal(out, &docs); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return docs
}

// oneOfKind is the single document of kind in docs.
func oneOfKind(t *testing.T, docs []map[string]any, kind string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, d := range docs {
		if d["kind"] == kind {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d documents of kind %s, want 1", len(found), kind)
	}
	return found[0]
}

// at walks a parsed document: keys for maps, ints for lists. It fails the
// test, naming the path, when something is missing.
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for i, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok || m[k] == nil {
				t.Fatalf("missing %v", path[:i+1])
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("missing %v", path[:i+1])
			}
			v = l[k]
		}
	}
	return v
}

// has reports whether path exists in v.
func has(v any, path ...string) bool {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok || m[k] == nil {
			return false
		}
		v = m[k]
	}
	return true
}

func strs(t *testing.T, v any) []string {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%v: not a list", v)
	}
	var out []string
	for _, e := range l {
		s, ok := e.(string)
		if !ok {
			t.Fatalf("%v: %v is not a string (quote numbers in args)", v, e)
		}
		out = append(out, s)
	}
	return out
}

func num(t *testing.T, v any) int {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%v: not a number", v)
	}
	return int(f)
}

// subset reports whether every label of sel is in labels.
func subset(sel, labels any) bool {
	s, _ := sel.(map[string]any)
	l, _ := labels.(map[string]any)
	for k, v := range s {
		if l[k] != v {
			return false
		}
	}
	return len(s) > 0
}

func TestKubeManifests(t *testing.T) {
	dep := oneOfKind(t, yamlDocs(t, "deployment.yaml"), "Deployment")
	svc := oneOfKind(t, yamlDocs(t, "service.yaml"), "Service")
	sm := oneOfKind(t, yamlDocs(t, "servicemonitor.yaml"), "ServiceMonitor")

	pod := at(t, dep, "spec", "template")
	if !subset(at(t, dep, "spec", "selector", "matchLabels"), at(t, pod, "metadata", "labels")) {
		t.Error("Deployment selector does not match its pod template's labels")
	}
	c := at(t, pod, "spec", "containers", 0)
	args := strs(t, at(t, c, "args"))
	command := strs(t, at(t, c, "command"))
	if filepath.Base(command[0]) != "narwhal" {
		t.Errorf("container command %q does not run narwhal", command)
	}
	checkNarwhalArgs(t, "deployment.yaml", args)

	// Ports: what narwhal binds is what the pod declares.
	httpPort := portOf(t, flagValue(args, "-b", "--bind"))
	metricsPort := portOf(t, flagValue(args, "--metrics-bind"))
	if h, _, _ := net.SplitHostPort(flagValue(args, "--metrics-bind")); h != "0.0.0.0" && h != "" && h != "::" {
		t.Errorf("--metrics-bind on %q: the kubelet probes the pod IP", h)
	}
	ports := map[string]int{}
	for i := range at(t, c, "ports").([]any) {
		ports[at(t, c, "ports", i, "name").(string)] = num(t, at(t, c, "ports", i, "containerPort"))
	}
	if ports["http"] != httpPort || ports["metrics"] != metricsPort {
		t.Errorf("containerPorts %v, want http %d (--bind) and metrics %d (--metrics-bind)", ports, httpPort, metricsPort)
	}
	// resolve turns a probe or Service target (a name or a number) into a port.
	resolve := func(v any) int {
		if s, ok := v.(string); ok {
			return ports[s]
		}
		return num(t, v)
	}

	// Probes on the metrics port, where narwhal's master answers them.
	for probe, path := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
		if got := at(t, c, probe, "httpGet", "path"); got != path {
			t.Errorf("%s path %v, want %s", probe, got, path)
		}
		if got := resolve(at(t, c, probe, "httpGet", "port")); got != metricsPort {
			t.Errorf("%s port %d, want the metrics port %d", probe, got, metricsPort)
		}
	}

	// Shutdown: preStop sleeps, then TERM; the grace period covers both.
	preStop := 0
	switch {
	case has(c, "lifecycle", "preStop", "exec"):
		cmd := strs(t, at(t, c, "lifecycle", "preStop", "exec", "command"))
		if len(cmd) != 2 || filepath.Base(cmd[0]) != "sleep" {
			t.Fatalf("preStop %q, want [sleep N]", cmd)
		}
		var err error
		if preStop, err = strconv.Atoi(cmd[1]); err != nil {
			t.Fatalf("preStop sleep %q: %v", cmd[1], err)
		}
	case has(c, "lifecycle", "preStop", "sleep"):
		preStop = num(t, at(t, c, "lifecycle", "preStop", "sleep", "seconds"))
	default:
		t.Fatal("no preStop sleep")
	}
	if preStop < 1 {
		t.Errorf("preStop sleeps %d s", preStop)
	}
	graceful := gracefulTimeout(t, args)
	if grace := num(t, at(t, pod, "spec", "terminationGracePeriodSeconds")); grace <= graceful+preStop {
		t.Errorf("terminationGracePeriodSeconds %d, want more than --graceful-timeout %d + preStop %d", grace, graceful, preStop)
	}

	at(t, c, "resources", "requests")
	at(t, c, "resources", "limits")
	if at(t, pod, "spec", "securityContext", "runAsNonRoot") != true {
		t.Error("pod securityContext.runAsNonRoot is not true")
	}
	if uid := num(t, at(t, pod, "spec", "securityContext", "runAsUser")); uid != dockerUID(t) {
		t.Errorf("runAsUser %d, want the image's USER %d", uid, dockerUID(t))
	}

	// The scrape annotations point at the metrics port.
	ann := at(t, pod, "metadata", "annotations")
	if at(t, ann, "prometheus.io/scrape") != "true" || at(t, ann, "prometheus.io/port") != strconv.Itoa(metricsPort) ||
		at(t, ann, "prometheus.io/path") != "/metrics" {
		t.Errorf("scrape annotations %v, want scrape \"true\", port %d, path /metrics", ann, metricsPort)
	}

	// The Service selects the pods and forwards to both container ports.
	if !subset(at(t, svc, "spec", "selector"), at(t, pod, "metadata", "labels")) {
		t.Error("Service selector does not match the pod labels")
	}
	svcPorts := map[string]int{}
	for i := range at(t, svc, "spec", "ports").([]any) {
		svcPorts[at(t, svc, "spec", "ports", i, "name").(string)] = resolve(at(t, svc, "spec", "ports", i, "targetPort"))
	}
	if svcPorts["http"] != httpPort || svcPorts["metrics"] != metricsPort {
		t.Errorf("Service targets %v, want http → %d and metrics → %d", svcPorts, httpPort, metricsPort)
	}

	// The ServiceMonitor selects the Service and scrapes /metrics on its
	// metrics port.
	if sm["apiVersion"] != "monitoring.coreos.com/v1" {
		t.Errorf("ServiceMonitor apiVersion %v", sm["apiVersion"])
	}
	if !subset(at(t, sm, "spec", "selector", "matchLabels"), at(t, svc, "metadata", "labels")) {
		t.Error("ServiceMonitor selector does not match the Service's labels")
	}
	ep := at(t, sm, "spec", "endpoints", 0)
	if at(t, ep, "path") != "/metrics" || svcPorts[fmt.Sprint(at(t, ep, "port"))] != metricsPort {
		t.Errorf("ServiceMonitor endpoint %v, want path /metrics on the Service port named for %d", ep, metricsPort)
	}
}

// TestKubeProbesAnswer runs narwhal with the Deployment's args (on loopback
// ports, serving the test app) and asks the probe paths on the metrics port.
func TestKubeProbesAnswer(t *testing.T) {
	c := at(t, oneOfKind(t, yamlDocs(t, "deployment.yaml"), "Deployment"), "spec", "template", "spec", "containers", 0)
	args := strs(t, at(t, c, "args"))
	args = slices.Clone(args[:len(args)-1])
	for i, a := range args {
		if i > 0 && (args[i-1] == "-b" || args[i-1] == "--bind" || args[i-1] == "--metrics-bind") {
			args[i] = "127.0.0.1:0"
		} else if strings.HasPrefix(a, "--bind=") || strings.HasPrefix(a, "--metrics-bind=") {
			t.Fatalf("arg %q: this test only rewrites the --flag VALUE form", a)
		}
	}
	s, err := startErr(t, append(args, "lifecycle:app")...)
	if strings.Contains(s.Log(), "is not supported by narwhal yet") {
		t.Skipf("narwhal does not serve these args yet:\n%s", s.Log())
	}
	if err != nil {
		t.Fatalf("narwhal %q: %v\n%s", args, err, s.Log())
	}
	s.waitLog(t, `Metrics at: http://127\.0\.0\.1:\d+/`)
	metrics := regexp.MustCompile(`Metrics at: (http://127\.0\.0\.1:\d+)/`).FindStringSubmatch(s.Log())[1]
	for _, probe := range []string{"readinessProbe", "livenessProbe", "startupProbe"} {
		if !has(c, probe) {
			continue
		}
		// As the kubelet does: poll until it passes (/readyz does once a
		// worker has booted).
		path := at(t, c, probe, "httpGet", "path").(string)
		waitFor(t, probe+" GET "+path+" = 200", func() bool {
			code, _ := get(t, metrics+path)
			return code == 200
		})
	}
}

// --- Docker ----------------------------------------------------------------

// dockerInstr is one Dockerfile instruction.
type dockerInstr struct{ cmd, args string }

// parseDockerfile returns the instructions, continuation lines joined and
// comments dropped, grouped by stage; global holds the ARGs before the
// first FROM.
func parseDockerfile(t *testing.T) (global []dockerInstr, stages [][]dockerInstr) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir(), "docker", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var cur string
	for _, line := range strings.Split(string(b), "\n") {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "#") || (trim == "" && cur == "") {
			continue
		}
		if l, ok := strings.CutSuffix(trim, `\`); ok {
			cur += l + " "
			continue
		}
		cur += trim
		cmd, args, _ := strings.Cut(cur, " ")
		in := dockerInstr{strings.ToUpper(cmd), strings.TrimSpace(args)}
		cur = ""
		switch {
		case in.cmd == "FROM":
			stages = append(stages, []dockerInstr{in})
		case stages == nil:
			global = append(global, in)
		default:
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	return global, stages
}

// dockerAll is the arguments of every cmd instruction in stage.
func dockerAll(stage []dockerInstr, cmd string) []string {
	var out []string
	for _, in := range stage {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// dockerUID is the numeric uid of the final stage's USER.
func dockerUID(t *testing.T) int {
	t.Helper()
	_, stages := parseDockerfile(t)
	users := dockerAll(stages[len(stages)-1], "USER")
	if len(users) == 0 {
		t.Fatal("Dockerfile: no USER in the final stage")
	}
	uid, err := strconv.Atoi(strings.Split(users[len(users)-1], ":")[0])
	if err != nil {
		t.Fatalf("USER %s: not numeric (Kubernetes' runAsNonRoot cannot verify a name)", users[len(users)-1])
	}
	return uid
}

func TestDockerfile(t *testing.T) {
	global, stages := parseDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	args := map[string]string{}
	for _, a := range global {
		if a.cmd == "ARG" {
			k, v, _ := strings.Cut(a.args, "=")
			args[k] = v
		}
	}
	expand := func(s string) string {
		return regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)`).ReplaceAllStringFunc(s, func(m string) string {
			return args[strings.Trim(m, "${}")]
		})
	}

	// Both stages on Debian bookworm: the build links bookworm's
	// libpython3.11, the runtime provides it.
	buildFrom := strings.Fields(expand(build[0].args))
	if len(buildFrom) != 3 || !strings.EqualFold(buildFrom[1], "AS") {
		t.Fatalf("build stage FROM %q, want IMAGE AS NAME", build[0].args)
	}
	image, name := buildFrom[0], buildFrom[2]
	if !strings.HasPrefix(image, "golang:") || !strings.HasSuffix(image, "-bookworm") {
		t.Errorf("build stage FROM %s, want golang:<version>-bookworm", image)
	}
	goVersion := strings.TrimSuffix(strings.TrimPrefix(image, "golang:"), "-bookworm")
	mod, err := os.ReadFile(filepath.Join(deployDir(), "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod); m == nil || !versionAtLeast(goVersion, string(m[1])) {
		t.Errorf("build stage Go %q older than go.mod's %q", goVersion, m)
	}
	if final[0].args != "debian:bookworm-slim" {
		t.Errorf("runtime stage FROM %s, want debian:bookworm-slim", final[0].args)
	}
	installs := func(stage []dockerInstr, pkg string) bool {
		for _, r := range dockerAll(stage, "RUN") {
			if strings.Contains(r, "apt-get install") && slices.Contains(strings.Fields(r), pkg) {
				return true
			}
		}
		return false
	}
	for _, p := range []string{"python3-dev"} {
		if !installs(build, p) {
			t.Errorf("build stage does not install %s", p)
		}
	}
	for _, p := range []string{"python3", "libpython3.11"} {
		if !installs(final, p) {
			t.Errorf("runtime stage does not install %s", p)
		}
	}

	// The binary: go build -o X; COPY --from=build X DEST; CMD [DEST, ...].
	out := ""
	for _, r := range dockerAll(build, "RUN") {
		if m := regexp.MustCompile(`go build .*-o (\S+) \./cmd/narwhal`).FindStringSubmatch(r); m != nil {
			out = m[1]
		}
	}
	if out == "" {
		t.Fatal("build stage never runs go build -o OUT ./cmd/narwhal")
	}
	dest := ""
	for _, c := range dockerAll(final, "COPY") {
		if f := strings.Fields(c); len(f) == 3 && f[0] == "--from="+name && f[1] == out {
			dest = f[2]
		}
	}
	if dest == "" {
		t.Fatalf("runtime stage never copies %s from stage %s", out, name)
	}
	cmds := dockerAll(final, "CMD")
	if len(cmds) != 1 {
		t.Fatalf("%d CMD, want 1", len(cmds))
	}
	var cmd []string
	if err := json.Unmarshal([]byte(cmds[0]), &cmd); err != nil {
		t.Fatalf("CMD %s: not the exec (JSON) form, so TERM would go to a shell: %v", cmds[0], err)
	}
	if len(dockerAll(final, "ENTRYPOINT")) != 0 || len(cmd) < 2 || cmd[0] != dest {
		t.Errorf("CMD %q does not run the copied binary %s", cmd, dest)
	}
	checkNarwhalArgs(t, "Dockerfile CMD", cmd[1:])
	if fromK8s := kubeCommand(t); fromK8s != "" && fromK8s != dest {
		t.Errorf("deployment.yaml runs %s, the image has narwhal at %s", fromK8s, dest)
	}

	// Non-root, the ports narwhal binds, and its graceful stop signal.
	if uid := dockerUID(t); uid == 0 {
		t.Error("USER is root")
	} else if !slices.ContainsFunc(dockerAll(final, "RUN"), func(r string) bool {
		return strings.Contains(r, "useradd") && strings.Contains(r, "--uid "+strconv.Itoa(uid))
	}) {
		t.Errorf("USER %d is never created with useradd --uid", uid)
	}
	exposed := strings.Fields(strings.Join(dockerAll(final, "EXPOSE"), " "))
	for _, want := range []string{flagValue(cmd, "-b", "--bind"), flagValue(cmd, "--metrics-bind"), "0.0.0.0:8000", "0.0.0.0:9100"} {
		if want == "" {
			t.Errorf("CMD %q lacks --bind or --metrics-bind", cmd)
			continue
		}
		if h, _, _ := net.SplitHostPort(want); h != "0.0.0.0" {
			t.Errorf("CMD binds %s: unreachable from outside the container", want)
		}
		if p := strconv.Itoa(portOf(t, want)); !slices.Contains(exposed, p) && !slices.Contains(exposed, p+"/tcp") {
			t.Errorf("EXPOSE %q lacks %s", exposed, p)
		}
	}
	if s := dockerAll(final, "STOPSIGNAL"); len(s) != 1 || s[0] != "SIGTERM" {
		t.Errorf("STOPSIGNAL %q, want SIGTERM", s)
	}
}

// kubeCommand is deployment.yaml's container command[0], "" without
// python3-yaml.
func kubeCommand(t *testing.T) string {
	if exec.Command("/usr/bin/python3", "-c", "import yaml").Run() != nil {
		return ""
	}
	dep := oneOfKind(t, yamlDocs(t, "deployment.yaml"), "Deployment")
	return strs(t, at(t, dep, "spec", "template", "spec", "containers", 0, "command"))[0]
}

// versionAtLeast compares dotted versions: "1.26" >= "1.26", "1.27.1" >= "1.26".
func versionAtLeast(have, want string) bool {
	h, w := strings.Split(have, "."), strings.Split(want, ".")
	for i := 0; i < len(w); i++ {
		if i >= len(h) {
			return false
		}
		a, err1 := strconv.Atoi(h[i])
		b, err2 := strconv.Atoi(w[i])
		if err1 != nil || err2 != nil {
			return false
		}
		if a != b {
			return a > b
		}
	}
	return true
}

// --- Grafana ---------------------------------------------------------------

// promQueries collects every PromQL string in a dashboard: panel targets
// (in rows too) and query variables.
func promQueries(v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok && (k == "expr" || (k == "query" && v["refId"] != nil) || k == "definition") {
				*out = append(*out, s)
			}
			promQueries(e, out)
		}
	case []any:
		for _, e := range v {
			promQueries(e, out)
		}
	}
}

var metricNameRe = regexp.MustCompile(`\bnarwhal_[a-zA-Z0-9_:]*`)

// exportedName maps a series name to its exported metric: a histogram's
// _bucket, _sum and _count series belong to it.
func exportedName(series string) (string, bool) {
	if _, ok := exportedMetrics[series]; ok {
		return series, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(series, suffix); ok && exportedMetrics[base] == "histogram" {
			return base, true
		}
	}
	return "", false
}

func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(deployDir(), "grafana", "narwhal.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("narwhal.json: %v", err)
	}
	if dash["title"] == nil || dash["uid"] == nil || dash["panels"] == nil {
		t.Fatal("narwhal.json: no title, uid or panels: not a dashboard")
	}
	var queries []string
	promQueries(dash, &queries)
	if len(queries) == 0 {
		t.Fatal("no PromQL expressions")
	}
	used := map[string]bool{}
	for _, q := range queries {
		if strings.Count(q, "(") != strings.Count(q, ")") || strings.Count(q, "{") != strings.Count(q, "}") {
			t.Errorf("unbalanced brackets: %s", q)
		}
		for _, series := range metricNameRe.FindAllString(q, -1) {
			name, ok := exportedName(series)
			if !ok {
				t.Errorf("%s is not an exported metric (exportedMetrics): %s", series, q)
				continue
			}
			used[name] = true
			// Counters and histogram series only make sense through rate().
			if kind := exportedMetrics[name]; (kind == "counter" || series != name) && !regexp.MustCompile(`(rate|increase)\(`+series+`\b`).MatchString(q) {
				t.Errorf("%s (%s) used without rate() or increase(): %s", series, kind, q)
			}
			if strings.HasSuffix(series, "_bucket") && !strings.Contains(q, "histogram_quantile(") {
				t.Errorf("%s outside histogram_quantile: %s", series, q)
			}
		}
	}
	for name := range exportedMetrics {
		if !used[name] {
			t.Errorf("the dashboard never shows %s", name)
		}
	}
	// The panels the deploy kit promises, by the series they query.
	for _, want := range []string{
		`sum by (code) (rate(narwhal_http_requests_total`,
		`histogram_quantile(0.5, sum by (le) (rate(narwhal_http_request_duration_seconds_bucket`,
		`histogram_quantile(0.9, sum by (le) (rate(narwhal_http_request_duration_seconds_bucket`,
		`histogram_quantile(0.99, sum by (le) (rate(narwhal_http_request_duration_seconds_bucket`,
		`histogram_quantile(0.99, sum by (le) (rate(narwhal_http_request_queue_seconds_bucket`,
		`sum by (reason) (increase(narwhal_worker_restarts_total`,
	} {
		if !slices.ContainsFunc(queries, func(q string) bool { return strings.Contains(q, want) }) {
			t.Errorf("no query contains %q", want)
		}
	}
}

// --- README ----------------------------------------------------------------

// TestDeployReadmeNamesEveryFile: deploy/README.md explains every file.
func TestDeployReadmeNamesEveryFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(deployDir(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(deployDir(), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "README.md" {
			return err
		}
		if rel, _ := filepath.Rel(deployDir(), p); !strings.Contains(string(b), rel) {
			t.Errorf("deploy/README.md does not mention %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
