//go:build !nopython && cgo

package wsgi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
)

// testBody makes n bytes of lines of varied length, one longer than the
// 64 KiB read-ahead cache, and no newline at the end.
func testBody(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		switch {
		case i == 3:
			b.Write(bytes.Repeat([]byte{'L'}, 70000))
		case i%7 == 0:
			// an empty line
		default:
			fmt.Fprintf(&b, "line %d %s", i, bytes.Repeat([]byte{byte('a' + i%26)}, i%300))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()[:n]
}

type bodyReport struct {
	Len   int    `json:"len"`
	Sha   string `json:"sha"`
	Parts int    `json:"parts"`
}

// postBody sends body (in memory, or spooled to a temp file) to apps.body.
func postBody(t *testing.T, th *Thread, mode string, body []byte, spooled bool) bodyReport {
	t.Helper()
	req := get("/body?" + mode)
	req.Method = []byte("POST")
	req.Headers = append(req.Headers, Header{Name: []byte("Content-Length"), Value: []byte(strconv.Itoa(len(body)))})
	req.BodyLen = int64(len(body))
	if spooled {
		f, err := os.CreateTemp(t.TempDir(), "body")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Write(body); err != nil {
			t.Fatal(err)
		}
		// The bridge reads with pread from offset 0, whatever the position.
		req.BodyFD = int(f.Fd())
	} else {
		req.Body = body
	}
	s := mustCall(t, th, req, 200)
	var r bodyReport
	if err := json.Unmarshal(s.body.Bytes(), &r); err != nil {
		t.Fatalf("%v: %q", err, s.body.String())
	}
	return r
}

func TestInput(t *testing.T) {
	modes := []string{"read", "readn", "readnone", "readline", "readline_n", "readlines", "readlines_hint", "iter", "mixed"}
	// Modes wsgiref's InputWrapper allows (it insists on read(size)).
	lintModes := map[string]bool{"readn": true, "readline": true, "readline_n": true, "readlines": true, "readlines_hint": true, "iter": true}
	for _, size := range []int{0, 1, 8 << 10, 10 << 20} {
		body := testBody(size)
		sum := sha256.Sum256(body)
		want := hex.EncodeToString(sum[:])
		lines := bytes.Count(body, []byte{'\n'})
		if size > 0 && body[size-1] != '\n' {
			lines++
		}
		for _, spec := range specs("body") {
			for _, spooled := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%d/spooled=%v", spec, size, spooled), func(t *testing.T) {
					th := thread(t, spec)
					for _, mode := range modes {
						if spec != "apps:body" && !lintModes[mode] {
							continue
						}
						if size == 10<<20 && (mode == "readline_n" || mode == "readn") && spooled {
							continue // covered in memory; slow through pread per 100 bytes
						}
						r := postBody(t, th, mode, body, spooled)
						if r.Len != size || r.Sha != want {
							t.Errorf("%s: read %d bytes sha %.8s, want %d %.8s", mode, r.Len, r.Sha, size, want)
						}
						if (mode == "readline" || mode == "readlines" || mode == "iter" || mode == "readlines_hint") && r.Parts != lines {
							t.Errorf("%s: %d lines, want %d", mode, r.Parts, lines)
						}
					}
					checkLint(t, th)
				})
			}
		}
	}
}

// TestInputKeptEnviron: an environ kept past its request reads b” from
// wsgi.input (the body memory belongs to the server), and the bridge
// replaces the thread's reusable input object.
func TestInputKeptEnviron(t *testing.T) {
	th := thread(t, "apps:keep_environ")
	state(t, th, true)
	for i, want := range []string{"first", "empty", "empty"} {
		req := get("/")
		req.Method = []byte("POST")
		req.Body = []byte("secret body")
		req.BodyLen = int64(len(req.Body))
		s := mustCall(t, th, req, 200)
		if s.body.String() != want {
			t.Errorf("request %d: %q, want %q", i, s.body.String(), want)
		}
	}
}
