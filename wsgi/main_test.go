//go:build !nopython && cgo

package wsgi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// errLog is where the interpreter's error output goes during the tests.
var errLog *os.File

// TestMain starts the one interpreter of the test process on the main
// goroutine's locked OS thread, with testdata first on sys.path. A child
// process started by TestSubprocessInit (env NARWHAL_WSGI_CHILD) configures
// Init its own way instead.
func TestMain(m *testing.M) {
	runtime.LockOSThread()
	if os.Getenv("NARWHAL_WSGI_CHILD") != "" {
		os.Exit(childMain())
	}
	var err error
	errLog, err = os.CreateTemp("", "narwhal-wsgi-errlog-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer os.Remove(errLog.Name())
	testdata, _ := filepath.Abs("testdata")
	if err := Init(InitConfig{PythonPath: []string{testdata}, ErrorFD: int(errLog.Fd())}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	os.Remove(errLog.Name())
	os.Exit(code)
}

// logMark returns the current end of the error log.
func logMark() int64 {
	st, _ := errLog.Stat()
	return st.Size()
}

// logSince returns what was logged after mark.
func logSince(mark int64) string {
	b, _ := os.ReadFile(errLog.Name())
	if int64(len(b)) < mark {
		return ""
	}
	return string(b[mark:])
}

// recSink records everything a Call hands it and checks the Sink contract.
type recSink struct {
	heads     int
	code      int
	status    string
	headers   string
	cl        int64
	mustClose bool
	body      bytes.Buffer
	events    []string
	files     [][3]int64 // fd, off, n
	failWrite int        // fail the Nth Write (1-based); 0: never
	writes    int
	problems  []string
}

func (s *recSink) WriteHead(code int, status, headers []byte, cl int64, mustClose bool) error {
	s.heads++
	if s.heads > 1 || len(s.events) > 0 {
		s.problems = append(s.problems, "WriteHead not first and once")
	}
	s.code, s.status, s.headers, s.cl, s.mustClose = code, string(status), string(headers), cl, mustClose
	s.events = append(s.events, "head")
	return nil
}

func (s *recSink) Write(p []byte) error {
	s.writes++
	if s.heads == 0 {
		s.problems = append(s.problems, "Write before WriteHead")
	}
	if len(p) == 0 {
		s.problems = append(s.problems, "empty Write")
	}
	s.events = append(s.events, "write")
	if s.writes == s.failWrite {
		return errClientGone
	}
	s.body.Write(p)
	return nil
}

func (s *recSink) SendFile(fd int, off, n int64) error {
	if s.heads == 0 {
		s.problems = append(s.problems, "SendFile before WriteHead")
	}
	s.events = append(s.events, "sendfile")
	s.files = append(s.files, [3]int64{int64(fd), off, n})
	buf := make([]byte, 1<<20)
	for n != 0 {
		k := int64(len(buf))
		if n > 0 && n < k {
			k = n
		}
		r, err := syscall.Pread(fd, buf[:k], off)
		if err != nil {
			return err
		}
		if r == 0 {
			break
		}
		s.body.Write(buf[:r])
		off += int64(r)
		if n > 0 {
			n -= int64(r)
		}
	}
	return nil
}

var errClientGone = fmt.Errorf("test: client gone")

// header returns the value of the first header line named name.
func (s *recSink) header(name string) (string, bool) {
	for _, line := range strings.Split(s.headers, "\r\n") {
		k, v, ok := strings.Cut(line, ": ")
		if ok && strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// lockThread locks the test goroutine to its OS thread until the test ends.
func lockThread(t testing.TB) {
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
}

var apps sync.Map // spec -> *App: a module is imported once anyway

// load returns the App for spec, loading it once per test process.
func load(t testing.TB, spec string) *App {
	t.Helper()
	if a, ok := apps.Load(spec); ok {
		return a.(*App)
	}
	a, err := LoadApp(AppConfig{Spec: spec, Multithread: true})
	if err != nil {
		t.Fatalf("LoadApp(%q): %v", spec, err)
	}
	apps.Store(spec, a)
	return a
}

// thread returns a Thread for spec on the (locked) test goroutine.
func thread(t testing.TB, spec string) *Thread {
	t.Helper()
	lockThread(t)
	th, err := load(t, spec).NewThread()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(th.Close)
	return th
}

// get builds a GET request for target ("/path?query").
func get(target string) *Request {
	path, query, _ := strings.Cut(target, "?")
	return &Request{
		Method: []byte("GET"), RawURI: []byte(target), Path: []byte(path), Query: []byte(query),
		Minor:      1,
		Headers:    []Header{{Name: []byte("Host"), Value: []byte("localhost:8000")}},
		RemoteAddr: []byte("127.0.0.1"), RemotePort: 54321,
		ServerName: []byte("localhost"), ServerPort: []byte("8000"),
		BodyFD: -1,
	}
}

// call runs req on th and fails the test on a broken Sink contract.
func call(t testing.TB, th *Thread, req *Request) (*recSink, error) {
	t.Helper()
	s := &recSink{}
	err := th.Call(req, s)
	if len(s.problems) > 0 {
		t.Errorf("sink contract: %v", s.problems)
	}
	return s, err
}

// mustCall runs req and expects a nil error and the given status code.
func mustCall(t testing.TB, th *Thread, req *Request, code int) *recSink {
	t.Helper()
	mark := logMark()
	s, err := call(t, th, req)
	if err != nil {
		t.Fatalf("Call(%s): %v\n%s", req.RawURI, err, logSince(mark))
	}
	if s.code != code {
		t.Fatalf("Call(%s): code %d (%q), want %d; body %q\n%s", req.RawURI, s.code, s.status, code, s.body.String(), logSince(mark))
	}
	return s
}

// appState is the apps.state report: validator problems and close() calls.
type appState struct {
	Problems []string `json:"problems"`
	Closed   []string `json:"closed"`
	Blocks   int      `json:"blocks"`
}

// state reads (and with reset, clears) testdata/apps.py's records, on a
// goroutine of its own (one app thread per OS thread).
func state(t testing.TB, _ *Thread, reset bool) appState {
	t.Helper()
	q := "/state"
	if reset {
		q += "?reset"
	}
	a := load(t, "apps:state")
	var out appState
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var st *Thread
		if st, err = a.NewThread(); err != nil {
			return
		}
		defer st.Close()
		s := &recSink{}
		if err = st.Call(get(q), s); err == nil {
			err = json.Unmarshal(s.body.Bytes(), &out)
		}
	}()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// specs returns the app's spec plain and wrapped in wsgiref's validator.
func specs(name string) []string {
	return []string{"apps:" + name, "apps:lint('" + name + "')"}
}

// checkLint fails the test if the validator reported anything.
func checkLint(t *testing.T, th *Thread) {
	t.Helper()
	if st := state(t, th, true); len(st.Problems) > 0 {
		t.Errorf("validator problems: %v", st.Problems)
	}
}
