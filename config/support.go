package config

import (
	"errors"
	"fmt"
	"reflect"
)

// CheckSupport reports the settings narwhal does not honour that are set to
// something other than their default. The server calls it at start:
// err (one *UnsupportedError per setting, joined) means refuse to start with
// exit status 1; notices are Inert settings to log. A setting left at its
// default is never reported, so an unused gunicorn feature costs nothing.
func (c *Config) CheckSupport() (notices []string, err error) {
	var errs []error
	for _, s := range table {
		if s.Support.Level == Honoured || c.sources[s.Name] == SourceDefault ||
			reflect.DeepEqual(c.values[s.Name], c.defaults[s.Name]) {
			continue
		}
		switch s.Support.Level {
		case Inert:
			notices = append(notices, fmt.Sprintf("setting %s, set %s, has no effect in %s: %s",
				s.Name, c.sources[s.Name].where(), Prog, s.Support.Reason))
		default:
			errs = append(errs, &UnsupportedError{Setting: s.Name, Source: c.sources[s.Name], Support: s.Support})
		}
	}
	return notices, errors.Join(errs...)
}
