package http1

import (
	"strings"
	"testing"
)

// TestLenientSwitches checks each of gunicorn's leniency switches off and
// on: the status, and for accepted heads what the application would see.
// Every case is also checked for split invariance.
func TestLenientSwitches(t *testing.T) {
	def := DefaultLimits()
	with := func(set func(*Limits)) Limits { l := def; set(&l); return l }
	strip := with(func(l *Limits) { l.StripHeaderSpaces = true })
	method := with(func(l *Limits) { l.PermitUnconventionalMethod = true })
	version := with(func(l *Limits) { l.PermitUnconventionalVersion = true })
	fold := with(func(l *Limits) { l.CasefoldMethod = true })
	methodFold := with(func(l *Limits) { l.PermitUnconventionalMethod, l.CasefoldMethod = true, true })
	tests := []struct {
		name         string
		lim          Limits
		in           string
		status       int
		method       string // accepted heads only
		major, minor uint8
		field0       string // name of the first kept field, if any
	}{
		// strip_header_spaces
		{name: "space before colon off", lim: def, in: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", status: 400},
		{name: "space before colon on", lim: strip, in: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", method: "GET", major: 1, minor: 1, field0: "Host"},
		{name: "tabs and spaces before colon on", lim: strip, in: "GET / HTTP/1.1\r\nHost\t \t: a\r\n\r\n", method: "GET", major: 1, minor: 1, field0: "Host"},
		{name: "stripped te is framing", lim: strip, in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding : chunked\r\n\r\n", status: 400},
		{name: "stripped host is the host", lim: strip, in: "GET / HTTP/1.1\r\nHost : a\r\nHost: b\r\n\r\n", status: 400},
		{name: "space inside name on", lim: strip, in: "GET / HTTP/1.1\r\nHo st: a\r\n\r\n", status: 400},
		{name: "strip counts toward field size", lim: with(func(l *Limits) { l.StripHeaderSpaces, l.FieldSize = true, 8 }), in: "GET / HTTP/1.1\r\nHost  : a\r\n\r\n", status: 431},

		// permit_unconventional_http_method
		{name: "lowercase off", lim: def, in: "get / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
		{name: "lowercase on", lim: method, in: "get / HTTP/1.1\r\nHost: a\r\n\r\n", method: "get", major: 1, minor: 1, field0: "Host"},
		{name: "two bytes off", lim: def, in: "GO / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
		{name: "two bytes on", lim: method, in: "GO / HTTP/1.1\r\nHost: a\r\n\r\n", method: "GO", major: 1, minor: 1, field0: "Host"},
		{name: "20 bytes off", lim: def, in: strings.Repeat("A", 20) + " / HTTP/1.1\r\nHost: a\r\n\r\n", method: strings.Repeat("A", 20), major: 1, minor: 1, field0: "Host"},
		{name: "21 bytes off", lim: def, in: strings.Repeat("A", 21) + " / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
		{name: "21 bytes on", lim: method, in: strings.Repeat("A", 21) + " / HTTP/1.1\r\nHost: a\r\n\r\n", method: strings.Repeat("A", 21), major: 1, minor: 1, field0: "Host"},
		{name: "hash off", lim: def, in: "#GET / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
		{name: "hash on", lim: method, in: "#GET / HTTP/1.1\r\nHost: a\r\n\r\n", method: "#GET", major: 1, minor: 1, field0: "Host"},
		{name: "non-token on", lim: method, in: "GE{T / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
		{name: "lowercase connect is not CONNECT", lim: method, in: "connect a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n", status: 400},

		// casefold_http_method
		{name: "casefold alone refuses lowercase", lim: fold, in: "get / HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},
		{name: "casefold alone keeps upper", lim: fold, in: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", method: "GET", major: 1, minor: 1, field0: "Host"},
		{name: "casefold with unconventional", lim: methodFold, in: "pAtCh / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", method: "PATCH", major: 1, minor: 1, field0: "Host"},
		{name: "casefold then connect", lim: methodFold, in: "connect a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n", method: "CONNECT", major: 1, minor: 1, field0: "Host"},
		{name: "casefold keeps specials", lim: methodFold, in: "m-search.x_y~1 / HTTP/1.1\r\nHost: a\r\n\r\n", method: "M-SEARCH.X_Y~1", major: 1, minor: 1, field0: "Host"},
		{name: "casefold rejected later", lim: methodFold, in: "get /#x HTTP/1.1\r\nHost: a\r\n\r\n", status: 400},

		// permit_unconventional_http_version
		{name: "1.2 off", lim: def, in: "GET / HTTP/1.2\r\nHost: a\r\n\r\n", method: "GET", major: 1, minor: 2, field0: "Host"},
		{name: "1.9 needs host", lim: def, in: "GET / HTTP/1.9\r\n\r\n", status: 400},
		{name: "2.0 off", lim: def, in: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", status: 505},
		{name: "2.0 on", lim: version, in: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", method: "GET", major: 2, minor: 0, field0: "Host"},
		{name: "0.9 off", lim: def, in: "GET / HTTP/0.9\r\n\r\n", status: 505},
		{name: "0.9 on", lim: version, in: "GET / HTTP/0.9\r\n\r\n", method: "GET", major: 0, minor: 9},
		{name: "0.9 on refuses te", lim: version, in: "POST / HTTP/0.9\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400},
		{name: "two digits on", lim: version, in: "GET / HTTP/11.0\r\nHost: a\r\n\r\n", status: 400},
		{name: "not http on", lim: version, in: "GET / HTTPS/1.1\r\nHost: a\r\n\r\n", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseWhole(tt.lim, []byte(tt.in))
			if got.Status != tt.status {
				t.Fatalf("got %v, want status %d", got, tt.status)
			}
			checkSplits(t, tt.lim, []byte(tt.in), got)
			if tt.status != 0 {
				return
			}
			r := got.Req
			if m := r.Raw[r.Method.Off:r.Method.End]; m != tt.method {
				t.Errorf("method = %q, want %q", m, tt.method)
			}
			if r.Major != tt.major || r.Minor != tt.minor {
				t.Errorf("version = %d.%d, want %d.%d", r.Major, r.Minor, tt.major, tt.minor)
			}
			var f0 string
			if len(r.Fields) > 0 {
				f0 = r.Raw[r.Fields[0].Name.Off:r.Fields[0].Name.End]
			}
			if f0 != tt.field0 {
				t.Errorf("first field name = %q, want %q", f0, tt.field0)
			}
		})
	}
}

func TestProtoAtLeast(t *testing.T) {
	tests := []struct {
		major, minor uint8
		want11       bool
	}{{0, 9, false}, {1, 0, false}, {1, 1, true}, {1, 9, true}, {2, 0, true}}
	for _, tt := range tests {
		r := Request{Major: tt.major, Minor: tt.minor}
		if got := r.ProtoAtLeast(1, 1); got != tt.want11 {
			t.Errorf("HTTP/%d.%d ProtoAtLeast(1, 1) = %v, want %v", tt.major, tt.minor, got, tt.want11)
		}
	}
}

// TestCasefoldRewritesRaw checks that the upper-cased method is in the
// caller's buffer, so CopyTo and anything reading Raw see it.
func TestCasefoldRewritesRaw(t *testing.T) {
	lim := DefaultLimits()
	lim.PermitUnconventionalMethod, lim.CasefoldMethod = true, true
	in := []byte("delete /x HTTP/1.1\r\nHost: a\r\n\r\n")
	var r, c Request
	if _, err := NewParser(lim).Parse(in, &r); err != nil {
		t.Fatal(err)
	}
	if got := string(in[:6]); got != "DELETE" {
		t.Errorf("buffer method = %q, want DELETE", got)
	}
	r.CopyTo(&c)
	if !c.MethodIs("DELETE") {
		t.Errorf("copied method = %q, want DELETE", c.Bytes(c.Method))
	}
}

// TestLenientZeroAllocs checks that the switches keep Parse allocation-free.
func TestLenientZeroAllocs(t *testing.T) {
	lim := DefaultLimits()
	lim.PermitObsFold, lim.StripHeaderSpaces, lim.CasefoldMethod = true, true, true
	lim.PermitUnconventionalMethod, lim.PermitUnconventionalVersion = true, true
	src := "get /x HTTP/2.0\r\nHost : a\r\nX-A\t: one\r\n two\r\nContent-Length : 0\r\n\r\n"
	buf := []byte(src)
	p := NewParser(lim)
	var r Request
	if _, err := p.Parse(buf, &r); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		copy(buf, src)
		if _, err := p.Parse(buf, &r); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("lenient Parse allocates %v times per run, want 0", allocs)
	}
}
