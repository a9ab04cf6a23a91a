package accesslog

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestAppendJSON(t *testing.T) {
	f, err := Compile(DefaultFormat + ` %({x-request-id}i)s %({X-Request-Id}i)s %({x-cache}o)s %({missing}o)s %({REMOTE_USER}e)s`)
	if err != nil {
		t.Fatal(err)
	}
	r := sample()
	r.Duration = 24*time.Hour + 1500*time.Millisecond + 250*time.Microsecond
	line := f.AppendJSON(nil, r)
	var got map[string]any
	if err := json.Unmarshal(line, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, line)
	}
	want := map[string]any{
		"remote_addr": "192.0.2.10",
		"time":        "2000-10-10T13:55:36.000-07:00",
		"request":     "GET /search/caf%C3%A9?q=go&page=2 HTTP/1.1",
		"method":      "GET",
		"path":        "/search/café", // valid UTF-8 stays UTF-8
		"query":       "q=go&page=2",
		"protocol":    "HTTP/1.1",
		"status":      200.0,
		"bytes":       5120.0,
		"referer":     "https://example.com/",
		"user_agent":  "Mozilla/5.0",
		"user":        "alice",
		"duration_ms": 86401500.25, // whole days included, unlike T/M/D/L
		"pid":         4321.0,
		"request_headers": map[string]any{
			"x-request-id": "abc-123",
		},
		"response_headers": map[string]any{"x-cache": "HIT", "missing": nil},
		"environ":          map[string]any{"remote_user": "alice"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestAppendJSONAbsentValues(t *testing.T) {
	f, err := Compile(DefaultFormat)
	if err != nil {
		t.Fatal(err)
	}
	r := &Record{Time: time.Unix(0, 0).UTC(), Code: 204}
	want := `{"remote_addr":"","time":"1970-01-01T00:00:00.000Z","request":"  ","method":"","path":"","query":"",` +
		`"protocol":"","status":204,"bytes":0,"referer":null,"user_agent":null,"user":null,"duration_ms":0.000,"pid":0}`
	if got := string(f.AppendJSON(nil, r)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestAppendJSONStrings(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"quotes and backslashes", `a"b\c`, `"a\"b\\c"`},
		{"control characters", "a\tb\nc\x01\x7f", `"a\tb\nc\u0001` + "\x7f" + `"`},
		{"UTF-8 kept", "café 😀", `"café 😀"`},
		{"invalid UTF-8 as latin-1 escapes", "caf\xe9 \xff\xc3", `"caf\u00e9 \u00ff\u00c3"`},
		{"line separators kept", "\u2028", "\"\u2028\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(appendJSONString(nil, []byte(tt.value)))
			if got != tt.want {
				t.Errorf("%q: got %s, want %s", tt.value, got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("%q: %s is not valid JSON", tt.value, got)
			}
		})
	}
}

func TestAppendJSONUser(t *testing.T) {
	r := &Record{ReqHeaders: []Field{h("Authorization", "Basic "+b64("q\"u\\o\x01te:pw"))}}
	var f *Format // a nil Format writes only the fixed fields
	var got struct{ User string }
	if err := json.Unmarshal(f.AppendJSON(nil, r), &got); err != nil {
		t.Fatal(err)
	}
	if got.User != "q\"u\\o\x01te" {
		t.Errorf("user %q, want %q", got.User, "q\"u\\o\x01te")
	}
}
