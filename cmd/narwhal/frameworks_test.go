package main

import (
	"io"
	"strings"
	"testing"
)

// Real framework apps from Debian's packages, each also served wrapped in
// wsgiref's validator (warnings are errors there), so a PEP 3333 violation
// shows as a 500; under every worker class.
func TestFrameworks(t *testing.T) {
	type check struct {
		method, path, form, want string
	}
	apps := []struct {
		module, attr string
		checks       []check
	}{
		{"flask_app", "app", []check{
			{"GET", "/", "", "flask index"},
			{"GET", "/json", "", `"k9":9`},
			{"POST", "/echo?a=1", "name=narwhal", `"name":"narwhal"`},
		}},
		{"djproj.wsgi", "application", []check{
			{"GET", "/", "", "<h1>django page</h1>"},
			{"POST", "/form", "name=dj", `"name": "dj"`},
		}},
		{"falcon_app", "app", []check{
			{"GET", "/items/7?q=z", "", `"id": "7"`},
		}},
		{"bottle_app", "app", []check{
			{"GET", "/hello/world", "", "bottle hello world"},
			{"POST", "/form", "name=b", `"name": "b"`},
		}},
		{"hello", "app", []check{{"GET", "/", "", "Hello, World!"}}},
		{"environ_echo", "app", []check{{"GET", "/e?q=1", "", `"QUERY_STRING": "q=1"`}}},
		{"bodies", "app", []check{{"POST", "/readline", "a=1\nb=2\n", " 2 b''"}}},
		{"stream", "app", []check{{"GET", "/gen", "", "aaaa"}, {"GET", "/write", "", "written returned"}}},
	}
	forEachClass(t, func(t *testing.T, class []string) {
		for _, app := range apps {
			for _, validated := range []bool{false, true} {
				spec := app.module + ":" + app.attr
				if validated {
					spec = "validated:wrap('" + app.module + "', '" + app.attr + "')"
				}
				t.Run(spec, func(t *testing.T) {
					s := start(t, withClass(class, spec)...)
					for _, c := range app.checks {
						var status int
						var body string
						if c.method == "POST" {
							status, body = post(t, s.URL(c.path), c.form)
						} else {
							status, body = get(t, s.URL(c.path))
						}
						if status >= 400 || !strings.Contains(strings.ReplaceAll(body, `": `, `":`), strings.ReplaceAll(c.want, `": `, `":`)) {
							t.Fatalf("%s %s: %d %.300q, want %q\n%s", c.method, c.path, status, body, c.want, s.Log())
						}
					}
					if strings.Contains(s.Log(), "Traceback") {
						t.Fatalf("errors logged:\n%s", s.Log())
					}
				})
			}
		}
	})
}

func post(t *testing.T, u, form string) (int, string) {
	t.Helper()
	ctype := "application/x-www-form-urlencoded"
	if strings.Contains(form, "\n") {
		ctype = "text/plain"
	}
	resp, err := testClient(t).Post(u, ctype, strings.NewReader(form))
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
