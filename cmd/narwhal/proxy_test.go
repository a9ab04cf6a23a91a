package main

import (
	"bufio"
	binenc "encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Front-end proxies: forwarded_allow_ips with secure_scheme_headers, and
// the PROXY protocol (proxy_protocol, proxy_allow_ips), against the real
// binary and, where Debian's gunicorn 20.1 has the feature, against it.

// proxyResp sends req on a new connection and returns the status and, for
// a 200, the environ environ_echo saw.
func proxyResp(t *testing.T, addr, req string) (int, map[string]any, string) {
	t.Helper()
	out := raw(t, addr, req)
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(out)), nil)
	if err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, nil, string(body)
	}
	var env map[string]any
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("%v: %q", err, body)
	}
	return 200, env, string(body)
}

// getReq is a one-request connection with extra header lines.
func getReq(fields ...string) string {
	return "GET /p HTTP/1.1\r\nHost: example.com\r\n" + strings.Join(fields, "") + "Connection: close\r\n\r\n"
}

func proxyV1(src, dst string, sport, dport int) string {
	proto := "TCP4"
	if strings.Contains(src, ":") {
		proto = "TCP6"
	}
	return "PROXY " + proto + " " + src + " " + dst + " " + strconv.Itoa(sport) + " " + strconv.Itoa(dport) + "\r\n"
}

// proxyV2 is a binary PROXY header for a TCP client src connecting to dst.
func proxyV2(src, dst string) string {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	b := []byte("\r\n\r\n\x00\r\nQUIT\n\x21")
	var addrs []byte
	if s.Addr().Is4() {
		b = append(b, 0x11)
		a, c := s.Addr().As4(), d.Addr().As4()
		addrs = append(a[:], c[:]...)
	} else {
		b = append(b, 0x21)
		a, c := s.Addr().As16(), d.Addr().As16()
		addrs = append(a[:], c[:]...)
	}
	addrs = binenc.BigEndian.AppendUint16(binenc.BigEndian.AppendUint16(addrs, s.Port()), d.Port())
	addrs = append(addrs, 0x04, 0, 2, 'h', 'i') // a NOOP TLV
	b = binenc.BigEndian.AppendUint16(b, uint16(len(addrs)))
	return string(append(b, addrs...))
}

// TestForwardedScheme: X-Forwarded-Proto from an allowed peer sets
// wsgi.url_scheme, contradictions are refused, and a peer outside
// --forwarded-allow-ips is not believed; under every worker class.
func TestForwardedScheme(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		trusted := start(t, withClass(class, "environ_echo:app")...)
		untrusted := start(t, withClass(class, "--forwarded-allow-ips", "10.0.0.0/8,::1", "environ_echo:app")...)
		tests := []struct {
			name      string
			s         *server
			req       string
			status    int
			wantProto string
		}{
			{"allowed https", trusted, getReq("X-Forwarded-Proto: https\r\n"), 200, "https"},
			{"allowed ssl on", trusted, getReq("X-FORWARDED-SSL: on\r\n"), 200, "https"},
			{"allowed http", trusted, getReq("X-Forwarded-Proto: http\r\n"), 200, "http"},
			{"no header", trusted, getReq(), 200, "http"},
			{"contradictory", trusted, getReq("X-Forwarded-Proto: https\r\n", "X-Forwarded-Ssl: off\r\n"), 400, ""},
			{"not allowed", untrusted, getReq("X-Forwarded-Proto: https\r\n"), 200, "http"},
			{"not allowed, contradictory", untrusted, getReq("X-Forwarded-Proto: https\r\n", "X-Forwarded-Ssl: off\r\n"), 200, "http"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, env, body := proxyResp(t, tt.s.Addr, tt.req)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, body)
				}
				if status != 200 {
					if !strings.Contains(body, "Contradictory scheme headers") {
						t.Errorf("body %q", body)
					}
					return
				}
				if env["wsgi.url_scheme"] != tt.wantProto {
					t.Errorf("wsgi.url_scheme = %v, want %s", env["wsgi.url_scheme"], tt.wantProto)
				}
				// The header itself still reaches the app, as in gunicorn.
				if strings.Contains(tt.req, "X-Forwarded-Proto") && env["HTTP_X_FORWARDED_PROTO"] == nil {
					t.Errorf("HTTP_X_FORWARDED_PROTO missing")
				}
			})
		}
	})
}

// TestProxyProtocol: --proxy-protocol takes REMOTE_ADDR and REMOTE_PORT
// from a v1 or v2 header, for every request on the connection.
func TestProxyProtocol(t *testing.T) {
	forEachClass(t, func(t *testing.T, class []string) {
		s := start(t, withClass(class, "--proxy-protocol", "environ_echo:app")...)
		tests := []struct {
			name, req, addr, port string
		}{
			{"v1 tcp4", proxyV1("198.51.100.7", "10.0.0.1", 40001, 443) + getReq(), "198.51.100.7", "40001"},
			{"v1 tcp6", proxyV1("2001:db8::7", "2001:db8::1", 40002, 443) + getReq(), "2001:db8::7", "40002"},
			{"v2 tcp4", proxyV2("198.51.100.8:40003", "10.0.0.1:443") + getReq(), "198.51.100.8", "40003"},
			{"v2 tcp6", proxyV2("[2001:db8::8]:40004", "[2001:db8::1]:443") + getReq(), "2001:db8::8", "40004"},
			{"v1 unknown", "PROXY UNKNOWN\r\n" + getReq(), "127.0.0.1", ""},
			{"no header", getReq(), "127.0.0.1", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, env, body := proxyResp(t, s.Addr, tt.req)
				if status != 200 {
					t.Fatalf("status %d: %s", status, body)
				}
				if env["REMOTE_ADDR"] != tt.addr || (tt.port != "" && env["REMOTE_PORT"] != tt.port) {
					t.Errorf("REMOTE_ADDR %v REMOTE_PORT %v, want %s %s", env["REMOTE_ADDR"], env["REMOTE_PORT"], tt.addr, tt.port)
				}
			})
		}
		t.Run("keep-alive", func(t *testing.T) {
			c, err := net.Dial("tcp", s.Addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			br := bufio.NewReader(c)
			io.WriteString(c, proxyV2("203.0.113.9:50000", "10.0.0.1:443"))
			for i := 0; i < 3; i++ {
				io.WriteString(c, "GET /k HTTP/1.1\r\nHost: example.com\r\n\r\n")
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				var env map[string]any
				err = json.NewDecoder(resp.Body).Decode(&env)
				resp.Body.Close()
				if err != nil || env["REMOTE_ADDR"] != "203.0.113.9" || env["REMOTE_PORT"] != "50000" {
					t.Fatalf("request %d: %v REMOTE_ADDR %v REMOTE_PORT %v", i, err, env["REMOTE_ADDR"], env["REMOTE_PORT"])
				}
			}
		})
	})
}

// TestProxyProtocolRefused: a malformed header is a 400, and a header from
// a peer outside --proxy-allow-from a 403, as gunicorn answers
// InvalidProxyLine and ForbiddenProxyRequest; the connection closes.
func TestProxyProtocolRefused(t *testing.T) {
	allowed := start(t, "--proxy-protocol", "environ_echo:app")
	other := start(t, "--proxy-protocol", "--proxy-allow-from", "10.0.0.0/8", "environ_echo:app")
	tests := []struct {
		name   string
		s      *server
		req    string
		status int
	}{
		{"malformed v1", allowed, "PROXY TCP4 192.168.0.1 192.16...\r\n" + getReq(), 400},
		{"bad port", allowed, proxyV1("1.2.3.4", "5.6.7.8", 65536, 80) + getReq(), 400},
		{"v1 from disallowed peer", other, proxyV1("1.2.3.4", "5.6.7.8", 1, 80) + getReq(), 403},
		{"v2 from disallowed peer", other, proxyV2("1.2.3.4:1", "5.6.7.8:80") + getReq(), 403},
		{"no header from disallowed peer", other, getReq(), 200},
		{"disabled", start(t, "environ_echo:app"), proxyV1("1.2.3.4", "5.6.7.8", 1, 80) + getReq(), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, env, body := proxyResp(t, tt.s.Addr, tt.req)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if status == 200 && env["REMOTE_ADDR"] != "127.0.0.1" {
				t.Errorf("REMOTE_ADDR %v", env["REMOTE_ADDR"])
			}
		})
	}
}

// TestProxyParityWithGunicorn sends the same bytes to Debian's gunicorn
// 20.1 (sync worker; PROXY v1 only, addresses only in its allow lists) and
// to narwhal, and compares the status and the environ keys that matter.
func TestProxyParityWithGunicorn(t *testing.T) {
	gunicorn, err := exec.LookPath("gunicorn")
	if err != nil {
		t.Fatal("gunicorn (Debian package) not installed: run scripts/deps.sh")
	}
	configs := [][]string{
		{"--proxy-protocol"},
		{"--proxy-protocol", "--proxy-allow-from", "10.0.0.1", "--forwarded-allow-ips", "10.0.0.1"},
	}
	requests := []struct{ name, req string }{
		{"plain", getReq()},
		{"proto https", getReq("X-Forwarded-Proto: https\r\n")},
		{"proto http", getReq("X-Forwarded-Proto: http\r\n")},
		{"protocol ssl and ssl on", getReq("X-Forwarded-Protocol: ssl\r\n", "X-Forwarded-Ssl: on\r\n")},
		{"contradictory", getReq("X-Forwarded-Proto: https\r\n", "X-Forwarded-Ssl: off\r\n")},
		{"v1 tcp4", proxyV1("198.51.100.7", "10.0.0.1", 40001, 443) + getReq()},
		{"v1 tcp6", proxyV1("2001:db8::7", "2001:db8::1", 40002, 443) + getReq()},
		{"v1 tcp6 uncompressed, proto https", proxyV1("2001:DB8:0::7", "::1", 1, 2) + getReq("X-Forwarded-Proto: https\r\n")},
		{"v1 gunicorn pp_01", "PROXY TCP4 192.168.0.1 192.16...\r\n" + getReq()},
		{"v1 port out of range", proxyV1("1.2.3.4", "5.6.7.8", 65536, 80) + getReq()},
		{"v1 tcp4 with ipv6 dst", proxyV1("1.2.3.4", "::1", 1, 80) + getReq()},
		{"v1 udp4", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n" + getReq()},
	}
	for _, args := range configs {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			ours := start(t, append(args, "environ_echo:app")...)
			theirs, err := startBinary(t, gunicorn, append(args, "environ_echo:app")...)
			if err != nil {
				t.Fatalf("gunicorn: %v\n%s", err, theirs.Log())
			}
			for _, r := range requests {
				req := r.req
				t.Run(r.name, func(t *testing.T) {
					a, envA, bodyA := proxyResp(t, ours.Addr, req)
					b, envB, bodyB := proxyResp(t, theirs.Addr, req)
					if a != b {
						t.Fatalf("status: narwhal %d (%s), gunicorn %d (%s)", a, bodyA, b, bodyB)
					}
					for _, k := range []string{"REMOTE_ADDR", "REMOTE_PORT", "wsgi.url_scheme", "HTTP_X_FORWARDED_PROTO"} {
						if k == "REMOTE_PORT" && !strings.HasPrefix(req, "PROXY ") {
							continue // each server sees its own ephemeral port
						}
						if envA[k] != envB[k] {
							t.Errorf("%s: narwhal %v, gunicorn %v", k, envA[k], envB[k])
						}
					}
				})
			}
		})
	}
}
