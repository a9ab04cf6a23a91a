//go:build !nopython && cgo

package wsgi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"os"
	"strconv"
	"strings"
	"testing"
)

// framework is one real app from Debian's packages.
type framework struct {
	name, spec string
	env        map[string]string
	file       string // what GET /file serves
	sendfile   bool   // whether that goes through wsgi.file_wrapper
}

var frameworks = []framework{
	{"flask", "flask_app:app", nil, "testdata/flask_app.py", true},
	{"django", "djproj.wsgi", map[string]string{"DJANGO_SETTINGS_MODULE": "djproj.settings"}, "testdata/djproj/urls.py", true},
	{"falcon", "falcon_app:app", nil, "testdata/falcon_app.py", true},
	{"bottle", "bottle_app:app", nil, "testdata/bottle_app.py", true},
}

// post builds a POST request with the given content type and body.
func post(target, ctype string, body []byte) *Request {
	r := get(target)
	r.Method = []byte("POST")
	r.Headers = append(r.Headers,
		Header{Name: []byte("Content-Type"), Value: []byte(ctype)},
		Header{Name: []byte("Content-Length"), Value: []byte(strconv.Itoa(len(body)))})
	r.Body, r.BodyLen = body, int64(len(body))
	return r
}

func multipartBody(t *testing.T, data []byte) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("field", "value1")
	fw, _ := w.CreateFormFile("file", "upload.bin")
	fw.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.Bytes()
}

func TestFrameworks(t *testing.T) {
	upload := bytes.Repeat([]byte("narwhal\x00\xff"), 200000) // ~1.8 MB
	sum := sha256.Sum256(upload)
	ctype, mp := multipartBody(t, upload)
	for _, fw := range frameworks {
		for _, lint := range []bool{false, true} {
			name := fw.name
			spec := fw.spec
			if lint {
				name += "/lint"
				spec = "apps:lint_spec('" + fw.spec + "')"
			}
			t.Run(name, func(t *testing.T) {
				lockThread(t)
				a, err := LoadApp(AppConfig{Spec: spec, Environ: fw.env, Multithread: true})
				if err != nil {
					t.Fatal(err)
				}
				th, err := a.NewThread()
				if err != nil {
					t.Fatal(err)
				}
				defer th.Close()
				state(t, th, true)

				s := mustCall(t, th, get("/hello"), 200)
				if s.body.String() != "hello "+fw.name {
					t.Errorf("hello: %q", s.body.String())
				}

				s = mustCall(t, th, post("/form", "application/x-www-form-urlencoded", []byte("name=narwhal+%C3%A9&x=1")), 200)
				if s.body.String() != "name=narwhal é" {
					t.Errorf("form: %q", s.body.String())
				}

				for _, spooled := range []bool{false, true} {
					req := post("/upload", ctype, mp)
					if spooled {
						f, _ := os.CreateTemp(t.TempDir(), "spool")
						f.Write(mp)
						defer f.Close()
						req.Body, req.BodyFD = nil, int(f.Fd())
					}
					s = mustCall(t, th, req, 200)
					want := fmt.Sprintf("size=%d sha=%s field=value1", len(upload), hex.EncodeToString(sum[:])[:16])
					if s.body.String() != want {
						t.Errorf("upload (spooled %v): %q, want %q", spooled, s.body.String(), want)
					}
				}

				s = mustCall(t, th, get("/meta/a%20b/caf%C3%A9?q=%E2%9C%93"), 200)
				var meta map[string]any
				if err := json.Unmarshal(s.body.Bytes(), &meta); err != nil {
					t.Fatalf("meta: %v %q", err, s.body.String())
				}
				// Each framework decodes PATH_INFO (latin-1 of UTF-8) back to text.
				if meta["path"] != "/meta/a b/café" || meta["query"] != "✓" || meta["host"] != "localhost:8000" || meta["scheme"] != "http" {
					t.Errorf("meta: %v", meta)
				}

				s = mustCall(t, th, get("/stream"), 200)
				if s.body.String() != "part0;part1;part2;part3;part4;" {
					t.Errorf("stream: %q", s.body.String())
				}

				want, _ := os.ReadFile(fw.file)
				s = mustCall(t, th, get("/file"), 200)
				if !bytes.Equal(s.body.Bytes(), want) {
					t.Errorf("file: %d bytes, want %d", s.body.Len(), len(want))
				}
				if sent := len(s.files) == 1; sent != (fw.sendfile && !lint) {
					t.Errorf("file: SendFile used %v", sent)
				}

				req := get("/hello")
				req.Method, req.Head = []byte("HEAD"), true
				if s = mustCall(t, th, req, 200); s.writes != 0 {
					t.Errorf("HEAD wrote %q", s.body.String())
				}

				mustCall(t, th, get("/nowhere"), 404)

				mark := logMark()
				mustCall(t, th, get("/fail"), 500)
				if l := logSince(mark); !strings.Contains(l, fw.name+"-view-failed") {
					t.Errorf("fail: log %q lacks the view's exception", l)
				}

				if st := state(t, th, true); len(st.Problems) > 0 {
					t.Errorf("validator problems: %v", st.Problems)
				}
			})
		}
	}
}
