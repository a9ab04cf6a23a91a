//go:build !nopython && cgo

package wsgi

import (
	"testing"
)

// TestCrossings pins down how often each kind of response calls back into
// Go: a gathered response (list, tuple, an iterator over either, such as
// Django's HttpResponse) needs no callback at all; a generator hands each
// block over as it is produced (PEP 3333 "Buffering and Streaming").
func TestCrossings(t *testing.T) {
	cases := []struct {
		spec      string
		env       map[string]string
		target    string
		callbacks uint64
	}{
		{"apps:hello", nil, "/", 0},
		{"apps:list_close", nil, "/", 0},
		{"djproj.wsgi", map[string]string{"DJANGO_SETTINGS_MODULE": "djproj.settings"}, "/hello", 0},
		{"apps:tuple_parts", nil, "/", 2}, // the 100 kB item goes straight to Go, after "abc"
		{"apps:gen", nil, "/?3", 3},
		{"flask_app:app", nil, "/hello", 1},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			lockThread(t)
			a, err := LoadApp(AppConfig{Spec: c.spec, Environ: c.env})
			if err != nil {
				t.Fatal(err)
			}
			th, err := a.NewThread()
			if err != nil {
				t.Fatal(err)
			}
			defer th.Close()
			mustCall(t, th, get(c.target), 200)
			before := th.callbacks
			mustCall(t, th, get(c.target), 200)
			if got := th.callbacks - before; got != c.callbacks {
				t.Errorf("%d callbacks, want %d", got, c.callbacks)
			}
		})
	}
}

// TestCallAllocs: the Go side of a warm Call allocates nothing.
func TestCallAllocs(t *testing.T) {
	th := thread(t, "apps:hello")
	req := get("/")
	req.Headers = append(req.Headers, Header{Name: []byte("Accept"), Value: []byte("*/*")})
	var sink Sink = nopSink{}
	if n := testing.AllocsPerRun(1000, func() { th.Call(req, sink) }); n != 0 {
		t.Errorf("%v allocations per Call", n)
	}
}
