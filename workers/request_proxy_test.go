package workers

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/narwhalhq/narwhal/config"
	"github.com/narwhalhq/narwhal/eventloop"
	"github.com/narwhalhq/narwhal/eventloop/http1"
	"github.com/narwhalhq/narwhal/wsgi"
)

func parseConfig(t *testing.T, env map[string]string, args ...string) *config.Config {
	t.Helper()
	cfg, err := config.Parse(append(args, "app:app"), func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func allows(l *eventloop.AllowList, peers ...string) []bool {
	var out []bool
	for _, p := range peers {
		out = append(out, l.Allows(netip.MustParseAddr(p)))
	}
	return out
}

func TestUnitProxyOfDefaults(t *testing.T) {
	p := proxyOf(parseConfig(t, nil))
	if p.Protocol {
		t.Error("proxy_protocol on by default")
	}
	peers := []string{"127.0.0.1", "::1", "10.0.0.1", "127.0.0.2"}
	want := []bool{true, true, false, false}
	if got := allows(p.ForwardedAllow, peers...); !reflect.DeepEqual(got, want) {
		t.Errorf("forwarded_allow_ips allows %v = %v, want %v", peers, got, want)
	}
	if got := allows(p.ProtocolAllow, peers...); !reflect.DeepEqual(got, want) {
		t.Errorf("proxy_allow_ips allows %v = %v, want %v", peers, got, want)
	}
	wantHdrs := []eventloop.SchemeHeader{{Name: "X-FORWARDED-PROTO", Value: "https"},
		{Name: "X-FORWARDED-PROTOCOL", Value: "ssl"}, {Name: "X-FORWARDED-SSL", Value: "on"}}
	if !reflect.DeepEqual(p.SchemeHeaders, wantHdrs) {
		t.Errorf("secure_scheme_headers = %v, want %v", p.SchemeHeaders, wantHdrs)
	}
}

func TestUnitProxyOfSettings(t *testing.T) {
	p := proxyOf(parseConfig(t, map[string]string{"FORWARDED_ALLOW_IPS": "192.168.0.0/16, 10.0.0.7"},
		"--proxy-protocol", "--proxy-allow-from", "*"))
	if !p.Protocol {
		t.Error("--proxy-protocol not applied")
	}
	peers := []string{"192.168.44.1", "10.0.0.7", "127.0.0.1", "2001:db8::1"}
	if got, want := allows(p.ForwardedAllow, peers...), []bool{true, true, false, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("$FORWARDED_ALLOW_IPS allows %v = %v, want %v", peers, got, want)
	}
	if got, want := allows(p.ProtocolAllow, peers...), []bool{true, true, true, true}; !reflect.DeepEqual(got, want) {
		t.Errorf("--proxy-allow-from * allows %v = %v, want %v", peers, got, want)
	}
	// The command line beats the environment, as in gunicorn.
	p = proxyOf(parseConfig(t, map[string]string{"FORWARDED_ALLOW_IPS": "*"}, "--forwarded-allow-ips", "2001:db8::/32"))
	if got, want := allows(p.ForwardedAllow, peers...), []bool{false, false, false, true}; !reflect.DeepEqual(got, want) {
		t.Errorf("--forwarded-allow-ips allows %v = %v, want %v", peers, got, want)
	}
}

// exchangeFor parses raw into an Exchange from remote on local.
func exchangeFor(t *testing.T, raw string, remote, local *eventloop.Endpoint, scheme []byte) *eventloop.Exchange {
	t.Helper()
	ex := &eventloop.Exchange{Remote: remote, Local: local, Scheme: scheme}
	p := http1.NewParser(http1.DefaultLimits())
	if _, err := p.Parse([]byte(raw), &ex.Req); err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestUnitFillRequestProxy(t *testing.T) {
	tcp := &eventloop.Endpoint{Host: []byte("10.0.0.1"), Port: 8000}
	unix := &eventloop.Endpoint{Host: []byte("/run/app.sock"), Port: -1, Unix: true}
	client := &eventloop.Endpoint{Host: []byte("203.0.113.5"), Port: 40000} // as a PROXY header left it
	tests := []struct {
		name                 string
		local                *eventloop.Endpoint
		scheme               []byte
		host                 string
		wantScheme, wantPort string
		wantName             string
	}{
		{"no forwarded scheme", tcp, nil, "x", "http", "8000", "10.0.0.1"},
		{"forwarded https", tcp, []byte("https"), "x", "https", "8000", "10.0.0.1"},
		{"forwarded http", tcp, []byte("http"), "x", "http", "8000", "10.0.0.1"},
		// gunicorn wsgi.create: a unix socket's port comes from the Host
		// header, else 443 or 80 by scheme.
		{"unix https", unix, []byte("https"), "example.com", "https", "443", "example.com"},
		{"unix http", unix, nil, "example.com", "http", "80", "example.com"},
		{"unix host port", unix, []byte("https"), "example.com:8443", "https", "8443", "example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := exchangeFor(t, "GET / HTTP/1.1\r\nHost: "+tt.host+"\r\n\r\n", client, tt.local, tt.scheme)
			var r wsgi.Request
			fillRequest(&r, ex, []byte("http"))
			if string(r.URLScheme) != tt.wantScheme || string(r.ServerPort) != tt.wantPort || string(r.ServerName) != tt.wantName {
				t.Errorf("scheme %q, server %q:%q; want %q, %q:%q", r.URLScheme, r.ServerName, r.ServerPort, tt.wantScheme, tt.wantName, tt.wantPort)
			}
			if string(r.RemoteAddr) != "203.0.113.5" || r.RemotePort != 40000 {
				t.Errorf("remote %q:%d", r.RemoteAddr, r.RemotePort)
			}
		})
	}
}

func TestUnitProxyOfForwarders(t *testing.T) {
	name := []byte("Script_Name")
	if p := proxyOf(parseConfig(t, nil)); !p.Forwarders.Keeps(name) || !p.Forwarders.Keeps([]byte("PATH_INFO")) ||
		p.Forwarders.Keeps([]byte("REMOTE_USER")) {
		t.Errorf("default forwarder_headers: %+v", p.Forwarders)
	}
	if p := proxyOf(parseConfig(t, nil, "--forwarder-headers", "REMOTE_USER")); p.Forwarders.Keeps(name) ||
		!p.Forwarders.Keeps([]byte("remote_user")) {
		t.Errorf("--forwarder-headers REMOTE_USER: %+v", p.Forwarders)
	}
}

func TestUnitFillRequestScriptName(t *testing.T) {
	local := &eventloop.Endpoint{Host: []byte("10.0.0.1"), Port: 8000}
	remote := &eventloop.Endpoint{Host: []byte("127.0.0.1"), Port: 1}
	tests := []struct {
		name, fields string
		want         string
		set          bool
	}{
		{"none", "", "", false},
		{"one", "script_name: /a\r\n", "/a", true},
		{"last wins", "SCRIPT_NAME: /a\r\nSCRIPT_NAME: /b\r\n", "/b", true},
		{"empty", "SCRIPT_NAME:\r\n", "", true},
		{"hyphen is another header", "Script-Name: /a\r\n", "", false},
	}
	var r wsgi.Request
	for _, tt := range tests {
		lim := http1.DefaultLimits()
		lim.HeaderMap = http1.HeaderMapDangerous // keep '_' names, as a trusted peer's would be
		ex := &eventloop.Exchange{Remote: remote, Local: local}
		if _, err := http1.NewParser(lim).Parse([]byte("GET /a/x HTTP/1.1\r\nHost: h\r\n"+tt.fields+"\r\n"), &ex.Req); err != nil {
			t.Fatal(err)
		}
		fillRequest(&r, ex, []byte("http"))
		if string(r.ScriptName) != tt.want || r.ScriptNameSet != tt.set {
			t.Errorf("%s: ScriptName %q set %v, want %q %v", tt.name, r.ScriptName, r.ScriptNameSet, tt.want, tt.set)
		}
	}
}
