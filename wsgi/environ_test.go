//go:build !nopython && cgo

package wsgi

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"
)

// echoEnviron runs apps.echo and returns {key: [type, value]}.
func echoEnviron(t *testing.T, th *Thread, req *Request) map[string][2]any {
	t.Helper()
	s := mustCall(t, th, req, 200)
	var env map[string][2]any
	if err := json.Unmarshal(s.body.Bytes(), &env); err != nil {
		t.Fatalf("%v: %s", err, s.body.String())
	}
	return env
}

func TestEnviron(t *testing.T) {
	th := thread(t, "apps:echo")
	req := &Request{
		Method: []byte("POST"),
		RawURI: []byte("/caf%C3%A9/%E4%B8%AD?x=1&y=%20"),
		Path:   []byte("/caf%C3%A9/%E4%B8%AD"),
		Query:  []byte("x=1&y=%20"),
		Minor:  1,
		Headers: []Header{
			{Name: []byte("Host"), Value: []byte("example.com:8000")},
			{Name: []byte("X-Multi"), Value: []byte("a")},
			{Name: []byte("content-type"), Value: []byte("text/plain")},
			{Name: []byte("x-multi"), Value: []byte("b")},
			{Name: []byte("Content-Length"), Value: []byte("5")},
			{Name: []byte("X-Latin"), Value: []byte("caf\xe9")},
			{Name: []byte("X-Multi"), Value: []byte("c")},
		},
		RemoteAddr: []byte("::1"), RemotePort: 40000,
		ServerName: []byte("example.com"), ServerPort: []byte("8000"),
		Body: []byte("hello"), BodyFD: -1, BodyLen: 5,
	}
	env := echoEnviron(t, th, req)
	want := map[string][2]any{
		"REQUEST_METHOD":        {"str", "POST"},
		"SCRIPT_NAME":           {"str", ""},
		"PATH_INFO":             {"str", "/caf\u00c3\u00a9/\u00e4\u00b8\u00ad"}, // UTF-8 bytes read as latin-1
		"QUERY_STRING":          {"str", "x=1&y=%20"},
		"RAW_URI":               {"str", "/caf%C3%A9/%E4%B8%AD?x=1&y=%20"},
		"SERVER_PROTOCOL":       {"str", "HTTP/1.1"},
		"SERVER_NAME":           {"str", "example.com"},
		"SERVER_PORT":           {"str", "8000"},
		"SERVER_SOFTWARE":       {"str", "narwhal/" + Version},
		"REMOTE_ADDR":           {"str", "::1"},
		"REMOTE_PORT":           {"str", "40000"},
		"CONTENT_TYPE":          {"str", "text/plain"},
		"CONTENT_LENGTH":        {"str", "5"},
		"HTTP_HOST":             {"str", "example.com:8000"},
		"HTTP_X_MULTI":          {"str", "a,b,c"},
		"HTTP_X_LATIN":          {"str", "caf\u00e9"},
		"wsgi.version":          {"tuple", []any{1.0, 0.0}},
		"wsgi.url_scheme":       {"str", "http"},
		"wsgi.input":            {"Input", nil},
		"wsgi.errors":           {"Errors", nil},
		"wsgi.multithread":      {"bool", true},
		"wsgi.multiprocess":     {"bool", false},
		"wsgi.run_once":         {"bool", false},
		"wsgi.file_wrapper":     {"type", nil},
		"wsgi.input_terminated": {"bool", true},
	}
	want["_file_wrapper_is_type"] = [2]any{"bool", true}
	want["_input_body"] = [2]any{"str", "hello"}
	var gotKeys, wantKeys []string
	for k := range env {
		gotKeys = append(gotKeys, k)
	}
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	sort.Strings(gotKeys)
	sort.Strings(wantKeys)
	if !reflect.DeepEqual(gotKeys, wantKeys) {
		t.Errorf("keys:\n got %q\nwant %q", gotKeys, wantKeys)
	}
	for k, w := range want {
		if g, ok := env[k]; ok && !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %#v, want %#v", k, g, w)
		}
	}
}

func TestEnvironVariants(t *testing.T) {
	cases := []struct {
		name string
		edit func(r *Request)
		want map[string][2]any
		gone []string
	}{
		{"http10", func(r *Request) { r.Minor = 0 }, map[string][2]any{"SERVER_PROTOCOL": {"str", "HTTP/1.0"}}, nil},
		{"unix socket", func(r *Request) { r.RemotePort = -1; r.RemoteAddr = nil },
			map[string][2]any{"REMOTE_ADDR": {"str", ""}}, []string{"REMOTE_PORT"}},
		{"https override", func(r *Request) { r.URLScheme = []byte("https") },
			map[string][2]any{"wsgi.url_scheme": {"str", "https"}}, nil},
		{"no body headers", func(r *Request) {}, nil, []string{"CONTENT_TYPE", "CONTENT_LENGTH"}},
		{"chunked", func(r *Request) { r.Chunked = true; r.Body = []byte("abc"); r.BodyLen = 3 },
			map[string][2]any{"wsgi.input_terminated": {"bool", true}}, []string{"CONTENT_LENGTH"}},
		{"odd method", func(r *Request) { r.Method = []byte("PROPFIND") },
			map[string][2]any{"REQUEST_METHOD": {"str", "PROPFIND"}}, nil},
		{"bad escapes", func(r *Request) { r.Path = []byte("/a%zz%4/%41%") },
			map[string][2]any{"PATH_INFO": {"str", "/a%zz%4/A%"}}, nil},
		{"encoded slash", func(r *Request) { r.Path = []byte("/a%2Fb") },
			map[string][2]any{"PATH_INFO": {"str", "/a/b"}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			th := thread(t, "apps:echo")
			req := get("/p?q")
			c.edit(req)
			env := echoEnviron(t, th, req)
			for k, w := range c.want {
				if !reflect.DeepEqual(env[k], w) {
					t.Errorf("%s = %#v, want %#v", k, env[k], w)
				}
			}
			for _, k := range c.gone {
				if _, ok := env[k]; ok {
					t.Errorf("%s present: %#v", k, env[k])
				}
			}
		})
	}
}

func TestEnvironAppConfig(t *testing.T) {
	lockThread(t)
	a, err := LoadApp(AppConfig{
		Spec: "apps:echo", Multiprocess: true, URLScheme: "https", ScriptName: "/mount/",
		ServerSoftware: "test/1",
	})
	if err != nil {
		t.Fatal(err)
	}
	th, err := a.NewThread()
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	for _, c := range []struct{ path, script, pathInfo string }{
		{"/mount/x/y", "/mount", "/x/y"},
		{"/mount", "/mount", ""},
		{"/mountain", "/mount", "/mountain"}, // only a whole-segment prefix is stripped
		{"/other", "/mount", "/other"},
	} {
		env := echoEnviron(t, th, get(c.path))
		want := map[string][2]any{
			"SCRIPT_NAME": {"str", c.script}, "PATH_INFO": {"str", c.pathInfo},
			"wsgi.multiprocess": {"bool", true}, "wsgi.multithread": {"bool", false},
			"wsgi.url_scheme": {"str", "https"}, "SERVER_SOFTWARE": {"str", "test/1"},
		}
		for k, w := range want {
			if !reflect.DeepEqual(env[k], w) {
				t.Errorf("%s: %s = %#v, want %#v", c.path, k, env[k], w)
			}
		}
	}
}

func TestEnvironLint(t *testing.T) {
	th := thread(t, "apps:lint('echo')")
	for _, target := range []string{"/", "/a%20b?x=y", "/caf%C3%A9"} {
		mustCall(t, th, get(target), 200)
	}
	checkLint(t, th)
}

// TestEnvironScriptNameFromEnv: without AppConfig.ScriptName, SCRIPT_NAME
// comes from os.environ after raw_env was applied, as gunicorn reads it.
func TestEnvironScriptNameFromEnv(t *testing.T) {
	lockThread(t)
	a, err := LoadApp(AppConfig{Spec: "apps:echo", Environ: map[string]string{"SCRIPT_NAME": "/env/"}})
	// Reset for apps loaded later in this process.
	if _, err := LoadApp(AppConfig{Spec: "apps:echo", Environ: map[string]string{"SCRIPT_NAME": ""}}); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	th, err := a.NewThread()
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	env := echoEnviron(t, th, get("/env/x"))
	if env["SCRIPT_NAME"] != [2]any{"str", "/env"} || env["PATH_INFO"] != [2]any{"str", "/x"} {
		t.Errorf("SCRIPT_NAME %v PATH_INFO %v", env["SCRIPT_NAME"], env["PATH_INFO"])
	}
}

// TestEnvironScriptNameOverride: a request's own SCRIPT_NAME (a
// forwarder_headers header) replaces the app's and is stripped as gunicorn
// 23 does, by plain prefix; a path without it is a 500.
func TestEnvironScriptNameOverride(t *testing.T) {
	lockThread(t)
	a, err := LoadApp(AppConfig{Spec: "apps:echo", ScriptName: "/mount"})
	if err != nil {
		t.Fatal(err)
	}
	th, err := a.NewThread()
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	for _, c := range []struct {
		name, path, sn  string
		status          int
		script, pathInf string
	}{
		{"prefix", "/app/x%20y", "/app", 200, "/app", "/x y"},
		{"whole path", "/app", "/app", 200, "/app", ""},
		{"byte prefix", "/application", "/app", 200, "/app", "lication"},
		{"empty strips nothing", "/mount/x", "", 200, "", "/mount/x"},
		{"not a prefix", "/other", "/app", 500, "", ""},
	} {
		// No t.Run: the Thread belongs to this goroutine's OS thread.
		req := get(c.path)
		req.ScriptName, req.ScriptNameSet = []byte(c.sn), true
		if c.status != 200 {
			mustCall(t, th, req, c.status)
			continue
		}
		env := echoEnviron(t, th, req)
		if got, want := env["SCRIPT_NAME"], [2]any{"str", c.script}; got != want {
			t.Errorf("%s: SCRIPT_NAME = %v, want %v", c.name, got, want)
		}
		if got, want := env["PATH_INFO"], [2]any{"str", c.pathInf}; got != want {
			t.Errorf("%s: PATH_INFO = %v, want %v", c.name, got, want)
		}
	}
	// The next request without one gets the app's SCRIPT_NAME back.
	env := echoEnviron(t, th, get("/mount/y"))
	if env["SCRIPT_NAME"] != [2]any{"str", "/mount"} || env["PATH_INFO"] != [2]any{"str", "/y"} {
		t.Errorf("after override: SCRIPT_NAME %v PATH_INFO %v", env["SCRIPT_NAME"], env["PATH_INFO"])
	}
}
