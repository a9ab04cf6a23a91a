package eventloop

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/narwhalhq/narwhal/eventloop/http1"
)

func TestAllowList(t *testing.T) {
	tests := []struct {
		name    string
		entries []string
		allow   []string // peers allowed; "" is a unix socket
		deny    []string
	}{
		{"gunicorn default", []string{"127.0.0.1", "::1"},
			[]string{"127.0.0.1", "::1", "::ffff:127.0.0.1", ""}, []string{"127.0.0.2", "10.0.0.1", "::2", "0.0.0.0"}},
		{"star", []string{"*"}, []string{"1.2.3.4", "2001:db8::1", ""}, nil},
		{"star among others", []string{"10.0.0.1", "*"}, []string{"1.2.3.4"}, nil},
		{"empty", nil, []string{""}, []string{"127.0.0.1", "::1"}},
		{"ipv4 network", []string{"10.0.0.0/8", "192.168.1.0/24"},
			[]string{"10.255.0.1", "192.168.1.77", "::ffff:10.1.1.1"}, []string{"11.0.0.1", "192.168.2.1", "::a00:1"}},
		{"ipv6 network", []string{"2001:db8::/32"}, []string{"2001:db8:ffff::1"}, []string{"2001:db9::1", "10.0.0.1"}},
		{"mapped entry", []string{"::ffff:10.0.0.0/104"}, []string{"10.9.9.9"}, []string{"11.0.0.1"}},
		{"host routes", []string{"10.0.0.1/32", "::1/128"}, []string{"10.0.0.1", "::1"}, []string{"10.0.0.2"}},
		{"zero network", []string{"0.0.0.0/0"}, []string{"1.2.3.4", "::ffff:1.2.3.4"}, []string{"::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ParseAllowList(tt.entries)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []bool{true, false} {
				peers := tt.allow
				if !want {
					peers = tt.deny
				}
				for _, p := range peers {
					var a netip.Addr
					if p != "" {
						a = netip.MustParseAddr(p)
					}
					if got := l.Allows(a); got != want {
						t.Errorf("Allows(%q) = %v, want %v", p, got, want)
					}
				}
			}
		})
	}
}

func TestAllowListErrors(t *testing.T) {
	for entry, want := range map[string]string{
		"10.0.0.1/8":     "10.0.0.1/8 has host bits set",
		"example.com":    "'example.com' does not appear to be an IPv4 or IPv6 network",
		"10.0.0.0/33":    "'10.0.0.0/33' does not appear to be an IPv4 or IPv6 network",
		"2001:db8::1/32": "2001:db8::1/32 has host bits set",
		"":               "'' does not appear to be an IPv4 or IPv6 network",
	} {
		if _, err := ParseAllowList([]string{"127.0.0.1", entry}); err == nil || err.Error() != want {
			t.Errorf("%q: err = %v, want %q", entry, err, want)
		}
	}
}

func TestAllowListAllocs(t *testing.T) {
	l, _ := ParseAllowList([]string{"10.0.0.0/8", "2001:db8::/32", "127.0.0.1"})
	peer := netip.MustParseAddr("::ffff:127.0.0.1")
	if n := testing.AllocsPerRun(100, func() { l.Allows(peer) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

// recorder keeps what the handler saw of each request, without answering.
type recorder struct{ seen []string }

func (r *recorder) ServeExchange(ex *Exchange) {
	r.seen = append(r.seen, fmt.Sprintf("%s %s:%d %s", ex.Req.Bytes(ex.Req.Target), ex.Remote.Host, ex.Remote.Port, ex.Scheme))
}

// newTestConn is a connection from peer without gnet, fed by calling
// input directly, so a test chooses exactly how the bytes are split.
func newTestConn(cfg Config, peer net.Addr, h Handler) *conn {
	s := New(cfg, h)
	c := &conn{srv: s, remote: endpointOf(peer)}
	c.parser = *http1.NewParser(s.cfg.Limits)
	c.req.ContentLength = -1
	c.drained.L = &c.mu
	c.initProxy(peer)
	return c
}

// outcome is what a connection made of its input: the requests handled, and
// the canned error it failed with, if any.
func outcome(c *conn, r *recorder) string {
	out := strings.Join(r.seen, "|")
	for _, ex := range c.queue {
		if ex.state == exDone && len(ex.out) > 0 {
			out += " => " + string(ex.out[:bytes.IndexByte(ex.out, '\r')])
		}
	}
	return out
}

var loopback = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}

func proxyV2(fam byte, addrs []byte, cmd byte) []byte {
	b := append([]byte("\r\n\r\n\x00\r\nQUIT\n"), 0x20|cmd, fam, 0, 0)
	b = append(b, addrs...)
	binary.BigEndian.PutUint16(b[14:], uint16(len(addrs)))
	return b
}

func v2tcp6(src, dst string, sport, dport uint16) []byte {
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	a := binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(append(s[:], d[:]...), sport), dport)
	return proxyV2(0x21, a, 1)
}

const twoGets = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"

func TestProxyProtocolInput(t *testing.T) {
	on := Config{Proxy: Proxy{Protocol: true}}
	tenOnly, _ := ParseAllowList([]string{"10.0.0.0/8"})
	unix := &net.UnixAddr{Name: "/run/x.sock", Net: "unix"}
	tests := []struct {
		name string
		cfg  Config
		peer net.Addr
		in   string
		want string
	}{
		{"v1 tcp4 applies to every request", on, loopback, "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n" + twoGets,
			"/a 192.168.0.1:56324 |/b 192.168.0.1:56324 "},
		{"v1 tcp6 verbatim", on, loopback, "PROXY TCP6 2001:DB8::1 2001:db8::2 1 2\r\n" + twoGets,
			"/a 2001:DB8::1:1 |/b 2001:DB8::1:1 "},
		{"v2 tcp6", on, loopback, string(v2tcp6("2001:db8::7", "::1", 4000, 80)) + twoGets,
			"/a 2001:db8::7:4000 |/b 2001:db8::7:4000 "},
		{"v2 tcp4 mapped in tcp6", on, loopback, string(v2tcp6("::ffff:10.1.2.3", "::1", 9, 80)) + twoGets,
			"/a ::ffff:10.1.2.3:9 |/b ::ffff:10.1.2.3:9 "},
		{"v1 unknown keeps the peer", on, loopback, "PROXY UNKNOWN\r\n" + twoGets,
			"/a 127.0.0.1:5555 |/b 127.0.0.1:5555 "},
		{"v2 local keeps the peer", on, loopback, string(proxyV2(0, nil, 0)) + twoGets,
			"/a 127.0.0.1:5555 |/b 127.0.0.1:5555 "},
		{"no header is fine", on, loopback, twoGets, "/a 127.0.0.1:5555 |/b 127.0.0.1:5555 "},
		{"leading CRLF is not a header", on, loopback, "\r\n" + twoGets, "/a 127.0.0.1:5555 |/b 127.0.0.1:5555 "},
		{"only the first bytes", on, loopback, twoGets + "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
			"/a 127.0.0.1:5555 |/b 127.0.0.1:5555  => HTTP/1.1 400 Bad Request"},
		{"unix peer allowed", on, unix, "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n" + twoGets, "/a 1.2.3.4:1 |/b 1.2.3.4:1 "},
		{"v1 malformed", on, loopback, "PROXY TCP4 192.168.0.1 192.16...\r\n" + twoGets, " => HTTP/1.1 400 Bad Request"},
		{"v1 too long", on, loopback, "PROXY UNKNOWN " + strings.Repeat("x", 100) + "\r\n" + twoGets, " => HTTP/1.1 400 Bad Request"},
		{"v2 udp", on, loopback, string(proxyV2(0x12, make([]byte, 12), 1)) + twoGets, " => HTTP/1.1 400 Bad Request"},
		{"v1 from disallowed peer", Config{Proxy: Proxy{Protocol: true, ProtocolAllow: tenOnly}}, loopback,
			"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n" + twoGets, " => HTTP/1.1 403 Forbidden"},
		{"v2 from disallowed peer", Config{Proxy: Proxy{Protocol: true, ProtocolAllow: tenOnly}}, loopback,
			string(v2tcp6("::1", "::1", 1, 2)) + twoGets, " => HTTP/1.1 403 Forbidden"},
		{"malformed from disallowed peer", Config{Proxy: Proxy{Protocol: true, ProtocolAllow: tenOnly}}, loopback,
			"PROXY garbage\r\n", " => HTTP/1.1 403 Forbidden"},
		{"disallowed peer without header", Config{Proxy: Proxy{Protocol: true, ProtocolAllow: tenOnly}}, loopback,
			twoGets, "/a 127.0.0.1:5555 |/b 127.0.0.1:5555 "},
		{"off: a PROXY line is a bad request", Config{}, loopback, "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n" + twoGets,
			" => HTTP/1.1 400 Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole := func() string {
				r := &recorder{}
				c := newTestConn(tt.cfg, tt.peer, r)
				c.input([]byte(tt.in))
				// A served request was a first request: the connection
				// no longer waits for one (housekeep's grace).
				if strings.HasPrefix(tt.want, "/") && !c.gotInput.Load() {
					t.Errorf("input %q: still waiting for a first request", tt.in)
				}
				return outcome(c, r)
			}()
			if whole != tt.want {
				t.Fatalf("got  %q\nwant %q", whole, tt.want)
			}
			// Split at every offset, and byte by byte: the same outcome.
			for k := 0; k <= len(tt.in); k++ {
				r := &recorder{}
				c := newTestConn(tt.cfg, tt.peer, r)
				c.input([]byte(tt.in[:k]))
				c.input([]byte(tt.in[k:]))
				if got := outcome(c, r); got != whole {
					t.Fatalf("split at %d: got %q, want %q", k, got, whole)
				}
			}
			r := &recorder{}
			c := newTestConn(tt.cfg, tt.peer, r)
			for i := 0; i < len(tt.in); i++ {
				c.input([]byte{tt.in[i]})
			}
			if got := outcome(c, r); got != whole {
				t.Fatalf("byte by byte: got %q, want %q", got, whole)
			}
		})
	}
}

// A partial header is held, bounded, and not mistaken for a request.
func TestProxyProtocolPartialHeader(t *testing.T) {
	r := &recorder{}
	c := newTestConn(Config{Proxy: Proxy{Protocol: true}}, loopback, r)
	c.input([]byte("PROXY TCP4 1.2.3.4 5.6."))
	if !c.proxyPending || len(c.inbuf) != 23 || c.gotInput.Load() || c.lastRead.Load() == 0 {
		t.Fatalf("pending %v, held %d, gotInput %v, lastRead %d", c.proxyPending, len(c.inbuf), c.gotInput.Load(), c.lastRead.Load())
	}
	c.input([]byte("7.8 1 2\r\n"))
	if c.proxyPending || len(c.inbuf) != 0 || c.gotInput.Load() {
		t.Fatalf("after the header: pending %v, held %d, gotInput %v", c.proxyPending, len(c.inbuf), c.gotInput.Load())
	}
	if string(c.remote.Host) != "1.2.3.4" || c.remote.Port != 1 {
		t.Fatalf("remote %s:%d", c.remote.Host, c.remote.Port)
	}
}

func TestSecureSchemeHeaders(t *testing.T) {
	gunicornDefault := []SchemeHeader{{"X-FORWARDED-PROTOCOL", "ssl"}, {"X-FORWARDED-PROTO", "https"}, {"X-FORWARDED-SSL", "on"}}
	on := Config{Proxy: Proxy{SchemeHeaders: gunicornDefault}}
	tenOnly, _ := ParseAllowList([]string{"10.0.0.0/8"})
	all, _ := ParseAllowList([]string{"*"})
	get := func(fields ...string) string {
		return "GET /a HTTP/1.1\r\nHost: x\r\n" + strings.Join(fields, "") + "\r\n"
	}
	tests := []struct {
		name string
		cfg  Config
		peer net.Addr
		in   string
		want string
	}{
		{"https", on, loopback, get("X-Forwarded-Proto: https\r\n"), "/a 127.0.0.1:5555 https"},
		{"names are case-insensitive", on, loopback, get("x-forwarded-ssl: on\r\n"), "/a 127.0.0.1:5555 https"},
		{"values are not", on, loopback, get("X-Forwarded-Proto: HTTPS\r\n"), "/a 127.0.0.1:5555 http"},
		{"http", on, loopback, get("X-Forwarded-Protocol: tls\r\n"), "/a 127.0.0.1:5555 http"},
		{"none", on, loopback, get("X-Other: https\r\n"), "/a 127.0.0.1:5555 "},
		{"agreeing", on, loopback, get("X-Forwarded-Proto: https\r\n", "X-Forwarded-Ssl: on\r\n", "X-Forwarded-Protocol: ssl\r\n"),
			"/a 127.0.0.1:5555 https"},
		{"agreeing on http", on, loopback, get("X-Forwarded-Proto: http\r\n", "X-Forwarded-Ssl: off\r\n"), "/a 127.0.0.1:5555 http"},
		{"contradictory", on, loopback, get("X-Forwarded-Proto: https\r\n", "X-Forwarded-Ssl: off\r\n"),
			" => HTTP/1.1 400 Bad Request"},
		{"repeated and contradictory", on, loopback, get("X-Forwarded-Proto: https\r\n", "X-Forwarded-Proto: http\r\n"),
			" => HTTP/1.1 400 Bad Request"},
		{"untrusted peer: ignored", Config{Proxy: Proxy{SchemeHeaders: gunicornDefault, ForwardedAllow: tenOnly}}, loopback,
			get("X-Forwarded-Proto: https\r\n"), "/a 127.0.0.1:5555 "},
		{"untrusted peer: not even contradictions", Config{Proxy: Proxy{SchemeHeaders: gunicornDefault, ForwardedAllow: tenOnly}}, loopback,
			get("X-Forwarded-Proto: https\r\n", "X-Forwarded-Ssl: off\r\n"), "/a 127.0.0.1:5555 "},
		{"trusted network", Config{Proxy: Proxy{SchemeHeaders: gunicornDefault, ForwardedAllow: tenOnly}}, &net.TCPAddr{IP: net.IPv4(10, 1, 1, 1), Port: 7},
			get("X-Forwarded-Proto: https\r\n"), "/a 10.1.1.1:7 https"},
		{"star", Config{Proxy: Proxy{SchemeHeaders: gunicornDefault, ForwardedAllow: all}}, &net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 7},
			get("X-Forwarded-Proto: https\r\n"), "/a 2001:db8::1:7 https"},
		{"unix peer trusted", Config{Proxy: Proxy{SchemeHeaders: gunicornDefault, ForwardedAllow: tenOnly}}, &net.UnixAddr{Name: "s", Net: "unix"},
			get("X-Forwarded-Proto: https\r\n"), "/a s:-1 https"},
		{"lower-case key never matches", Config{Proxy: Proxy{SchemeHeaders: []SchemeHeader{{"x-proto", "https"}}}}, loopback,
			get("x-proto: https\r\n"), "/a 127.0.0.1:5555 "},
		{"custom header", Config{Proxy: Proxy{SchemeHeaders: []SchemeHeader{{"X-SCHEME", "https"}}}}, loopback,
			get("X-Scheme: https\r\n", "X-Forwarded-Proto: http\r\n"), "/a 127.0.0.1:5555 https"},
		{"trusted PROXY client does not change trust", Config{Proxy: Proxy{Protocol: true, SchemeHeaders: gunicornDefault}}, loopback,
			"PROXY TCP4 203.0.113.9 10.0.0.1 1 2\r\n" + get("X-Forwarded-Proto: https\r\n"), "/a 203.0.113.9:1 https"},
		{"per request", on, loopback, get("X-Forwarded-Proto: https\r\n") + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n",
			"/a 127.0.0.1:5555 https|/b 127.0.0.1:5555 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			c := newTestConn(tt.cfg, tt.peer, r)
			c.input([]byte(tt.in))
			if got := outcome(c, r); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSecureSchemeHeadersAllocs(t *testing.T) {
	r := &recorder{}
	c := newTestConn(Config{Proxy: Proxy{SchemeHeaders: []SchemeHeader{{"X-FORWARDED-PROTOCOL", "ssl"}, {"X-FORWARDED-PROTO", "https"}, {"X-FORWARDED-SSL", "on"}}}}, loopback, r)
	in := []byte("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nAccept: */*\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Ssl: on\r\n\r\n")
	if _, err := c.parser.Parse(in, &c.req); err != nil {
		t.Fatal(err)
	}
	var got []byte
	if n := testing.AllocsPerRun(100, func() { got, _ = c.forwardedScheme() }); n != 0 || string(got) != "https" {
		t.Errorf("%v allocations, scheme %q; want 0, https", n, got)
	}
}

// End to end through gnet: a PROXY v1 header, then keep-alive requests,
// and trusted scheme headers.
func TestProxyProtocolServer(t *testing.T) {
	whoami := HandlerFunc(func(ex *Exchange) {
		body := []byte(string(ex.Remote.Host) + " " + strconv.Itoa(ex.Remote.Port) + " " + string(ex.Scheme))
		ex.WriteHead(200, []byte("200 OK"), nil, int64(len(body)), false)
		ex.Write(body)
		ex.Finish()
	})
	_, addr := startServer(t, Config{Proxy: Proxy{Protocol: true, SchemeHeaders: []SchemeHeader{{"X-FORWARDED-PROTO", "https"}}}}, whoami)
	c, br := dial(t, addr)
	// The header and the first request in separate writes, split mid-header.
	fmt.Fprint(c, "PROXY TCP4 198.51.100.7 ")
	fmt.Fprint(c, "10.0.0.1 40000 443\r\nGET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: https\r\n\r\n")
	if _, body := readResp(t, br, "GET"); body != "198.51.100.7 40000 https" {
		t.Fatalf("first request: %q", body)
	}
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := readResp(t, br, "GET"); body != "198.51.100.7 40000 " {
		t.Fatalf("second request: %q", body)
	}

	c2, br2 := dial(t, addr)
	c2.Write(append(v2tcp6("2001:db8::9", "::1", 5, 80), "GET / HTTP/1.1\r\nHost: x\r\n\r\n"...))
	if _, body := readResp(t, br2, "GET"); body != "2001:db8::9 5 " {
		t.Fatalf("v2: %q", body)
	}

	c3, br3 := dial(t, addr)
	fmt.Fprint(c3, "PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := readResp(t, br3, "GET")
	if resp.StatusCode != 400 || !resp.Close || !strings.Contains(body, "PROXY") {
		t.Fatalf("malformed header: %d close=%v %q", resp.StatusCode, resp.Close, body)
	}
}
