package accesslog

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCompile: access_log_format is operator input parsed by our own
// parser. For any string, Compile and Append never panic; a compiled format
// renders valid UTF-8 when the format is valid UTF-8 (Python's str is); a
// format without '%' renders as itself; AppendJSON is always valid JSON.
func FuzzCompile(f *testing.F) {
	for _, s := range differentialFormats {
		f.Add(s)
	}
	f.Add(`%({x-request-id}i)s %({wsgi.url_scheme}e)-10.3r %(B)#+012x`)
	recs, _ := differentialRecords()
	recs = append(recs, sample(), &Record{})
	f.Fuzz(func(t *testing.T, format string) {
		c, err := Compile(format)
		if err != nil {
			if _, ok := err.(*FormatError); !ok {
				t.Fatalf("Compile(%q): error %T, want *FormatError", format, err)
			}
			return
		}
		for _, r := range recs {
			line := c.Append(nil, r)
			if utf8.ValidString(format) && !utf8.Valid(line) {
				t.Fatalf("Compile(%q).Append = %q: invalid UTF-8", format, line)
			}
			if !strings.Contains(format, "%") && string(line) != format {
				t.Fatalf("Compile(%q).Append = %q, want the format itself", format, line)
			}
			if js := c.AppendJSON(nil, r); !json.Valid(js) {
				t.Fatalf("Compile(%q).AppendJSON = %s: invalid JSON", format, js)
			}
		}
	})
}

// FuzzHeaders: any request bytes (the Authorization header goes through a
// base64 decoder of our own) render without panics, as valid UTF-8 text and
// valid JSON.
func FuzzHeaders(f *testing.F) {
	f.Add([]byte("Basic dXNlcjpwYXNz"), []byte("Mozilla/5.0"))
	f.Add([]byte("basic YQ==,Basic"), []byte("\xff\"'\\"))
	f.Add([]byte("Basic ===="), []byte{})
	c, err := Compile(`%(u)s %(u)r %(u)a %(a)5.3r %(f)s %(r)s %({x}i)a %({x}o)s %({x}e)r`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, auth, other []byte) {
		r := &Record{
			Method: other, RawURI: other, Protocol: other, Status: other,
			ReqHeaders:  []Field{{[]byte("Authorization"), auth}, {[]byte("X"), other}, {[]byte("Referer"), other}},
			RespHeaders: []Field{{[]byte("x"), other}},
			Env:         []Field{{[]byte("X"), other}},
		}
		line := c.Append(nil, r)
		if utf8.Valid(other) && !utf8.Valid(line) {
			t.Fatalf("Append = %q: invalid UTF-8", line)
		}
		if js := c.AppendJSON(nil, r); !json.Valid(js) {
			t.Fatalf("AppendJSON = %s: invalid JSON", js)
		}
	})
}
