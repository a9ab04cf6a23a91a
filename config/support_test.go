package config

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckSupport(t *testing.T) {
	// Defaults never trip: an unused gunicorn feature costs nothing.
	c := mustParse(t, []string{"a"}, nil, nil)
	if notices, err := c.CheckSupport(); err != nil || len(notices) != 0 {
		t.Fatalf("defaults: %v %v", notices, err)
	}
	// Setting a Planned/Refused setting to its default is fine too.
	p := tempConfig(t, "g.py")
	loader := &fakeLoader{files: map[string]map[string]any{p: {"daemon": false, "proc_name": nil}}}
	c = mustParse(t, []string{"a", "-c", p}, nil, loader)
	if _, err := c.CheckSupport(); err != nil {
		t.Fatalf("explicit defaults: %v", err)
	}

	loader.files[p] = map[string]any{"ssl_context": Hook{Name: "ssl_context", Ref: arityRef(2)}}
	c = mustParse(t, []string{"a", "-c", p, "--reload", "--spew", "--worker-tmp-dir", "/dev/shm", "--keyfile", "k.pem"}, nil, loader)
	notices, err := c.CheckSupport()
	if len(notices) != 1 || notices[0] != "setting worker_tmp_dir, set on the command line, has no effect in narwhal: "+sWorkerTmpDir.Support.Reason {
		t.Errorf("notices %q", notices)
	}
	var got []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ue *UnsupportedError
		if !errors.As(e, &ue) {
			t.Errorf("%T", e)
		}
		got = append(got, e.Error())
	}
	want := []string{
		"setting reload (--reload), set on the command line, is not supported by narwhal yet: " + reloadReason,
		"setting spew (--spew), set on the command line, is not supported by narwhal: narwhal's server is not Python code; use Python's own tracing inside the app",
		"setting ssl_context, set in the config file, is not supported by narwhal yet: " + tlsReason,
		"setting keyfile (--keyfile), set on the command line, is not supported by narwhal yet: " + tlsReason,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("refusals:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ExitCode(err) != 1 {
		t.Errorf("exit %d", ExitCode(err))
	}
}

func TestEverySettingHasASupportDecision(t *testing.T) {
	counts := map[Level]int{}
	for _, s := range Settings() {
		counts[s.Support.Level]++
		if s.Support.Level > Refused {
			t.Errorf("%s: bad level", s.Name)
		}
	}
	t.Logf("honoured %d, inert %d, planned %d, refused %d", counts[Honoured], counts[Inert], counts[Planned], counts[Refused])
}
