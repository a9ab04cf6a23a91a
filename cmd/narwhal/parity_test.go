package main

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// parityRequests are sent byte for byte to narwhal and to gunicorn.
var parityRequests = []string{
	"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
	"GET /a/b/c?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
	"GET /caf%C3%A9?q=%C3%A9 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
	"GET /%E4%B8%AD%20space HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
	"GET /x HTTP/1.0\r\n\r\n",
	"GET /x HTTP/1.0\r\nHost: h10\r\n\r\n",
	"HEAD /head HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
	"DELETE /item/3 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
	"POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\nConnection: close\r\n\r\na=1&b=2",
	"PUT /up HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	"POST /chunked HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n",
	"GET /multi HTTP/1.1\r\nHost: example.com\r\nAccept: text/html\r\naccept: application/json\r\nConnection: close\r\n\r\n",
	"GET /cookies HTTP/1.1\r\nHost: example.com\r\nCookie: a=1\r\nCookie: b=2\r\nConnection: close\r\n\r\n",
	"GET /ua HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept-Language: en-US,en;q=0.9\r\nConnection: close\r\n\r\n",
	"GET /ws HTTP/1.1\r\nHost: example.com\r\nX-Empty:\r\nX-Spaces:   padded   \r\nConnection: close\r\n\r\n",
	"GET /latin HTTP/1.1\r\nHost: example.com\r\nX-Latin: caf\xe9\r\nConnection: close\r\n\r\n",
	"GET /encoded%2Fslash HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
	"GET /q?a=%20b&c=%2B HTTP/1.1\r\nHost: example.com:8080\r\nConnection: close\r\n\r\n",
	"PATCH /p HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\nContent-Length: 2\r\nX-Forwarded-For: 10.0.0.1\r\nConnection: close\r\n\r\n{}",
}

// parityIgnored lists environ keys that differ for reasons that are not
// behaviour differences.
var parityIgnored = map[string]string{
	"SERVER_SOFTWARE": "names the server",
	"SERVER_PORT":     "each server listens on its own port",
	"REMOTE_PORT":     "each connection has its own client port",
	"gunicorn.socket": "gunicorn exposes its Python socket object; narwhal's sockets live in the Go event loop",
	"_types":          "compared separately, without the server-specific class names below",
}

// parityDiff is a value narwhal deliberately gives differently, and why.
type parityDiff struct {
	narwhal, gunicorn any
	why               string
}

// parityJustified lists the values narwhal deliberately gives differently.
var parityJustified = map[string]parityDiff{
	"HTTP_X_SPACES": {"padded", "padded   ", "RFC 9112 §5.1: whitespace around a field value is not part of it; Debian's gunicorn 20.1 keeps trailing whitespace"},
}

// parityTypesIgnored: the same protocol, implemented by different classes.
var parityTypesIgnored = map[string]bool{"wsgi.input": true, "wsgi.errors": true, "wsgi.file_wrapper": true, "gunicorn.socket": true}

// parityByClass lists the values a worker class deliberately gives
// differently from gunicorn's sync worker, the reference for every class.
func parityByClass(class []string) map[string]parityDiff {
	if wantMultithread(class) {
		return map[string]parityDiff{
			"wsgi.multithread": {true, false, "this class runs requests concurrently, gunicorn's sync worker does not (its gthread and gevent workers say true too)"},
		}
	}
	return nil
}

// TestParityWithGunicorn sends each request to Debian's gunicorn (sync
// worker) once and to narwhal under every worker class, and compares the
// environs the app saw.
func TestParityWithGunicorn(t *testing.T) {
	gunicorn, err := exec.LookPath("gunicorn")
	if err != nil {
		t.Fatal("gunicorn (Debian package) not installed: run scripts/deps.sh")
	}
	theirs, err := startBinary(t, gunicorn, "-b", "127.0.0.1:0", "--pythonpath", appsDir(), "environ_echo:app")
	if err != nil {
		t.Fatalf("gunicorn: %v\n%s", err, theirs.Log())
	}
	// gunicorn's answers do not depend on narwhal's class: asked once.
	gunicornEnv := make([]map[string]any, len(parityRequests))
	for i, req := range parityRequests {
		gunicornEnv[i] = parityEnviron(t, theirs, req)
	}
	forEachClass(t, func(t *testing.T, class []string) {
		ours := start(t, withClass(class, "environ_echo:app")...)
		byClass := parityByClass(class)
		for i, req := range parityRequests {
			name := strings.SplitN(req, "\r\n", 2)[0]
			t.Run(name, func(t *testing.T) {
				a, b := parityEnviron(t, ours, req), gunicornEnv[i]
				if a == nil || b == nil {
					if (a == nil) != (b == nil) {
						t.Fatalf("only one server answered 200: narwhal %v, gunicorn %v", a != nil, b != nil)
					}
					return
				}
				keys := map[string]bool{}
				for k := range a {
					keys[k] = true
				}
				for k := range b {
					keys[k] = true
				}
				var sorted []string
				for k := range keys {
					sorted = append(sorted, k)
				}
				sort.Strings(sorted)
				for _, k := range sorted {
					if _, skip := parityIgnored[k]; skip {
						continue
					}
					if parityTypesIgnored[k] {
						if (a[k] == nil) != (b[k] == nil) {
							t.Errorf("%s: present in narwhal %v, gunicorn %v", k, a[k] != nil, b[k] != nil)
						}
						continue
					}
					if j, ok := parityJustified[k]; ok && reflect.DeepEqual(a[k], j.narwhal) && reflect.DeepEqual(b[k], j.gunicorn) {
						continue
					}
					if j, ok := byClass[k]; ok && reflect.DeepEqual(a[k], j.narwhal) && reflect.DeepEqual(b[k], j.gunicorn) {
						continue
					}
					if !reflect.DeepEqual(a[k], b[k]) {
						t.Errorf("%s: narwhal %#v, gunicorn %#v", k, a[k], b[k])
					}
				}
				ta, tb := a["_types"].(map[string]any), b["_types"].(map[string]any)
				for k, v := range tb {
					if !parityTypesIgnored[k] && ta[k] != nil && ta[k] != v {
						t.Errorf("type of %s: narwhal %v, gunicorn %v", k, ta[k], v)
					}
				}
			})
		}
	})
}

// parityEnviron returns the environ the app saw, or nil for a non-200 answer.
func parityEnviron(t *testing.T, s *server, req string) map[string]any {
	t.Helper()
	resp := raw(t, s.Addr, req)
	i := strings.Index(resp, "\r\n\r\n")
	if i < 0 || !strings.Contains(resp[:i], " 200 ") {
		return nil
	}
	body := resp[i+4:]
	if strings.HasPrefix(req, "HEAD") {
		return map[string]any{"_types": map[string]any{}, "HEAD": "no body"}
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("%v: %q", err, body)
	}
	return env
}
