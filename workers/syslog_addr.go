package workers

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// syslogFacilities is gunicorn's SYSLOG_FACILITIES (glogging.py): the names
// syslog_facility accepts, in any case.
var syslogFacilities = map[string]int{
	"auth": 4, "authpriv": 10, "cron": 9, "daemon": 3, "ftp": 11, "kern": 0,
	"lpr": 6, "mail": 2, "news": 7, "security": 4, "syslog": 5, "user": 1, "uucp": 8,
	"local0": 16, "local1": 17, "local2": 18, "local3": 19,
	"local4": 20, "local5": 21, "local6": 22, "local7": 23,
}

// syslogSeverity is SysLogHandler.mapPriority for our levels: DEBUG debug(7),
// INFO info(6), WARNING warning(4), ERROR err(3), CRITICAL crit(2).
var syslogSeverity = [...]int{LevelDebug: 7, LevelInfo: 6, LevelWarning: 4, LevelError: 3, LevelCritical: 2}

// syslogFacility looks a syslog_facility name up; the error is gunicorn's.
func syslogFacility(name string) (int, error) {
	f, ok := syslogFacilities[strings.ToLower(name)]
	if !ok {
		return 0, fmt.Errorf("syslog_facility %q: unknown facility name", name)
	}
	return f, nil
}

// syslogDest is a parsed syslog_addr: the networks to try in order and the
// address to dial.
type syslogDest struct {
	networks []string // "unixgram", "unix", "udp" or "tcp"
	addr     string   // a socket path or host:port
}

func (d syslogDest) String() string {
	if len(d.networks) == 1 {
		return d.networks[0] + ":" + d.addr
	}
	return "unix:" + d.addr
}

// parseSyslogAddr is gunicorn's parse_syslog_address, with its quirks:
//   - unix://PATH tries a datagram socket, then a stream socket (socktype
//     None in SysLogHandler); only "#dgram" pins the type, so "#stream"
//     behaves as no suffix at all;
//   - udp:// and tcp:// take HOST, HOST:PORT or [IPV6]:PORT, the host
//     lowered, "localhost" when empty, port 514 when absent.
func parseSyslogAddr(addr string) (syslogDest, error) {
	if rest, ok := strings.CutPrefix(addr, "unix://"); ok {
		networks := []string{"unixgram", "unix"}
		if path, kind, found := strings.Cut(rest, "#"); found {
			rest = path
			if kind == "dgram" {
				networks = networks[:1]
			}
		}
		return syslogDest{networks: networks, addr: rest}, nil
	}
	var network, rest string
	switch {
	case strings.HasPrefix(addr, "udp://"):
		network, rest = "udp", addr[len("udp://"):]
	case strings.HasPrefix(addr, "tcp://"):
		network, rest = "tcp", addr[len("tcp://"):]
	default:
		return syslogDest{}, errors.New("syslog_addr " + strconv.Quote(addr) + ": invalid syslog address")
	}
	var host string
	switch {
	case strings.Contains(rest, "[") && strings.Contains(rest, "]"):
		host, _, _ = strings.Cut(rest, "]")
		host = strings.ToLower(host[1:]) // gunicorn drops the first character, '[' or not
	case strings.Contains(rest, ":"):
		host, _, _ = strings.Cut(rest, ":")
		host = strings.ToLower(host)
	case rest == "":
		host = "localhost"
	default:
		host = strings.ToLower(rest)
	}
	port := "514"
	if i := strings.LastIndexByte(rest, ']'); i >= 0 {
		rest = rest[i+1:]
	}
	if _, p, found := strings.Cut(rest, ":"); found {
		n, err := strconv.Atoi(p)
		if p == "" || strings.Trim(p, "0123456789") != "" || err != nil || n > 65535 {
			return syslogDest{}, fmt.Errorf("syslog_addr %q: '%s' is not a valid port number.", addr, p)
		}
		port = strconv.Itoa(n)
	}
	return syslogDest{networks: []string{network}, addr: net.JoinHostPort(host, port)}, nil
}
