//go:build !nopython && cgo

package wsgi

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentThreads shakes out GIL handling: four locked goroutines,
// each with its own Thread, call apps that stay in C, stream through
// callbacks (GIL released) and read bodies, while stacks are dumped.
func TestConcurrentThreads(t *testing.T) {
	specs := []string{"apps:hello", "apps:gen", "apps:echo", "apps:tuple_parts"}
	wants := []int{12, 70, -1, 100004}
	apps := make([]*App, len(specs))
	for i, s := range specs {
		apps[i] = load(t, s)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(specs))
	stop := make(chan struct{})
	for g := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			th, err := apps[g].NewThread()
			if err != nil {
				errs <- err
				return
			}
			defer th.Close()
			req := get("/x?10")
			req.Body, req.BodyLen = []byte("body bytes"), 10
			for i := 0; i < 1000; i++ {
				s := &recSink{}
				if err := th.Call(req, s); err != nil || s.code != 200 || len(s.problems) > 0 ||
					(wants[g] >= 0 && s.body.Len() != wants[g]) {
					errs <- fmt.Errorf("%s call %d: err %v code %d body %d problems %v", specs[g], i, err, s.code, s.body.Len(), s.problems)
					return
				}
			}
		}()
	}
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				DumpStacks()
				time.Sleep(time.Millisecond)
			}
		}
	}()
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDumpStacksAndInterrupt(t *testing.T) {
	a := load(t, "apps:stuck_here")
	type result struct {
		s   *recSink
		err error
	}
	thc := make(chan *Thread)
	done := make(chan result)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		th, err := a.NewThread()
		if err != nil {
			t.Error(err)
			close(thc)
			return
		}
		defer th.Close()
		thc <- th
		s := &recSink{}
		err = th.Call(get("/stuck"), s)
		done <- result{s, err}
	}()
	th := <-thc
	if th == nil {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	var stacks string
	for !strings.Contains(stacks, "stuck_here") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		stacks = DumpStacks()
	}
	if !strings.Contains(stacks, "in stuck_here") || !strings.Contains(stacks, "(most recent call first):") {
		t.Fatalf("DumpStacks:\n%s", stacks)
	}
	if err := th.Interrupt("NotAnExceptionName"); err == nil {
		t.Error("Interrupt with an unknown name succeeded")
	}
	mark := logMark()
	if err := th.Interrupt("TimeoutError"); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Interrupt did not stop the request")
	}
	if r.err != nil || r.s.code != 500 {
		t.Errorf("interrupted call: err %v code %d", r.err, r.s.code)
	}
	if l := logSince(mark); !strings.Contains(l, "TimeoutError") || !strings.Contains(l, "in stuck_here") {
		t.Errorf("log %q lacks the TimeoutError traceback", l)
	}
}

func TestInterruptIdle(t *testing.T) {
	th := thread(t, "apps:hello")
	if err := th.Interrupt("TimeoutError"); err == nil {
		t.Fatal("Interrupt of an idle thread succeeded")
	}
	mustCall(t, th, get("/"), 200)
}

// rss returns the resident set size in bytes.
func rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc")
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// TestNoLeaks runs each response path many times and checks that neither
// Python's allocated blocks (sys.getallocatedblocks) nor RSS keep growing.
func TestNoLeaks(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	cases := []struct {
		spec string
		n    int
		req  func() *Request
	}{
		{"apps:hello", 100000, func() *Request { return get("/") }},
		{"apps:echo", 20000, func() *Request {
			r := post("/e?x=1", "text/plain", []byte("some body"))
			r.Headers = append(r.Headers, Header{Name: []byte("X-A"), Value: []byte("1")}, Header{Name: []byte("X-A"), Value: []byte("2")})
			return r
		}},
		{"apps:gen", 20000, func() *Request { return get("/?5") }},
		{"apps:writer", 20000, func() *Request { return get("/") }},
		{"apps:exc_info_before", 20000, func() *Request { return get("/") }},
		{"apps:nonbytes", 5000, func() *Request { return get("/") }},
		{"apps:lint('hello')", 20000, func() *Request { return get("/") }},
		{"apps:keep_environ", 20000, func() *Request { return post("/", "text/plain", []byte("x")) }},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			th := thread(t, c.spec)
			req := c.req()
			run := func(n int) {
				for i := 0; i < n; i++ {
					th.Call(req, nopSink{})
				}
			}
			run(c.n / 10) // warm caches
			before, rss0 := state(t, th, true).Blocks, rss(t)
			run(c.n)
			after, rss1 := state(t, th, true).Blocks, rss(t)
			if after-before > 500 {
				t.Errorf("%d calls: Python blocks %d -> %d", c.n, before, after)
			}
			if rss1-rss0 > 16<<20 {
				t.Errorf("%d calls: RSS %d -> %d", c.n, rss0, rss1)
			}
		})
	}
}
