package metrics

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is the master's --metrics-bind listener: /metrics in Prometheus
// text format, /healthz (the master is alive) and /readyz (serving, not
// draining after TERM) for load balancers and Kubernetes probes. It runs on
// its own port so a scrape never competes with the app's traffic.
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// Serve starts the endpoints on a "tcp" ("host:port") or "unix" address.
func Serve(network, addr string, c *Collector) (*Server, error) {
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if !c.Ready() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	s := &Server{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	// Serve returns when Close shuts the server down.
	go s.srv.Serve(ln) //nolint:errcheck

	return s, nil
}

// Addr is the address the endpoints listen on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the endpoints.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}
