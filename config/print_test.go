package config

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrintFormat(t *testing.T) {
	p := tempConfig(t, "g.py")
	loader := &fakeLoader{files: map[string]map[string]any{p: {
		"on_starting": Hook{Name: "on_starting", Ref: arityRef(1)},
		"raw_env":     []any{"A='x'"},
	}}}
	c := mustParse(t, []string{"app:app", "-c", p, "-b", "[::1]:80", "--request-timeout", "1.5"}, nil, loader)
	var buf bytes.Buffer
	if err := c.Print(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(Settings()) || !strings.HasSuffix(out, "\n") {
		t.Fatalf("%d lines", len(lines))
	}
	// Aligned on the longest name, sorted, Python str() values.
	for _, want := range []string{
		"access_log_format                  = %(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"",
		"accesslog                          = None",
		"bind                               = ['[::1]:80']",
		"check_config                       = False",
		"config                             = " + p,
		"dogstatsd_tags                     = ",
		"on_starting                        = <on_starting()>",
		"on_exit                            = <OnExit.on_exit()>",
		"raw_env                            = [\"A='x'\"]",
		"request_timeout                    = 1.5",
		"suppress_ragged_eofs               = True",
		"workers                            = 1",
	} {
		if !strings.Contains("\n"+out, "\n"+want+"\n") {
			t.Errorf("missing line %q", want)
		}
	}
	if lines[0] != "access_log_format                  = %(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"" ||
		!strings.HasPrefix(lines[len(lines)-1], "wsgi_app ") {
		t.Errorf("not sorted: %q ... %q", lines[0], lines[len(lines)-1])
	}
	buf.Reset()
	_ = c.PrintSources(&buf)
	if !strings.Contains(buf.String(), "workers                            = 1  # default\n") ||
		!strings.Contains(buf.String(), "on_starting                        = <on_starting()>  # file\n") {
		t.Errorf("sources:\n%s", buf.String())
	}
	if c.PrintString()+"\n" != out {
		t.Error("PrintString differs from Print")
	}
}

func TestUsage(t *testing.T) {
	u := Usage()
	for _, want := range []string{
		"usage: narwhal [OPTIONS] [APP_MODULE]\n",
		"  -w INT, --workers INT\n                        The number of worker processes handling requests.\n                        [$WEB_CONCURRENCY, or 1 when it is not set]\n",
		"  --reload              Restart workers when code changes. [False]\n",
		"  --error-logfile FILE, --log-file FILE\n",
		"  --chdir CHDIR ",
	} {
		if !strings.Contains(u, want) {
			t.Errorf("usage lacks %q", want)
		}
	}
	for _, line := range strings.Split(u, "\n") {
		if len(line) > 78 && !strings.Contains(line[24:], " ") {
			continue // an unbreakable word
		}
		if len(line) > 80 {
			t.Errorf("long line %q", line)
		}
	}
}
