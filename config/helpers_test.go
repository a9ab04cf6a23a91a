package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fakeLoader stands in for narwhal's embedded Python: it "executes" a config
// file by returning the globals registered for its spec.
type fakeLoader struct {
	files  map[string]map[string]any // spec -> globals
	loaded []string
}

func (f *fakeLoader) Load(spec string) (map[string]any, error) {
	f.loaded = append(f.loaded, spec)
	g, ok := f.files[spec]
	if !ok {
		return nil, errors.New("Traceback (most recent call last): SyntaxError")
	}
	return g, nil
}

// arityRef is a fake Python callable reference with a known arity.
type arityRef int

func (a arityRef) Arity() int { return int(a) }

// envMap turns a map into a getenv function.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// tempConfig creates an empty file named name in a temp dir and returns its path.
func tempConfig(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("# config\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// mustParse parses with an app appended and fails the test on error.
func mustParse(t *testing.T, args []string, env map[string]string, file FileLoader) *Config {
	t.Helper()
	c, err := Parse(args, envMap(env), file)
	if err != nil {
		t.Fatalf("Parse(%q): %v", args, err)
	}
	return c
}
