package config

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Print writes the configuration as --print-config does: gunicorn's
// Config.__str__ followed by a newline. One "name = value" line per setting,
// sorted by name, names padded to the longest; values as Python's str()
// renders them (strings bare, None, True, ['a', 'b'], callables as
// <qualname()>). Dicts are printed with sorted keys.
func (c *Config) Print(w io.Writer) error {
	_, err := io.WriteString(w, c.format(false)+"\n")
	return err
}

// PrintSources is Print with the source of each value appended as a comment
// ("  # cli"), for narwhal's own diagnostics.
func (c *Config) PrintSources(w io.Writer) error {
	_, err := io.WriteString(w, c.format(true)+"\n")
	return err
}

// PrintString returns what Print prints, without the final newline.
func (c *Config) PrintString() string { return c.format(false) }

func (c *Config) format(sources bool) string {
	names := make([]string, 0, len(table))
	width := 0
	for _, s := range table {
		names = append(names, s.Name)
		width = max(width, len(s.Name))
	}
	sort.Strings(names)
	lines := make([]string, len(names))
	for i, name := range names {
		lines[i] = fmt.Sprintf("%-*s = %s", width, name, pyStr(c.values[name]))
		if sources {
			lines[i] += "  # " + c.sources[name].String()
		}
	}
	return strings.Join(lines, "\n")
}
