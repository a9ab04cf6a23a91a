// Command hellod serves a static hello response with either narwhal's event
// loop (-server engine) or Go's net/http (-server nethttp), for the engine
// benchmark. It prints its address on stdout once it listens.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/narwhalhq/narwhal/eventloop"
)

var helloBody = []byte("Hello, World!")

func main() {
	server := flag.String("server", "engine", "engine or nethttp")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	switch *server {
	case "nethttp":
		fmt.Println(ln.Addr())
		log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write(helloBody)
		})))
	case "engine":
		rc, _ := ln.(*net.TCPListener).SyscallConn()
		var fd int
		rc.Control(func(s uintptr) { fd, _ = syscall.Dup(int(s)) })
		fmt.Println(ln.Addr())
		ln.Close()
		h := eventloop.HandlerFunc(func(ex *eventloop.Exchange) {
			ex.WriteHead(200, []byte("200 OK"), []byte("Content-Type: text/plain\r\n"), int64(len(helloBody)), false)
			ex.Write(helloBody)
			ex.Finish()
		})
		srv := eventloop.New(eventloop.Config{Server: "narwhal"}, h)
		if err := srv.ServeFDs([]int{fd}); err != nil {
			log.Fatal(err)
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
	default:
		log.Fatalf("unknown -server %q", *server)
	}
}
