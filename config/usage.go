package config

import (
	"strings"
)

// Version is narwhal's version, printed by -v/--version. Set it at build time
// with -ldflags "-X github.com/narwhalhq/narwhal/config.Version=1.2.3".
var Version = "0.0.0-dev"

// VersionString is what -v/--version prints, like gunicorn's
// "gunicorn (version 23.0.0)".
func VersionString() string { return Prog + " (version " + Version + ")\n" }

const usageLine = "usage: " + Prog + " [OPTIONS] [APP_MODULE]"

// Usage returns the -h/--help text, laid out like argparse's: every option
// with its metavar, the short description and the default in brackets.
func Usage() string {
	var b strings.Builder
	b.WriteString(usageLine + "\n\npositional arguments:\n")
	helpLine(&b, "APP_MODULE", "The WSGI application, MODULE:VARIABLE.")
	b.WriteString("\noptions:\n")
	helpLine(&b, "-h, --help", "show this help message and exit")
	helpLine(&b, "-v, --version", "show program's version number and exit")
	for _, s := range table {
		if len(s.Flags) == 0 {
			continue
		}
		parts := make([]string, len(s.Flags))
		for i, f := range s.Flags {
			parts[i] = f
			if s.Action.takesValue() {
				parts[i] += " " + s.metavar()
			}
		}
		helpLine(&b, strings.Join(parts, ", "), s.Short+" ["+defaultText(s)+"]")
	}
	return b.String()
}

// defaultText is the default as shown in help and docs.
func defaultText(s *Setting) string {
	if s.DefaultDoc != "" {
		return strings.ReplaceAll(s.DefaultDoc, "`", "")
	}
	return pyStr(s.Default)
}

// helpLine writes one argparse-style entry: the invocation indented by 2,
// the help starting at column 24 (on the next line if the invocation is
// long), wrapped at 78 columns.
func helpLine(b *strings.Builder, invocation, help string) {
	const col, width = 24, 78
	b.WriteString("  " + invocation)
	pad := col - 2 - len(invocation)
	if pad < 2 {
		b.WriteString("\n" + strings.Repeat(" ", col))
	} else {
		b.WriteString(strings.Repeat(" ", pad))
	}
	line := 0
	for i, w := range strings.Fields(help) {
		if i > 0 {
			if line+1+len(w) > width-col {
				b.WriteString("\n" + strings.Repeat(" ", col))
				line = 0
			} else {
				b.WriteString(" ")
				line++
			}
		}
		b.WriteString(w)
		line += len(w)
	}
	b.WriteString("\n")
}
