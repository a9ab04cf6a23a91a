package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// concurrently sends n GETs at once, each on its own connection, and
// returns how long they took together; every one must succeed.
func concurrently(t *testing.T, n int, target string) time.Duration {
	t.Helper()
	client := &http.Client{
		Timeout:   60 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, MaxConnsPerHost: 0},
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	begin := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Get(target)
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	took := time.Since(begin)
	close(errs)
	for err := range errs {
		t.Errorf("request failed: %v", err)
		break
	}
	return took
}

// TestClassesUnderSlowRequests is issue 5's scenario: 200 clients at once,
// an app that sleeps 100 ms, one worker. The bounds are generous (a shared
// 2-core machine) but keep the orders of magnitude apart: gevent-like runs
// all 200 together, 20 threads run 20 at a time, sync one at a time.
func TestClassesUnderSlowRequests(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		min, max time.Duration
	}{
		{"gevent-like", []string{"-k", "gevent-like"}, 100 * time.Millisecond, 3 * time.Second},
		{"threads", []string{"-k", "threads", "--threads", "20"}, time.Second, 8 * time.Second},
		{"sync", []string{"-k", "sync"}, 20 * time.Second, 90 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, append(c.args, "lifecycle:app")...)
			pidOf(t, s) // booted
			took := concurrently(t, 200, s.URL("/sleep?0.1"))
			t.Logf("%s: 200 requests of 100 ms in %v", c.name, took)
			if took < c.min || took > c.max || t.Failed() {
				t.Errorf("%s took %v, want between %v and %v\n%s", c.name, took, c.min, c.max, s.Log())
			}
		})
	}
}

func TestGeventYieldsOnNetworkIO(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "upstream")
	}))
	defer slow.Close()
	s := start(t, "-k", "gevent-like", "upstream:app")
	for _, lib := range []string{"urllib", "requests"} {
		target := s.URL("/" + lib + "?" + url.QueryEscape(slow.URL))
		if _, body := get(t, target); body != "upstream" {
			t.Fatalf("%s: body %q", lib, body)
		}
		// 20 calls of 300 ms each: about 0.3 s when they overlap, 6 s if
		// the hub blocked on each.
		if took := concurrently(t, 20, target); took > 3*time.Second {
			t.Errorf("%s: 20 upstream calls took %v: the hub did not yield", lib, took)
		}
	}
}

func TestGeventMissingFailsToBoot(t *testing.T) {
	fake := t.TempDir()
	os.MkdirAll(filepath.Join(fake, "gevent"), 0o755)
	os.WriteFile(filepath.Join(fake, "gevent", "__init__.py"), []byte("raise ImportError('No module named gevent')\n"), 0o644)
	s, _ := startErr(t, "-k", "gevent", "--pythonpath", fake, "lifecycle:app")
	if code := s.exitCode(t); code != 3 {
		t.Fatalf("exit %d, want 3 (worker boot error)\n%s", code, s.Log())
	}
	for _, want := range []string{"needs gevent", "python3-gevent", "Reason: Worker failed to boot."} {
		if !strings.Contains(s.Log(), want) {
			t.Errorf("log lacks %q:\n%s", want, s.Log())
		}
	}
}

func TestGeventCPUBoundHubTimesOut(t *testing.T) {
	s := start(t, "-k", "gevent-like", "--timeout", "2", "lifecycle:app")
	stuck := pidOf(t, s)
	go func() {
		c := &http.Client{Timeout: 30 * time.Second}
		if resp, err := c.Get(s.URL("/spin")); err == nil {
			resp.Body.Close()
		}
	}()
	s.waitLog(t, fmt.Sprintf(`WORKER TIMEOUT \(pid:%d\)`, stuck))
	s.waitLog(t, `(?s)aborted by its master.*in spin_forever`)
	waitFor(t, "a replacement worker", func() bool {
		kids := children(s.cmd.Process.Pid)
		return len(kids) == 1 && kids[0] != stuck
	})
	if pid := pidOf(t, s); pid == stuck {
		t.Fatalf("stuck worker %d still answers\n%s", pid, s.Log())
	}
}
