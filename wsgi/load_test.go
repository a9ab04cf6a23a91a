//go:build !nopython && cgo

package wsgi

import (
	"errors"
	"strings"
	"testing"
)

func TestLoadApp(t *testing.T) {
	ok := []struct{ spec, body string }{
		{"apps", "Hello world!"},
		{"apps:hello", "Hello world!"},
		{"apps:obj.attr", "Hello world!"},
		{"apps:factory()", "((), {})"},
		{"apps:factory('x', 2)", "(('x', 2), {})"},
		{"apps:factory('a', 1, k=[2, None])", "(('a', 1), {'k': [2, None]})"},
	}
	for _, c := range ok {
		t.Run(c.spec, func(t *testing.T) {
			th := thread(t, c.spec)
			if s := mustCall(t, th, get("/"), 200); s.body.String() != c.body {
				t.Errorf("body %q, want %q", s.body.String(), c.body)
			}
		})
	}
	bad := []struct{ spec, msg, tb string }{
		{"apps:missing", "Failed to find attribute 'missing' in 'apps'.", ""},
		{"apps:obj.missing", "Failed to find attribute 'missing' in 'obj'.", ""},
		{"apps:not_callable", "Application object must be callable.", ""},
		{"apps:factory_none()", "Failed to find application object: 'factory_none()'", ""},
		{"apps:factory(x)", "Failed to parse arguments as literal values: 'factory(x)'", ""},
		{"apps:a.b()", "Function reference must be a simple name: 'a.b()'", ""},
		{"apps:1+", "Failed to parse '1+' as an attribute name or function call.", ""},
		{"apps:hello(1, 2, 3)", "TypeError: hello() takes 2 positional arguments but 3 were given", ""},
		{"apps:factory_raises()", "TypeError: raised-inside-factory", "in factory_raises"},
		{"no_such_module_xyz", "ModuleNotFoundError: No module named 'no_such_module_xyz'", "Traceback (most recent call last)"},
		{"broken_import", "ZeroDivisionError: division by zero", `broken_import.py", line`},
	}
	for _, c := range bad {
		t.Run(c.spec, func(t *testing.T) {
			_, err := LoadApp(AppConfig{Spec: c.spec})
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("err %v, want *LoadError", err)
			}
			if le.Msg != c.msg || le.Spec != c.spec {
				t.Errorf("Msg %q, want %q", le.Msg, c.msg)
			}
			if (c.tb == "") != (le.Traceback == "") || !strings.Contains(le.Traceback, c.tb) {
				t.Errorf("Traceback %q, want one with %q", le.Traceback, c.tb)
			}
			if strings.Contains(le.Traceback, "<narwhal>") {
				t.Errorf("Traceback shows the bridge's own frames: %q", le.Traceback)
			}
			if !strings.Contains(le.Error(), c.msg) {
				t.Errorf("Error() = %q", le.Error())
			}
		})
	}
}
