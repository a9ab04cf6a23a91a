package bench

import (
	"bytes"
	"fmt"
)

// App is one example app of the side-by-side matrix: a module under
// examples/ (or the same bytes from bench/ceiling), the check every server
// must pass before it is loaded, and the loads that make sense for it.
type App struct {
	Name   string // also bench/ceiling's -app
	Module string // WSGI module:callable, with examples/ on the Python path
	Title  string
	Method string // of the check request; the loads say their own
	Body   []byte // of the check request
	Check  func(body []byte) error
	Loads  []Load
}

// Load is one wrk configuration.
type Load struct {
	Name       string // in file names and -matrix.loads
	Title      string
	Conns      int
	Script     string // file under bench/lua, or ""
	ScriptArgs []string
	Headers    []string
}

var (
	keepAlive64  = Load{Name: "keepalive-c64", Title: "keep-alive c64", Conns: 64}
	pipelined16  = Load{Name: "pipeline16-c64", Title: "pipelined x16 c64", Conns: 64, Script: "pipeline.lua", ScriptArgs: []string{"16"}}
	close64      = Load{Name: "close-c64", Title: "Connection: close c64", Conns: 64, Headers: []string{"Connection: close"}}
	keepAlive100 = Load{Name: "keepalive-c100", Title: "keep-alive c100", Conns: 100}
	post64k      = Load{Name: "post64k-c64", Title: "64 KiB POST keep-alive c64", Conns: 64, Script: "post.lua", ScriptArgs: []string{"65536"}}
)

// The bodies examples/*.py answer; bench/ceiling answers the same bytes.
var (
	helloBody = []byte("Hello from narwhal\n")
	flaskBody = []byte(`{"active":true,"id":12345,"kind":"wsgi-server","language":"go","message":"Hello, World!","name":"narwhal","owner":{"id":1,"login":"narwhalhq"},"ratio":3.5,"tags":["http","wsgi","prefork"],"workers":2}` + "\n")
	djangoRow = []byte("<tr><td>9</td><td>Item 9</td><td>13.50</td></tr>\n")
)

// Apps is the matrix's app list, in the order it runs.
func Apps() []App {
	return []App{
		{Name: "hello", Module: "hello:app", Title: "hello", Check: equal(helloBody),
			Loads: []Load{keepAlive64, pipelined16, close64}},
		{Name: "flask_json", Module: "flask_json:app", Title: "Flask JSON", Check: equal(flaskBody),
			Loads: []Load{keepAlive64}},
		{Name: "django", Module: "djpage.wsgi:application", Title: "Django page", Check: djangoPage,
			Loads: []Load{keepAlive64}},
		{Name: "sleep10", Module: "sleep10:app", Title: "sleep 10 ms", Check: equal([]byte("ok\n")),
			Loads: []Load{keepAlive100}},
		{Name: "big", Module: "big:app", Title: "1 MiB body", Check: bigBody,
			Loads: []Load{keepAlive64}},
		{Name: "upload", Module: "upload:app", Title: "64 KiB upload", Method: "POST",
			Body: bytes.Repeat([]byte("n"), 65536), Check: equal([]byte("65536\n")),
			Loads: []Load{post64k}},
	}
}

func equal(want []byte) func([]byte) error {
	return func(got []byte) error {
		if !bytes.Equal(got, want) {
			return fmt.Errorf("body %.80q, want %.80q", got, want)
		}
		return nil
	}
}

func djangoPage(got []byte) error {
	if !bytes.Contains(got, []byte("<h1>narwhal django page</h1>")) || !bytes.Contains(got, djangoRow) {
		return fmt.Errorf("body %.120q is not examples/djpage's page", got)
	}
	return nil
}

// bigBody is examples/big.py's 1 MiB: bytes 0..255 repeated.
func bigBody(got []byte) error {
	if len(got) != 1<<20 {
		return fmt.Errorf("body is %d bytes, want %d", len(got), 1<<20)
	}
	for i, b := range got {
		if b != byte(i) {
			return fmt.Errorf("body byte %d is %d, want %d", i, b, byte(i))
		}
	}
	return nil
}
