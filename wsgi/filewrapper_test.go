//go:build !nopython && cgo

package wsgi

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestFileWrapper(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 5<<20/16) // 5 MiB
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		query string
		off   int64
		want  []byte
		cl    int64
	}{
		{"whole file", path, 0, data, -1},
		{"after a buffered read", path + ",100", 100, data[100:], -1},
		{"content-length truncates", path + ",10,1000", 10, data[10:1010], 1000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			th := thread(t, "apps:file")
			s := mustCall(t, th, get("/?"+c.query), 200)
			if !bytes.Equal(s.body.Bytes(), c.want) || s.cl != c.cl {
				t.Fatalf("body %d bytes (want %d), cl %d", s.body.Len(), len(c.want), s.cl)
			}
			if s.writes != 0 || len(s.files) != 1 {
				t.Fatalf("%d writes, %d sendfiles: want only SendFile", s.writes, len(s.files))
			}
			if f := s.files[0]; f[1] != c.off || f[2] != int64(len(c.want)) {
				t.Errorf("SendFile(off %d, n %d)", f[1], f[2])
			}
		})
	}
	t.Run("validator iterates it", func(t *testing.T) {
		th := thread(t, "apps:lint('file')")
		s := mustCall(t, th, get("/?"+path), 200)
		if !bytes.Equal(s.body.Bytes(), data) || len(s.files) != 0 {
			t.Fatalf("body %d bytes, %d sendfiles", s.body.Len(), len(s.files))
		}
		checkLint(t, th)
	})
	t.Run("HEAD sends nothing", func(t *testing.T) {
		th := thread(t, "apps:file")
		req := get("/?" + path + ",0," + strconv.Itoa(len(data)))
		req.Method, req.Head = []byte("HEAD"), true
		s := mustCall(t, th, req, 200)
		if s.body.Len() != 0 || len(s.files) != 0 || s.cl != int64(len(data)) {
			t.Fatalf("body %d, sendfiles %d, cl %d", s.body.Len(), len(s.files), s.cl)
		}
	})
	for _, spec := range specs("file_nofileno") {
		t.Run(spec, func(t *testing.T) {
			th := thread(t, spec)
			state(t, th, true)
			s := mustCall(t, th, get("/"), 200)
			if s.body.String() != string(bytes.Repeat([]byte("0123456789"), 3000)) || len(s.files) != 0 {
				t.Fatalf("body %d bytes, %d sendfiles", s.body.Len(), len(s.files))
			}
			if st := state(t, th, true); len(st.Closed) != 1 || st.Closed[0] != "bytesio" || len(st.Problems) > 0 {
				t.Errorf("closed %v problems %v", st.Closed, st.Problems)
			}
		})
	}
}
