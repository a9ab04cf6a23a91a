package workers

import (
	"strings"
	"time"

	"github.com/narwhalhq/narwhal/config"
	"github.com/narwhalhq/narwhal/eventloop/http1"
)

// pipelineDepth bounds the requests one connection may have in flight.
const pipelineDepth = 64

// limits is the parser's view of the limit_request_* and header_map settings.
func limits(cfg *config.Config) http1.Limits {
	l := http1.DefaultLimits()
	l.RequestLine = cfg.Int("limit_request_line")
	l.Fields = cfg.Int("limit_request_fields")
	l.FieldSize = cfg.Int("limit_request_field_size")
	// gunicorn 23's leniency switches, all off by default.
	l.PermitObsFold = cfg.Bool("permit_obsolete_folding")
	l.StripHeaderSpaces = cfg.Bool("strip_header_spaces")
	l.PermitUnconventionalMethod = cfg.Bool("permit_unconventional_http_method")
	l.PermitUnconventionalVersion = cfg.Bool("permit_unconventional_http_version")
	l.CasefoldMethod = cfg.Bool("casefold_http_method")
	switch cfg.String("header_map") {
	case "refuse":
		l.HeaderMap = http1.HeaderMapRefuse
	case "dangerous":
		l.HeaderMap = http1.HeaderMapDangerous
	}
	return l
}

// seconds converts a whole-seconds setting; 0 or less means "off" (-1).
func seconds(n int) time.Duration {
	if n <= 0 {
		return -1
	}
	return time.Duration(n) * time.Second
}

// pythonPath splits the comma-separated pythonpath setting.
func pythonPath(cfg *config.Config) []string {
	if cfg.IsNone("pythonpath") {
		return nil
	}
	var out []string
	for _, p := range strings.Split(cfg.String("pythonpath"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// threadsOf is the number of app threads a worker of cfg runs.
func threadsOf(cfg *config.Config) int {
	if cfg.WorkerClass() == config.WorkerSync {
		return 1
	}
	return max(cfg.Int("threads"), 1)
}

// timeoutOf is the timeout setting; 0 disables worker timeouts.
func timeoutOf(cfg *config.Config) time.Duration {
	if n := cfg.Int("timeout"); n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// beatInterval is how often a worker refreshes its heartbeat: often enough
// that the master, which checks on the same period, never sees a live
// worker as late.
func beatInterval(timeout time.Duration) time.Duration {
	d := 500 * time.Millisecond
	if timeout > 0 && timeout/4 < d {
		d = max(timeout/4, 50*time.Millisecond)
	}
	return d
}

// requestTimeoutOf is narwhal's request_timeout; 0 disables it.
func requestTimeoutOf(cfg *config.Config) time.Duration {
	return time.Duration(cfg.Float("request_timeout") * float64(time.Second))
}
