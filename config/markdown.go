package config

import (
	"fmt"
	"strings"
)

// Markdown renders docs/settings.md from the settings table. The output is
// deterministic (environment-dependent defaults are described, not
// evaluated), so a test can check the committed file is current.
func Markdown() []byte {
	var b strings.Builder
	b.WriteString(`# Settings

<!-- Generated from config/ by "go generate ./config/". Do not edit. -->

narwhal accepts every setting of gunicorn 23.0 under the same name, flags and
default, plus a few of its own (section [narwhal](#narwhal)). Values come from,
lowest precedence first:

1. the default (` + "`WEB_CONCURRENCY`, `PORT` and `FORWARDED_ALLOW_IPS`" + ` feed some defaults);
2. the config file: ` + "`-c`/`--config`" + ` on the command line, else in
   ` + "`GUNICORN_CMD_ARGS`" + `, else ` + "`./gunicorn.conf.py`" + ` when it exists. It is Python,
   run by narwhal's embedded interpreter; its globals named like a setting are
   used, other names are ignored;
3. ` + "`GUNICORN_CMD_ARGS`" + `, split like a shell command line (positional arguments
   in it are ignored, as gunicorn does);
4. the command line: ` + "`narwhal [OPTIONS] [APP_MODULE]`" + `. Long options may be
   abbreviated to a unique prefix, as with gunicorn.

Invalid values stop narwhal with exit status 1, command line syntax errors with
status 2. ` + "`--print-config`" + ` prints the resolved values like gunicorn.

Every setting is either honoured or, when set to anything but its default,
reported at start: **honoured** settings work as in gunicorn; **inert** ones
are accepted but have no effect in narwhal (a notice is logged);
**planned** and **refused** ones stop narwhal with the reason given.

`)
	b.WriteString("## Not honoured\n\n| Setting | Status | Reason |\n| --- | --- | --- |\n")
	for _, s := range table {
		if s.Support.Level != Honoured {
			fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s |\n", s.Name, anchor(s.Name), s.Support.Level, s.Support.Reason)
		}
	}
	for _, sec := range Sections() {
		fmt.Fprintf(&b, "\n## %s\n", sec)
		for _, s := range table {
			if s.Section == sec {
				writeSettingMarkdown(&b, s)
			}
		}
	}
	return []byte(b.String())
}

func anchor(name string) string { return strings.ReplaceAll(name, "_", "-") }

func writeSettingMarkdown(b *strings.Builder, s *Setting) {
	fmt.Fprintf(b, "\n<a id=\"%s\"></a>\n### `%s`\n\n", anchor(s.Name), s.Name)
	if len(s.Flags) == 0 {
		b.WriteString("* **Command line:** none (config file only)\n")
	} else {
		parts := make([]string, len(s.Flags))
		for i, f := range s.Flags {
			parts[i] = "`" + f
			if s.Action.takesValue() {
				parts[i] += " " + s.metavar()
			}
			parts[i] += "`"
		}
		extra := ""
		if s.Action == ActionAppend {
			extra = " (repeatable)"
		}
		b.WriteString("* **Command line:** " + strings.Join(parts, ", ") + extra + "\n")
	}
	def := s.DefaultDoc
	if def == "" {
		def = "`" + pyRepr(s.Default) + "`"
	}
	b.WriteString("* **Default:** " + def + "\n")
	b.WriteString("* **Type:** " + s.Type.String() + "\n")
	if len(s.Choices) > 0 {
		b.WriteString("* **Values:** `" + strings.Join(s.Choices, "`, `") + "`\n")
	}
	status := s.Support.Level.String()
	if s.Support.Reason != "" {
		status += ": " + s.Support.Reason
	}
	b.WriteString("* **narwhal:** " + status + "\n\n")
	b.WriteString(s.Short + "\n")
	if s.Desc != "" {
		b.WriteString("\n" + s.Desc + "\n")
	}
}
