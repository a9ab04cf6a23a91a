//go:build !nopython && cgo

package wsgi

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

func TestHello(t *testing.T) {
	for _, spec := range append(specs("hello"), "apps") {
		t.Run(spec, func(t *testing.T) {
			th := thread(t, spec)
			for i := 0; i < 3; i++ {
				s := mustCall(t, th, get("/"), 200)
				if s.status != "200 OK" || s.body.String() != "Hello world!" || s.cl != 12 || s.mustClose {
					t.Fatalf("got %q %q cl=%d close=%v", s.status, s.body.String(), s.cl, s.mustClose)
				}
				if want := "Content-Type: text/plain\r\n"; s.headers != want || s.cl != 12 {
					t.Fatalf("headers %q, want %q", s.headers, want)
				}
			}
			checkLint(t, th)
		})
	}
}

func TestGatheredSequences(t *testing.T) {
	for _, spec := range specs("tuple_parts") {
		t.Run(spec, func(t *testing.T) {
			th := thread(t, spec)
			s := mustCall(t, th, get("/"), 200)
			want := "abc" + strings.Repeat("d", 100000) + "e"
			if s.body.String() != want || s.cl != -1 {
				t.Fatalf("body %d bytes, cl %d", s.body.Len(), s.cl)
			}
			checkLint(t, th)
		})
	}
}

func TestGeneratorClose(t *testing.T) {
	for _, c := range []struct {
		name, target string
		want         string
		writes       int // minimum number of Writes (streamed, not gathered)
	}{
		{"gen", "/?3", "chunk0\nchunk1\nchunk2\n", 3},
		{"gen_big", "/", "", 20},
		{"gen_lazy_start", "/", "lazy", 1},
		{"list_close", "/", "xy", 1},
	} {
		for _, spec := range specs(c.name) {
			t.Run(spec, func(t *testing.T) {
				th := thread(t, spec)
				state(t, th, true)
				s := mustCall(t, th, get(c.target), 200)
				if c.want != "" && s.body.String() != c.want {
					t.Errorf("body %q, want %q", s.body.String(), c.want)
				}
				if c.name == "gen_big" && s.body.Len() != 2000000 {
					t.Errorf("body %d bytes", s.body.Len())
				}
				if s.writes < c.writes {
					t.Errorf("%d writes, want >= %d", s.writes, c.writes)
				}
				st := state(t, th, true)
				if c.name != "gen_lazy_start" && (len(st.Closed) != 1 || st.Closed[0] != c.name) {
					t.Errorf("closed %v, want [%s]", st.Closed, c.name)
				}
				if len(st.Problems) > 0 {
					t.Errorf("validator problems: %v", st.Problems)
				}
			})
		}
	}
}

// TestSinkError: a failing Write stops the iteration, close() still runs,
// and Call returns the sink's error without logging a traceback.
func TestSinkError(t *testing.T) {
	for _, spec := range specs("gen") {
		t.Run(spec, func(t *testing.T) {
			th := thread(t, spec)
			state(t, th, true)
			mark := logMark()
			s := &recSink{failWrite: 2}
			err := th.Call(get("/?10"), s)
			if !errors.Is(err, errClientGone) {
				t.Fatalf("err %v, want the sink's", err)
			}
			if s.writes != 2 {
				t.Errorf("%d writes after the failure, want 2", s.writes)
			}
			if st := state(t, th, true); len(st.Closed) != 1 || len(st.Problems) > 0 {
				t.Errorf("closed %v problems %v", st.Closed, st.Problems)
			}
			if l := logSince(mark); l != "" {
				t.Errorf("logged %q", l)
			}
			// The thread is fine afterwards.
			mustCall(t, th, get("/?1"), 200)
		})
	}
}

// TestSinkErrorInWrite: the write() callable raises once the sink failed.
func TestSinkErrorInWrite(t *testing.T) {
	th := thread(t, "apps:writer")
	s := &recSink{failWrite: 1}
	if err := th.Call(get("/"), s); !errors.Is(err, errClientGone) {
		t.Fatalf("err %v", err)
	}
}

type errorCase struct {
	name   string
	target string
	log    string // expected in the error log
	abort  bool   // ErrAbort after the head, else the bridge's 500
	lint   string // expected in the log under the validator, when it differs
}

func TestAppErrors(t *testing.T) {
	cases := []errorCase{
		{"fail_before", "/", "ValueError: boom-before-start", false, ""},
		{"fail_after_start", "/", "ValueError: boom-after-start-before-body", false, ""},
		{"no_start", "/", "AssertionError: start_response() was not called", false, "start_response has not yet been called"},
		{"nonbytes", "/", "TypeError: response body items must be bytes, not str", false, "Iterator yielded non-bytestring"},
		{"nonbytes_gen", "/", "TypeError: response body items must be bytes, not str", true, "Iterator yielded non-bytestring"},
		{"gen_fail_after", "/", "RuntimeError: boom-in-iteration", true, ""},
		{"exc_info_after", "/", "KeyError: 'boom-exc-info-after'", true, ""},
		{"twice", "/", "AssertionError", false, ""},
		{"write_str", "/", "TypeError: write() argument must be bytes, not str", false, "assert_(type(s) is bytes)"},
	}
	for _, c := range cases {
		for _, spec := range specs(c.name) {
			t.Run(spec, func(t *testing.T) {
				th := thread(t, spec)
				mark := logMark()
				s, err := call(t, th, get(c.target))
				log := logSince(mark)
				if c.abort {
					if err != ErrAbort || s.code != 200 {
						t.Fatalf("err %v code %d, want ErrAbort after a 200 head", err, s.code)
					}
				} else {
					if err != nil || s.code != 500 || s.status != "500 Internal Server Error" ||
						s.body.String() != "Internal Server Error\n" || !s.mustClose || s.cl != 22 {
						t.Fatalf("err %v, %q %q cl=%d close=%v, want the bridge's 500", err, s.status, s.body.String(), s.cl, s.mustClose)
					}
					if ct, _ := s.header("Content-Type"); ct != "text/plain" {
						t.Errorf("Content-Type %q", ct)
					}
				}
				// Errors the bridge raises outside any Python frame (a
				// non-bytes item of a list) have no "Traceback" line.
				want := c.log
				if c.lint != "" && strings.Contains(spec, "lint") {
					want = c.lint
				}
				if !strings.HasPrefix(log, "Error handling request /\n") || !strings.Contains(log, want) {
					t.Errorf("log %q, want a traceback with %q", log, want)
				}
				// The thread is fine afterwards: the same request, the same outcome.
				if s2, err2 := call(t, th, get(c.target)); err2 != err || s2.code != s.code {
					t.Errorf("again: err %v code %d", err2, s2.code)
				}
				logSince(logMark())
				_ = state(t, th, true)
			})
		}
	}
}

func TestExcInfoBefore(t *testing.T) {
	for _, spec := range specs("exc_info_before") {
		t.Run(spec, func(t *testing.T) {
			th := thread(t, spec)
			s := mustCall(t, th, get("/"), 503)
			if s.status != "503 Service Unavailable" || s.body.String() != "sorry" {
				t.Errorf("%q %q", s.status, s.body.String())
			}
			checkLint(t, th)
		})
	}
}

func TestWriteCallable(t *testing.T) {
	for _, spec := range specs("writer") {
		t.Run(spec, func(t *testing.T) {
			th := thread(t, spec)
			s := mustCall(t, th, get("/"), 200)
			if s.body.String() != "abbccc" {
				t.Errorf("body %q", s.body.String())
			}
			// write() sends at once: head and "a" go out before the app returns.
			if len(s.events) < 3 || s.events[0] != "head" || s.events[1] != "write" {
				t.Errorf("events %v", s.events)
			}
			checkLint(t, th)
		})
	}
}

func TestResponseHeaders(t *testing.T) {
	th := thread(t, "apps:headers")
	s := mustCall(t, th, get("/"), 201)
	want := "Content-Type: text/plain\r\nX-Multi: 1\r\nX-Multi: 2\r\nX-Space: padded\r\nX-Latin: caf\xe9\r\n"
	if s.headers != want || !s.mustClose || s.status != "201 Created" {
		t.Errorf("headers %q close=%v status %q\nwant %q", s.headers, s.mustClose, s.status, want)
	}
}

func TestStartResponseValidation(t *testing.T) {
	th := thread(t, "apps:bad_header")
	for q, want := range map[string]string{
		"status_int": "TypeError", "status_short": "ValueError", "status_nospace": "ValueError",
		"status_crlf": "ValueError", "name_space": "ValueError", "name_colon": "ValueError",
		"name_bytes": "TypeError", "value_lf": "ValueError", "value_nul": "ValueError",
		"value_nonlatin": "ValueError", "value_int": "TypeError", "not_pair": "TypeError",
		"cl_bad": "ValueError", "cl_conflict": "ValueError",
	} {
		s := mustCall(t, th, get("/?"+q), 400)
		if s.body.String() != want {
			t.Errorf("%s: raised %q, want %s", q, s.body.String(), want)
		}
	}
}

func TestContentLength(t *testing.T) {
	for _, spec := range specs("cl_long") {
		t.Run("longer body is truncated/"+spec, func(t *testing.T) {
			th := thread(t, spec)
			s := mustCall(t, th, get("/"), 200)
			if s.body.String() != "abcde" || s.cl != 5 {
				t.Errorf("body %q cl %d", s.body.String(), s.cl)
			}
			checkLint(t, th)
		})
	}
	t.Run("shorter body aborts", func(t *testing.T) {
		th := thread(t, "apps:cl_short")
		mark := logMark()
		s, err := call(t, th, get("/short"))
		if err != ErrAbort || s.body.String() != "only this" || !s.mustClose {
			t.Errorf("err %v body %q close %v", err, s.body.String(), s.mustClose)
		}
		if l := logSince(mark); !strings.Contains(l, "shorter than its Content-Length: /short") {
			t.Errorf("log %q", l)
		}
	})
}

func TestHead(t *testing.T) {
	for _, spec := range specs("head") {
		t.Run(spec, func(t *testing.T) {
			th := thread(t, spec)
			state(t, th, true)
			req := get("/")
			req.Method, req.Head = []byte("HEAD"), true
			s := mustCall(t, th, req, 200)
			if s.writes != 0 || s.cl != 11 || s.heads != 1 {
				t.Errorf("writes %d cl %d heads %d", s.writes, s.cl, s.heads)
			}
			if st := state(t, th, true); len(st.Closed) != 1 || len(st.Problems) > 0 {
				t.Errorf("closed %v problems %v", st.Closed, st.Problems)
			}
		})
	}
}

func TestErrorsStream(t *testing.T) {
	for _, spec := range specs("errors") {
		t.Run(spec, func(t *testing.T) {
			th := thread(t, spec)
			mark := logMark()
			mustCall(t, th, get("/"), 200)
			l := logSince(mark)
			for _, want := range []string{"errors-write-marker\n", "errors-lines-1\nerrors-lines-2 café\n", "stderr-print-marker\n"} {
				if !strings.Contains(l, want) {
					t.Errorf("log %q lacks %q", l, want)
				}
			}
			checkLint(t, th)
		})
	}
}

func TestWrongThread(t *testing.T) {
	th := thread(t, "apps:hello")
	done := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		done <- th.Call(get("/"), &recSink{})
	}()
	if err := <-done; err != errWrongThread {
		t.Fatalf("err %v, want errWrongThread", err)
	}
}

// panicSink panics in Write.
type panicSink struct{ recSink }

func (p *panicSink) Write([]byte) error { panic("sink panic") }

func TestSinkPanic(t *testing.T) {
	th := thread(t, "apps:gen")
	state(t, th, true)
	func() {
		defer func() {
			if r := recover(); r != "sink panic" {
				t.Errorf("recovered %v", r)
			}
		}()
		th.Call(get("/?3"), &panicSink{})
		t.Error("Call did not panic")
	}()
	if st := state(t, th, true); len(st.Closed) != 1 {
		t.Errorf("closed %v", st.Closed)
	}
	mustCall(t, th, get("/?1"), 200)
}

// reenterSink calls back into its own Thread from WriteHead.
type reenterSink struct {
	recSink
	th  *Thread
	err error
}

func (r *reenterSink) WriteHead(code int, status, headers []byte, cl int64, mc bool) error {
	r.err = r.th.Call(get("/"), &recSink{})
	return r.recSink.WriteHead(code, status, headers, cl, mc)
}

func TestMisuse(t *testing.T) {
	lockThread(t)
	closed, err := load(t, "apps:hello").NewThread()
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	closed.Close()
	if err := closed.Call(get("/"), &recSink{}); err != errClosed {
		t.Errorf("Call after Close: %v", err)
	}
	if err := closed.Interrupt("TimeoutError"); err != errClosed {
		t.Errorf("Interrupt after Close: %v", err)
	}
	th := thread(t, "apps:gen")
	s := &reenterSink{th: th}
	if err := th.Call(get("/?2"), s); err != nil || s.err != errReentered {
		t.Errorf("Call %v, nested Call %v", err, s.err)
	}
}

// headPanicSink panics in WriteHead, which for a gathered response runs
// after C returned.
type headPanicSink struct{ recSink }

func (p *headPanicSink) WriteHead(int, []byte, []byte, int64, bool) error { panic("head panic") }

func TestSinkPanicAfterReturn(t *testing.T) {
	th := thread(t, "apps:hello")
	func() {
		defer func() {
			if r := recover(); r != "head panic" {
				t.Errorf("recovered %v", r)
			}
		}()
		th.Call(get("/"), &headPanicSink{})
	}()
	mustCall(t, th, get("/"), 200)
}

func TestOneThreadPerOSThread(t *testing.T) {
	th := thread(t, "apps:hello")
	if _, err := th.app.NewThread(); err == nil {
		t.Fatal("a second Thread on the same OS thread was created")
	}
	mustCall(t, th, get("/"), 200)
}

// finalSink is a recSink that is also a FinalWriter.
type finalSink struct{ recSink }

func (s *finalSink) WriteFinal(p []byte) error {
	s.Write(p)
	s.events[len(s.events)-1] = "final"
	return nil
}

// The last block of a list reaches the sink as final however large it is,
// so a handler on the event loop does not wait for it to leave; a streamed
// iterable's blocks never are, even the last.
func TestLastBlockIsFinal(t *testing.T) {
	cases := []struct {
		spec string
		want string
		body int
	}{
		{"apps:tail_big", "head write final", 100004},          // "head" flushed before the big item
		{"apps:tuple_parts", "head write write final", 100004}, // "abc", the 100 kB item, then "e" after the call
		{"apps:gen_big", "head" + strings.Repeat(" write", 20), 2000000},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			th := thread(t, c.spec)
			s := &finalSink{}
			if err := th.Call(get("/"), s); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(s.events, " "); got != c.want || s.body.Len() != c.body || len(s.problems) > 0 {
				t.Fatalf("events %q, %d bytes, problems %v; want %q, %d bytes", got, s.body.Len(), s.problems, c.want, c.body)
			}
		})
	}
}
