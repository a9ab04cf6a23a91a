package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHelloOneContentLength(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		s := start(t, withClass(class, "hello:app")...)
		resp := raw(t, s.Addr, "GET / HTTP/1.0\r\n\r\n")
		if !strings.HasSuffix(resp, "\r\n\r\nHello, World!") || strings.Count(resp, "Content-Length:") != 1 {
			t.Fatalf("response:\n%s", resp)
		}
		if !strings.Contains(resp, "Server: narwhal\r\n") {
			t.Fatalf("no Server header:\n%s", resp)
		}
	})
}

func TestAppSpecs(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		for _, tc := range []struct{ spec, want string }{
			{"hello", "Hello, World!"}, // module alone: uses "application"
			{"hello:app", "Hello, World!"},
			{"hello:holder.inner", "Hello, World!"},
			{"hello:factory()", "Hello"},
			{"hello:factory('Hi', 2)", "HiHi"},
		} {
			t.Run(tc.spec, func(t *testing.T) {
				s := start(t, withClass(class, tc.spec)...)
				if _, body := get(t, s.URL("/")); body != tc.want {
					t.Fatalf("got %q, want %q", body, tc.want)
				}
			})
		}
	})
}

func TestAppLoadFailuresExit4(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		for _, tc := range []struct{ spec, want string }{
			{"broken_import:app", "ModuleNotFoundError: No module named 'this_module_does_not_exist'"},
			{"hello:not_callable", "must be callable"},
			{"hello:missing", "missing"},
			{"no_such_module:app", "No module named 'no_such_module'"},
		} {
			t.Run(tc.spec, func(t *testing.T) {
				s, _ := startErr(t, withClass(class, tc.spec)...)
				if code := s.exitCode(t); code != 4 {
					t.Fatalf("exit %d, want 4\n%s", code, s.Log())
				}
				if !strings.Contains(s.Log(), tc.want) {
					t.Fatalf("log lacks %q:\n%s", tc.want, s.Log())
				}
			})
		}
	})
}

func TestBadFlagsExit(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"-w", "many", "hello:app"}, 2, "invalid int value: 'many'"},
			{[]string{"--no-such-flag", "hello:app"}, 2, "unrecognized arguments"},
			{[]string{"-k", "nope", "hello:app"}, 1, "gevent-like (aliases gevent, async)"}, // the last -k counts
			{[]string{"-b", "256.1.1.1:1", "hello:app"}, 1, "256.1.1.1"},
		} {
			t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
				s, _ := startErr(t, withClass(class, tc.args...)...)
				if code := s.exitCode(t); code != tc.code {
					t.Fatalf("exit %d, want %d\n%s", code, tc.code, s.Log())
				}
				if !strings.Contains(s.Log(), tc.want) {
					t.Fatalf("output lacks %q:\n%s", tc.want, s.Log())
				}
			})
		}
	})
}

func echoEnviron(t *testing.T, s *server, req string) map[string]any {
	t.Helper()
	resp := raw(t, s.Addr, req)
	i := strings.Index(resp, "\r\n\r\n")
	if i < 0 || !strings.HasPrefix(resp, "HTTP/1.") || resp[9:12] != "200" {
		t.Fatalf("response:\n%s\nlog:\n%s", resp, s.Log())
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(resp[i+4:]), &env); err != nil {
		t.Fatalf("%v: %s", err, resp)
	}
	return env
}

func TestEnviron(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		s := start(t, withClass(class, "environ_echo:app")...)
		env := echoEnviron(t, s, "POST /caf%C3%A9/%E4%B8%AD?x=1&y=%20 HTTP/1.1\r\nHost: example.com\r\n"+
			"X-Multi: a\r\nx-multi: b\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX_Under: dropped\r\nConnection: close\r\n\r\nhello")
		want := map[string]any{
			"REQUEST_METHOD":        "POST",
			"SCRIPT_NAME":           "",
			"PATH_INFO":             "/caf\u00c3\u00a9/\u00e4\u00b8\u00ad", // UTF-8 bytes decoded as latin-1 (PEP 3333)
			"RAW_URI":               "/caf%C3%A9/%E4%B8%AD?x=1&y=%20",
			"QUERY_STRING":          "x=1&y=%20",
			"SERVER_PROTOCOL":       "HTTP/1.1",
			"SERVER_NAME":           "127.0.0.1",
			"CONTENT_TYPE":          "text/plain",
			"CONTENT_LENGTH":        "5",
			"HTTP_HOST":             "example.com",
			"HTTP_X_MULTI":          "a,b",
			"REMOTE_ADDR":           "127.0.0.1",
			"wsgi.url_scheme":       "http",
			"wsgi.multithread":      wantMultithread(class), // true only for the threads class
			"wsgi.multiprocess":     false,                  // -w 1
			"wsgi.run_once":         false,
			"wsgi.input_terminated": true,
			"_body_len":             float64(5),
		}
		for k, v := range want {
			if fmt.Sprint(env[k]) != fmt.Sprint(v) {
				t.Errorf("%s = %#v, want %#v", k, env[k], v)
			}
		}
		types := env["_types"].(map[string]any)
		for k, typ := range map[string]string{"SERVER_PORT": "str", "REMOTE_PORT": "str", "wsgi.version": "tuple",
			"wsgi.input": "", "wsgi.errors": "", "wsgi.file_wrapper": ""} {
			if typ != "" && types[k] != typ {
				t.Errorf("type of %s = %v, want %s", k, types[k], typ)
			}
			if _, ok := env[k]; !ok {
				t.Errorf("environ lacks %s", k)
			}
		}
		if fmt.Sprint(env["wsgi.version"]) != "map[tuple:[1 0]]" {
			t.Errorf("wsgi.version = %v", env["wsgi.version"])
		}
		for k := range env {
			if strings.Contains(k, "UNDER") {
				t.Errorf("header with underscore reached the app as %s (gunicorn header_map=drop)", k)
			}
		}
		_, port, _ := net.SplitHostPort(s.Addr)
		if env["SERVER_PORT"] != port {
			t.Errorf("SERVER_PORT = %v, want %s", env["SERVER_PORT"], port)
		}
		// HTTP/1.0 and a chunked upload.
		env = echoEnviron(t, s, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
		if env["_body_len"] != float64(5) || env["CONTENT_LENGTH"] != nil {
			t.Errorf("chunked: body %v CONTENT_LENGTH %v", env["_body_len"], env["CONTENT_LENGTH"])
		}
		env = echoEnviron(t, s, "GET /x HTTP/1.0\r\n\r\n")
		if env["SERVER_PROTOCOL"] != "HTTP/1.0" || env["QUERY_STRING"] != "" {
			t.Errorf("HTTP/1.0: %v %q", env["SERVER_PROTOCOL"], env["QUERY_STRING"])
		}
		// wsgi.multiprocess is true when -w > 1 (gunicorn: workers > 1).
		s = start(t, withClass(class, "-w", "2", "environ_echo:app")...)
		env = echoEnviron(t, s, "GET / HTTP/1.0\r\n\r\n")
		if env["wsgi.multiprocess"] != true || env["wsgi.multithread"] != wantMultithread(class) {
			t.Errorf("-w 2: wsgi.multiprocess %v, wsgi.multithread %v; want true, %v",
				env["wsgi.multiprocess"], env["wsgi.multithread"], wantMultithread(class))
		}
	})
}

func TestRequestBodies(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		s := start(t, withClass(class, "bodies:app")...)
		client := testClient(t)
		rng := rand.New(rand.NewSource(3))
		for _, size := range []int{0, 1, 8 << 10, 1 << 20, 10 << 20} {
			data := make([]byte, size)
			for i := range data {
				data[i] = "abc\ndef\n"[rng.Intn(8)]
			}
			sum := sha256.Sum256(data)
			lines := strings.Count(string(data), "\n")
			if size > 0 && data[size-1] != '\n' {
				lines++
			}
			for _, path := range []string{"/read", "/readn", "/readline", "/readlines", "/iter"} {
				resp, err := client.Post(s.URL(path), "application/octet-stream", strings.NewReader(string(data)))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				wantLines := lines
				if path == "/read" || path == "/readn" {
					wantLines = 0
				}
				if want := fmt.Sprintf("%d %x %d b''", size, sum, wantLines); string(b) != want {
					t.Fatalf("%s %d bytes: got %q, want %q", path, size, b, want)
				}
			}
		}
	})
}

func TestChunkedUpload(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		s := start(t, withClass(class, "bodies:app")...)
		pr, pw := io.Pipe()
		data := strings.Repeat("line of text\n", 100000)
		go func() {
			for i := 0; i < len(data); i += 4096 {
				pw.Write([]byte(data[i:min(i+4096, len(data))]))
			}
			pw.Close()
		}()
		req, _ := http.NewRequest("POST", s.URL("/readline"), pr) // unknown length: Go sends chunked
		resp, err := testClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if want := fmt.Sprintf("%d %x %d b''", len(data), sha256.Sum256([]byte(data)), 100000); string(b) != want {
			t.Fatalf("got %q, want %q", b, want)
		}
	})
}

func readLines(p string) []string {
	b, _ := os.ReadFile(p)
	return strings.Fields(string(b))
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStreamingAndClose(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		logPath := filepath.Join(t.TempDir(), "closed.log")
		file := filepath.Join(t.TempDir(), "five.bin")
		data := make([]byte, 5<<20)
		rand.New(rand.NewSource(5)).Read(data)
		os.WriteFile(file, data, 0o644)
		t.Setenv("NARWHAL_TEST_CLOSED_LOG", logPath)
		t.Setenv("NARWHAL_TEST_FILE", file)
		s := start(t, withClass(class, "stream:app")...)

		if _, body := get(t, s.URL("/gen?complete")); body != strings.Repeat("a", 100000) {
			t.Fatalf("generator body: %d bytes", len(body))
		}
		waitFor(t, "close() after a complete generator", func() bool { return strings.Contains(strings.Join(readLines(logPath), " "), "complete") })

		// The client disconnects mid-stream: close() is still called.
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET /slowgen?abandoned HTTP/1.1\r\nHost: x\r\n\r\n")
		bufio.NewReader(c).ReadString('\n')
		c.Close()
		waitFor(t, "close() after the client left", func() bool { return strings.Contains(strings.Join(readLines(logPath), " "), "abandoned") })

		code, body := get(t, s.URL("/file"))
		if code != 200 || sha256.Sum256([]byte(body)) != sha256.Sum256(data) {
			t.Fatalf("file_wrapper: %d, %d bytes", code, len(body))
		}
		if _, body := get(t, s.URL("/write")); body != "written returned" {
			t.Fatalf("write(): %q", body)
		}
		resp := raw(t, s.Addr, "HEAD /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if !strings.Contains(resp, "Content-Length: 5242880\r\n") || !strings.HasSuffix(resp, "\r\n\r\n") {
			t.Fatalf("HEAD: %q", resp)
		}
		resp = raw(t, s.Addr, "GET /gen HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if !strings.Contains(resp, "Transfer-Encoding: chunked\r\n") || !strings.HasSuffix(resp, "0\r\n\r\n") {
			t.Fatalf("no Content-Length on HTTP/1.1 must be chunked: %.300q", resp)
		}
	})
}

func TestAppErrors(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		for _, tc := range []struct {
			spec, wantStatus, wantLog string
		}{
			{"errors:before", "HTTP/1.1 500", `(?s)Traceback.*in before\n.*RuntimeError: boom before start_response`},
			{"errors:exc_info", "HTTP/1.1 503", ""},
			{"errors:bad_header", "HTTP/1.1 500", "Error"},
			{"errors:not_bytes", "HTTP/1.1 500", "TypeError: response body items must be bytes"},
		} {
			t.Run(tc.spec, func(t *testing.T) {
				s := start(t, withClass(class, tc.spec)...)
				for i := 0; i < 2; i++ { // the worker keeps serving after the error
					resp := raw(t, s.Addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
					if !strings.HasPrefix(resp, tc.wantStatus) {
						t.Fatalf("got %.200q, want %s", resp, tc.wantStatus)
					}
					if strings.Contains(resp, "X-Injected") {
						t.Fatal("header injection reached the client")
					}
				}
				if tc.wantLog != "" {
					s.waitLog(t, tc.wantLog)
				}
			})
		}
		t.Run("after headers", func(t *testing.T) {
			s := start(t, withClass(class, "errors:after")...)
			resp := raw(t, s.Addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			// Headers and the first chunk went out; then the connection closes
			// without the terminating chunk.
			if !strings.HasPrefix(resp, "HTTP/1.1 200") || !strings.Contains(resp, "partial") || strings.HasSuffix(resp, "0\r\n\r\n") {
				t.Fatalf("got %q", resp)
			}
			s.waitLog(t, "RuntimeError: boom after headers")
		})
	})
}
