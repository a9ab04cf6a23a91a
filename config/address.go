package config

import (
	"fmt"
	"strings"
)

// Address is a parsed bind address (gunicorn's util.parse_address).
type Address struct {
	Network string // "tcp", "unix" or "fd"
	Host    string // tcp: lower-cased host, "" never (an empty address is 0.0.0.0)
	Port    int    // tcp
	Path    string // unix: socket path
	FD      int    // fd: inherited file descriptor
}

// String renders the address as gunicorn logs it ("host:port", "unix:path", "fd://n").
func (a Address) String() string {
	switch a.Network {
	case "unix":
		return "unix:" + a.Path
	case "fd":
		return fmt.Sprintf("fd://%d", a.FD)
	}
	if strings.Contains(a.Host, ":") {
		return fmt.Sprintf("[%s]:%d", a.Host, a.Port)
	}
	return fmt.Sprintf("%s:%d", a.Host, a.Port)
}

// ParseAddress parses a bind address the way gunicorn does: "unix:PATH" (or
// "unix://PATH"), "fd://FD", "[v6]:PORT", "HOST:PORT", "HOST" (port 8000),
// an optional "tcp://" prefix, and "" for 0.0.0.0:8000.
func ParseAddress(netloc string) (Address, error) {
	return parseAddress(netloc, "8000")
}

func parseAddress(netloc, defaultPort string) (Address, error) {
	if strings.HasPrefix(netloc, "unix:") {
		rest := netloc[strings.LastIndex(netloc, "unix:")+len("unix:"):]
		rest = strings.TrimPrefix(rest, "//")
		return Address{Network: "unix", Path: rest}, nil
	}
	if fd, ok := strings.CutPrefix(netloc, "fd://"); ok {
		n, err := pyInt(fd, 10)
		if err != nil {
			return Address{}, fmt.Errorf("%s is not a valid file descriptor.", pyRepr(fd))
		}
		return Address{Network: "fd", FD: int(n)}, nil
	}
	if i := strings.Index(netloc, "tcp://"); i >= 0 {
		netloc = netloc[i+len("tcp://"):]
		if j := strings.Index(netloc, "tcp://"); j >= 0 {
			netloc = netloc[:j]
		}
	}
	host, port := netloc, defaultPort
	switch {
	case strings.Contains(netloc, "[") && strings.Contains(netloc, "]"):
		host = strings.SplitN(netloc, "]", 2)[0]
		if host != "" {
			host = host[1:]
		}
		if parts := strings.Split(netloc, "]:"); len(parts) > 1 {
			port = parts[1]
		}
	case strings.Contains(netloc, ":"):
		parts := strings.Split(netloc, ":")
		host, port = parts[0], parts[1]
	case netloc == "":
		host = "0.0.0.0"
	}
	p, err := pyInt(port, 10)
	if err != nil {
		return Address{}, fmt.Errorf("%s is not a valid port number.", pyRepr(port))
	}
	return Address{Network: "tcp", Host: strings.ToLower(host), Port: int(p)}, nil
}
