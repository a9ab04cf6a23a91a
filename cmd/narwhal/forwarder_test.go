package main

import (
	"os/exec"
	"strings"
	"testing"
)

// forwarder_headers: SCRIPT_NAME (and other '_' names) from a peer in
// forwarded_allow_ips, against the real binary and Debian's gunicorn 20.1.

// scriptReq is a one-request connection for target with extra header lines.
func scriptReq(target string, fields ...string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: example.com\r\n" + strings.Join(fields, "") + "Connection: close\r\n\r\n"
}

// TestForwarderHeaders: a trusted client's SCRIPT_NAME header sets
// SCRIPT_NAME and is stripped from PATH_INFO (gunicorn 23); unlisted '_'
// names still meet header_map; a client outside --forwarded-allow-ips is
// treated as header_map says. Under every worker class (the hub classes
// pack requests on their own path).
func TestForwarderHeaders(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		trusted := start(t, withClass(class, "environ_echo:app")...)
		untrusted := start(t, withClass(class, "--forwarded-allow-ips", "10.0.0.0/8", "environ_echo:app")...)
		refuse := start(t, withClass(class, "--forwarded-allow-ips", "10.0.0.0/8", "--header-map", "refuse", "environ_echo:app")...)
		listed := start(t, withClass(class, "--forwarder-headers", "SCRIPT_NAME,REMOTE_USER", "--header-map", "refuse", "environ_echo:app")...)
		tests := []struct {
			name     string
			s        *server
			req      string
			status   int
			script   string
			pathInfo string
			want     map[string]any // further keys; nil value: absent
		}{
			{"trusted", trusted, scriptReq("/app/x%20y", "SCRIPT_NAME: /app\r\n"), 200, "/app", "/x y",
				map[string]any{"HTTP_SCRIPT_NAME": "/app"}},
			{"trusted lower-case name", trusted, scriptReq("/app/x", "script_name: /app\r\n"), 200, "/app", "/x", nil},
			{"trusted, unlisted dropped", trusted, scriptReq("/app/x", "SCRIPT_NAME: /app\r\n", "REMOTE_USER: bob\r\n"), 200, "/app", "/x",
				map[string]any{"HTTP_REMOTE_USER": nil}},
			{"trusted PATH_INFO is only HTTP_PATH_INFO", trusted, scriptReq("/a/b", "PATH_INFO: /z\r\n"), 200, "", "/a/b",
				map[string]any{"HTTP_PATH_INFO": "/z"}},
			{"trusted, path without it", trusted, scriptReq("/other", "SCRIPT_NAME: /app\r\n"), 500, "", "", nil},
			{"untrusted dropped", untrusted, scriptReq("/app/x", "SCRIPT_NAME: /app\r\n"), 200, "", "/app/x",
				map[string]any{"HTTP_SCRIPT_NAME": nil}},
			{"untrusted refused", refuse, scriptReq("/app/x", "SCRIPT_NAME: /app\r\n"), 400, "", "", nil},
			{"listed", listed, scriptReq("/app/x", "SCRIPT_NAME: /app\r\n", "Remote_User: bob\r\n"), 200, "/app", "/x",
				map[string]any{"HTTP_REMOTE_USER": "bob", "REMOTE_USER": nil}},
			{"listed, unlisted refused", listed, scriptReq("/app/x", "X_Y: 1\r\n"), 400, "", "", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, env, body := proxyResp(t, tt.s.Addr, tt.req)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, body)
				}
				if status != 200 {
					return
				}
				if env["SCRIPT_NAME"] != tt.script || env["PATH_INFO"] != tt.pathInfo {
					t.Errorf("SCRIPT_NAME %q PATH_INFO %q, want %q %q", env["SCRIPT_NAME"], env["PATH_INFO"], tt.script, tt.pathInfo)
				}
				for k, w := range tt.want {
					if got, ok := env[k]; w == nil && ok {
						t.Errorf("%s = %v, want absent", k, got)
					} else if w != nil && got != w {
						t.Errorf("%s = %v, want %v", k, got, w)
					}
				}
			})
		}
	})
}

// TestForwarderParityWithGunicorn compares SCRIPT_NAME handling with
// Debian's gunicorn 20.1 for a trusted client. 20.1 predates
// forwarder_headers and header_map: it honours a SCRIPT_NAME header from
// any client and strips it with path.split(script_name, 1)[1], so only
// requests where that agrees with gunicorn 23's startswith are compared
// (a path without it is a 500 in both: 20.1 by IndexError).
func TestForwarderParityWithGunicorn(t *testing.T) {
	gunicorn, err := exec.LookPath("gunicorn")
	if err != nil {
		t.Fatal("gunicorn (Debian package) not installed: run scripts/deps.sh")
	}
	ours := start(t, "environ_echo:app")
	theirs, err := startBinary(t, gunicorn, "environ_echo:app")
	if err != nil {
		t.Fatalf("gunicorn: %v\n%s", err, theirs.Log())
	}
	requests := []struct{ name, req string }{
		{"no header", scriptReq("/app/x")},
		{"prefix", scriptReq("/app/x%20y?q=1", "SCRIPT_NAME: /app\r\n")},
		{"whole path", scriptReq("/app", "SCRIPT_NAME: /app\r\n")},
		{"lower-case name", scriptReq("/app/x", "Script_Name: /app\r\n")},
		{"last wins", scriptReq("/b/x", "SCRIPT_NAME: /a\r\n", "SCRIPT_NAME: /b\r\n")},
		{"path without it", scriptReq("/other", "SCRIPT_NAME: /app\r\n")},
	}
	for _, r := range requests {
		t.Run(r.name, func(t *testing.T) {
			a, envA, bodyA := proxyResp(t, ours.Addr, r.req)
			b, envB, bodyB := proxyResp(t, theirs.Addr, r.req)
			if a != b {
				t.Fatalf("status: narwhal %d (%s), gunicorn %d (%s)", a, bodyA, b, bodyB)
			}
			for _, k := range []string{"SCRIPT_NAME", "PATH_INFO", "HTTP_SCRIPT_NAME", "QUERY_STRING"} {
				if envA[k] != envB[k] {
					t.Errorf("%s: narwhal %v, gunicorn %v", k, envA[k], envB[k])
				}
			}
		})
	}
}
