package workers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ClaimProcTitle rewrites the process's own argv block, so it is tested in
// a child: the test binary executed again with TestHelperProcTitle selected
// and utProcTitleGuard set (Go's "helper process" pattern).

const (
	utProcTitleGuard = "NARWHAL_UNIT_PROCTITLE_HELPER"
	utProcTitleCases = "NARWHAL_UNIT_PROCTITLE_CASES"
	utProcTitleMark  = "PROCTITLE-RESULT "
)

// utProcTitleResult is what the helper reports.
type utProcTitleResult struct {
	Claimed bool
	ArgLen  int // arg_end - arg_start (/proc/self/stat), argv's final NUL included
	EnvLen  int // env_end - env_start
	EnvNext bool
	Cases   []utProcTitleCase
}

type utProcTitleCase struct {
	Spec     string
	Title    string
	Cmdline  string
	EnvWrong []string // variables whose value changed after Set
}

// utProcStatMM reads arg_start, arg_end, env_start and env_end from
// /proc/self/stat (fields 48 to 51).
func utProcStatMM() (argStart, argEnd, envStart, envEnd uint64, err error) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		err = fmt.Errorf("bad /proc/self/stat")
		return
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3
	if len(f) < 49 {
		err = fmt.Errorf("/proc/self/stat has %d fields", len(f)+2)
		return
	}
	v := make([]uint64, 4)
	for j := range v {
		if v[j], err = strconv.ParseUint(f[45+j], 10, 64); err != nil {
			return
		}
	}
	return v[0], v[1], v[2], v[3], nil
}

// utTitleOfLen is a master title exactly n bytes long.
func utTitleOfLen(n int) string {
	const head, tail = "narwhal: master [", "]"
	if n < len(head)+len(tail) {
		return head[:n]
	}
	pad := make([]byte, n-len(head)-len(tail))
	for i := range pad {
		pad[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[i%36]
	}
	return head + string(pad) + tail
}

// TestHelperProcTitle is the child's side; it does nothing in a normal run.
func TestHelperProcTitle(t *testing.T) {
	if os.Getenv(utProcTitleGuard) != "1" {
		t.Skip("helper process for TestUnitProcTitle*")
	}
	res := utProcTitleResult{}
	as, ae, es, ee, err := utProcStatMM()
	if err != nil {
		fmt.Println("helper:", err)
		os.Exit(2)
	}
	res.ArgLen, res.EnvLen, res.EnvNext = int(ae-as), int(ee-es), es == ae
	specs := strings.Split(os.Getenv(utProcTitleCases), ",")
	want := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		want[strings.Clone(k)] = strings.Clone(v)
	}

	pt := ClaimProcTitle()
	res.Claimed = pt != nil
	for _, spec := range specs {
		// spec is "N", or "arg+N" / "all+N" relative to argv's or argv and
		// environ's length (N may be negative).
		n := 0
		switch {
		case strings.HasPrefix(spec, "arg"):
			d, _ := strconv.Atoi(spec[3:])
			n = res.ArgLen + d
		case strings.HasPrefix(spec, "all"):
			d, _ := strconv.Atoi(spec[3:])
			n = res.ArgLen + res.EnvLen + d
		default:
			n, _ = strconv.Atoi(spec)
		}
		c := utProcTitleCase{Spec: spec, Title: utTitleOfLen(n)}
		pt.Set(c.Title)
		b, err := os.ReadFile("/proc/self/cmdline")
		if err != nil {
			fmt.Println("helper:", err)
			os.Exit(2)
		}
		c.Cmdline = string(b)
		for k, v := range want {
			if got, ok := os.LookupEnv(k); !ok || got != v {
				c.EnvWrong = append(c.EnvWrong, fmt.Sprintf("%s=%q (was %q)", k, got, v))
			}
		}
		if len(os.Environ()) != len(want) {
			c.EnvWrong = append(c.EnvWrong, fmt.Sprintf("os.Environ() has %d entries, was %d", len(os.Environ()), len(want)))
		}
		res.Cases = append(res.Cases, c)
	}
	out, _ := json.Marshal(res)
	fmt.Println(utProcTitleMark + string(out))
	// os.Args and flag values alias the rewritten block: leave at once.
	os.Exit(0)
}

// utRunProcTitle executes the helper with argv (argv[0] included) and the
// title cases, in a small environment, and returns its report with the
// lengths the parent laid out.
func utRunProcTitle(t *testing.T, argv []string, cases ...string) (*utProcTitleResult, int, int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{
		utProcTitleGuard + "=1",
		utProcTitleCases + "=" + strings.Join(cases, ","),
		"PROCTITLE_A=alpha",
		"PROCTITLE_EMPTY=",
		"PROCTITLE_LONG=" + strings.Repeat("L", 300),
		"PROCTITLE_EQ=a=b=c",
	}
	if v, ok := os.LookupEnv("LD_LIBRARY_PATH"); ok {
		env = append(env, "LD_LIBRARY_PATH="+v)
	}
	argLen, envLen := 0, 0
	for _, a := range argv {
		argLen += len(a) + 1
	}
	for _, kv := range env {
		envLen += len(kv) + 1
	}
	cmd := &exec.Cmd{Path: exe, Args: argv, Env: env}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("helper timed out; stdout %q stderr %q", stdout.String(), stderr.String())
	}
	if err != nil {
		t.Fatalf("helper: %v; stdout %q stderr %q", err, stdout.String(), stderr.String())
	}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if s, ok := strings.CutPrefix(line, utProcTitleMark); ok {
			var res utProcTitleResult
			if err := json.Unmarshal([]byte(s), &res); err != nil {
				t.Fatal(err)
			}
			if res.ArgLen != argLen || res.EnvLen != envLen || !res.EnvNext {
				t.Fatalf("helper's argv %d bytes, environ %d bytes (adjacent %v); laid out %d and %d",
					res.ArgLen, res.EnvLen, res.EnvNext, argLen, envLen)
			}
			if len(res.Cases) != len(cases) {
				t.Fatalf("helper ran %d cases, want %d", len(res.Cases), len(cases))
			}
			return &res, argLen, envLen
		}
	}
	t.Fatalf("helper printed no result; stdout %q stderr %q", stdout.String(), stderr.String())
	return nil, 0, 0
}

const utHelperRun = "-test.run=^TestHelperProcTitle$"

// utCheckTitle checks the cases whose titles fit in limit bytes (the NUL
// included), which must show completely.
func utCheckTitle(t *testing.T, res *utProcTitleResult, limit int) {
	t.Helper()
	if !res.Claimed {
		t.Fatal("ClaimProcTitle returned nil for a kernel-laid argv")
	}
	for _, c := range res.Cases {
		want := c.Title
		if len(want) > limit-1 {
			want = want[:limit-1]
		}
		want += "\x00"
		if c.Cmdline != want {
			t.Errorf("case %s (title %d bytes): /proc/self/cmdline is %d bytes %q, want %d bytes %q",
				c.Spec, len(c.Title), len(c.Cmdline), c.Cmdline, len(want), want)
		}
		for _, e := range c.EnvWrong {
			t.Errorf("case %s: environment changed: %s", c.Spec, e)
		}
	}
}

func TestUnitProcTitleShortTitle(t *testing.T) {
	for name, argv := range map[string][]string{
		"short argv":     {"nw", utHelperRun},
		"long argv":      {"/usr/local/bin/narwhal", utHelperRun, "--", "--workers", "4", "--bind", "unix:/run/app.sock", strings.Repeat("x", 200), "myproject.wsgi:application"},
		"empty argument": {"nw", utHelperRun, "--", "", "y", ""},
	} {
		t.Run(name, func(t *testing.T) {
			// Shorter titles after a longer one must leave no remains.
			res, argLen, _ := utRunProcTitle(t, argv, "arg-1", "19", "arg-2", "5", "1", "0")
			utCheckTitle(t, res, argLen)
		})
	}
}

func TestUnitProcTitleExactlyArgv(t *testing.T) {
	// Titles of argv's length and one byte less (the boundary where argv's
	// final byte is or is not the title's).
	res, argLen, _ := utRunProcTitle(t, []string{"nw", utHelperRun, "--", "abcdefghij"}, "arg-1", "arg-2", "arg-3", "arg+0")
	// Whether or not the environ block is usable, argv's length is.
	for _, c := range res.Cases {
		if len(c.Title) <= argLen-1 && c.Cmdline != c.Title+"\x00" {
			t.Errorf("case %s: cmdline %q, want %q", c.Spec, c.Cmdline, c.Title+"\x00")
		}
	}
}

func TestUnitProcTitleOverflowsIntoEnviron(t *testing.T) {
	res, argLen, envLen := utRunProcTitle(t, []string{"nw", utHelperRun}, "arg+0", "arg+1", "arg+40", "all-1", "all-2", "19")
	utCheckTitle(t, res, argLen+envLen)
}

func TestUnitProcTitleTruncatedAtArgvPlusEnviron(t *testing.T) {
	res, argLen, envLen := utRunProcTitle(t, []string{"nw", utHelperRun}, "all+0", "all+1", "all+100", "19")
	utCheckTitle(t, res, argLen+envLen)
}

func TestUnitProcTitleNil(t *testing.T) {
	var pt *ProcTitle
	pt.Set("narwhal: master [x]") // not claimed: a no-op
}
