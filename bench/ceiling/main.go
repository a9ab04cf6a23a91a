// Command ceiling is the side-by-side benchmark's machine ceiling: Go's
// net/http serving, with no Python at all, the same bytes as each example
// app that bench/matrix_test.go loads (hello, flask_json, django, sleep10,
// big, upload). One process; GOMAXPROCS is every core, as two worker
// processes would use them.
//
//	ceiling -app hello -addr 127.0.0.1:8000
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func main() {
	app := flag.String("app", "hello", "hello, flask_json, django, sleep10, big or upload")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	h, ok := handlers()[*app]
	if !ok {
		log.Fatalf("unknown -app %q", *app)
	}
	log.Fatal(http.ListenAndServe(*addr, h))
}

// handlers answers exactly what examples/*.py answer, so the matrix checks
// every server, this one included, with the same expectations.
func handlers() map[string]http.Handler {
	return map[string]http.Handler{
		"hello":      static("text/plain", []byte("Hello from narwhal\n")),
		"flask_json": static("application/json", flaskJSON()),
		"django":     static("text/html; charset=utf-8", djangoPage()),
		"sleep10": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(10 * time.Millisecond)
			send(w, "text/plain", []byte("ok\n"))
		}),
		"big": static("application/octet-stream", bigBody()),
		"upload": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n, _ := io.Copy(io.Discard, r.Body)
			send(w, "text/plain", []byte(strconv.FormatInt(n, 10)+"\n"))
		}),
	}
}

func static(ctype string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { send(w, ctype, body) })
}

func send(w http.ResponseWriter, ctype string, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{ctype}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.Write(body)
}

// flaskJSON is examples/flask_json.py's PAYLOAD as Flask's jsonify writes
// it: compact, keys sorted, one trailing newline.
func flaskJSON() []byte {
	b, err := json.Marshal(map[string]any{
		"id": 12345, "name": "narwhal", "kind": "wsgi-server", "language": "go",
		"workers": 2, "ratio": 3.5, "active": true,
		"tags":    []string{"http", "wsgi", "prefork"},
		"owner":   map[string]any{"login": "narwhalhq", "id": 1},
		"message": "Hello, World!",
	})
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// djangoPage is what examples/djpage renders from templates/page.html.
func djangoPage() []byte {
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html>\n<head><meta charset=\"utf-8\"><title>narwhal django page</title></head>\n<body>\n<h1>narwhal django page</h1>\n<table>\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "<tr><td>%d</td><td>Item %d</td><td>%.2f</td></tr>\n", i, i, 1.5*float64(i))
	}
	b.WriteString("</table>\n</body>\n</html>\n")
	return []byte(b.String())
}

// bigBody is examples/big.py's BODY: bytes 0..255 repeated to 1 MiB.
func bigBody() []byte {
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}
