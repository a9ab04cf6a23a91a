package http1

import (
	"testing"
)

func TestForwarders(t *testing.T) {
	in := "GET /app/x HTTP/1.1\r\nHost: a\r\nScript_Name: /app\r\nREMOTE_USER: bob\r\nX_Y: 1\r\n\r\n"
	def := NewForwarders([]string{"SCRIPT_NAME", "PATH_INFO"})
	tests := []struct {
		name   string
		hm     HeaderMap
		fwd    *Forwarders
		status int
		want   []string // kept names with '_'
	}{
		{"untrusted drop", HeaderMapDrop, nil, 0, nil},
		{"untrusted refuse", HeaderMapRefuse, nil, 400, nil},
		{"untrusted dangerous", HeaderMapDangerous, nil, 0, []string{"Script_Name", "REMOTE_USER", "X_Y"}},
		{"trusted drop", HeaderMapDrop, def, 0, []string{"Script_Name"}},
		// gunicorn: a listed name passes before header_map is consulted,
		// an unlisted one still meets it.
		{"trusted refuse", HeaderMapRefuse, def, 400, nil},
		{"trusted list refuse", HeaderMapRefuse, NewForwarders([]string{"SCRIPT_NAME", "REMOTE_USER", "X_Y"}), 0,
			[]string{"Script_Name", "REMOTE_USER", "X_Y"}},
		{"trusted star", HeaderMapRefuse, NewForwarders([]string{"*"}), 0, []string{"Script_Name", "REMOTE_USER", "X_Y"}},
		// gunicorn compares the upper-cased name with the entry as written.
		{"lower-case entry", HeaderMapDrop, NewForwarders([]string{"script_name", " REMOTE_USER "}), 0, []string{"REMOTE_USER"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for cut := 0; cut <= len(in); cut++ {
				p := NewParser(Limits{HeaderMap: tt.hm})
				p.SetForwarders(tt.fwd)
				var r Request
				buf := []byte(in[:cut])
				_, err := p.Parse(buf, &r)
				if cut < len(in) && err == ErrNeedMore {
					buf = []byte(in)
					_, err = p.Parse(buf, &r)
				}
				status := 0
				if e, ok := err.(*Error); ok {
					status = e.Status
				} else if err != nil {
					t.Fatalf("cut %d: err = %v", cut, err)
				}
				if status != tt.status {
					t.Fatalf("cut %d: status = %d, want %d", cut, status, tt.status)
				}
				if status != 0 {
					continue
				}
				var got []string
				for _, f := range r.Fields {
					if n := string(r.Bytes(f.Name)); n != "Host" {
						got = append(got, n)
					}
				}
				if len(got) != len(tt.want) {
					t.Fatalf("cut %d: kept %q, want %q", cut, got, tt.want)
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Fatalf("cut %d: kept %q, want %q", cut, got, tt.want)
					}
				}
			}
		})
	}
}

func TestForwardersSurviveParse(t *testing.T) {
	p := NewParser(DefaultLimits())
	p.SetForwarders(NewForwarders([]string{"SCRIPT_NAME"}))
	in := []byte("GET / HTTP/1.1\r\nHost: a\r\nSCRIPT_NAME: /a\r\n\r\n")
	for i := 0; i < 2; i++ {
		var r Request
		if _, err := p.Parse(in, &r); err != nil || len(r.Fields) != 2 {
			t.Fatalf("request %d: err %v, %d fields, want 2", i, err, len(r.Fields))
		}
		p.Reset()
	}
}

func TestForwardersTrailers(t *testing.T) {
	body := "0\r\nA_B: 1\r\nC_D: 2\r\n\r\n"
	d := ChunkedDecoder{HeaderMap: HeaderMapDrop, Forwarders: NewForwarders([]string{"A_B"})}
	_, _, _, err := d.Decode(nil, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	tr := d.Trailers()
	if len(tr) != 1 || string(tr[0].Name) != "A_B" {
		t.Errorf("trailers = %q, want only A_B", tr)
	}
}

func TestForwardersNoAlloc(t *testing.T) {
	p := NewParser(DefaultLimits())
	p.SetForwarders(NewForwarders([]string{"SCRIPT_NAME", "PATH_INFO", "REMOTE_USER"}))
	in := []byte("GET / HTTP/1.1\r\nHost: a\r\nRemote_User: x\r\nX_Y: 1\r\n\r\n")
	r := Request{Fields: make([]Field, 0, 8)}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := p.Parse(in, &r); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("allocs per Parse = %v, want 0", n)
	}
}

func TestNewForwardersEmpty(t *testing.T) {
	if f := NewForwarders([]string{"", "lower"}); f != nil {
		t.Errorf("NewForwarders = %+v, want nil", f)
	}
}
