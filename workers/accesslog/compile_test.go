package accesslog

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, format, reason string
	}{
		// Python raises these on every request; gunicorn logs a traceback.
		{"unclosed key", "%(h", "incomplete format key"},
		{"unbalanced parentheses", "%(a(b)s", "incomplete format key"},
		{"no conversion", "%(h)", "incomplete format"},
		{"width, no conversion", "%(h)5", "incomplete format"},
		{"precision, no conversion", "%(h)5.", "incomplete format"},
		{"trailing percent", "%(h)s %", "incomplete format"},
		{"unknown conversion", "%(h)z", "unsupported format character 'z'"},
		{"percent as conversion", "%(h)%", "unsupported format character '%'"},
		{"two length modifiers", "%(h)lls", "unsupported format character 'l'"},
		{"star width", "%(h)*s", "width from the arguments"},
		{"star precision", "%(h).*s", "precision from the arguments"},
		{"number on a string atom", "%(s)d", "atom s is a string"},
		{"number on a header", "%({x-id}i)x", "atom {x-id}i is a string"},
		{"number on an unknown key", "%(zz)d", `"zz" is not an atom`},
		// Python accepts these; narwhal refuses them (see Compile).
		{"no key dumps the atoms dict", "%s", "without a (name)"},
		{"no key after a keyed one", "%(h)s %s", "without a (name)"},
		{"float conversion", "%(D)f", "does not support the f conversion"},
		{"char conversion", "%(l)c", "does not support the c conversion"},
		{"huge width", "%(h)99999s", "width too big"},
		{"huge precision", "%(h).99999999999s", "precision too big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Compile(tt.format)
			if err == nil {
				t.Fatalf("Compile(%q) = %v, want an error about %q", tt.format, f.ops, tt.reason)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Compile(%q) error %T, want *FormatError", tt.format, err)
			}
			if !strings.Contains(fe.Reason, tt.reason) {
				t.Errorf("Compile(%q) reason %q, want it to mention %q", tt.format, fe.Reason, tt.reason)
			}
			if !strings.Contains(err.Error(), "access_log_format") {
				t.Errorf("error %q does not name the setting", err)
			}
		})
	}
}

func TestFormatErrorOffset(t *testing.T) {
	_, err := Compile(`%(h)s "%(s)d"`)
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a *FormatError", err)
	}
	if fe.Offset != 7 {
		t.Errorf("offset %d, want 7 (the '%%' of %%(s)d)", fe.Offset)
	}
}

func TestEnvKeysAndUses(t *testing.T) {
	f, err := Compile(`%(h)s %({REMOTE_USER}e)s %({remote_user}e)s %({x-id}i)s %({wsgi.url_scheme}E)s`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.EnvKeys(), []string{"remote_user", "wsgi.url_scheme"}; !reflect.DeepEqual(got, want) {
		t.Errorf("EnvKeys() = %q, want %q", got, want)
	}
	uses := map[string]bool{"h": true, "e": true, "i": true, "o": false, "u": false, "t": false, "H": false}
	for atom, want := range uses {
		if got := f.Uses(atom); got != want {
			t.Errorf("Uses(%q) = %v, want %v", atom, got, want)
		}
	}
	def, err := Compile(DefaultFormat)
	if err != nil {
		t.Fatal(err)
	}
	if len(def.EnvKeys()) != 0 || def.Uses("o") || !def.Uses("u") || !def.Uses("t") {
		t.Errorf("default format: EnvKeys %q, Uses(o) %v, Uses(u) %v, Uses(t) %v",
			def.EnvKeys(), def.Uses("o"), def.Uses("u"), def.Uses("t"))
	}
	if def.String() != DefaultFormat {
		t.Errorf("String() = %q, want the source", def.String())
	}
}
