package workers

import (
	"sort"

	"github.com/narwhalhq/narwhal/config"
	"github.com/narwhalhq/narwhal/eventloop"
	"github.com/narwhalhq/narwhal/eventloop/http1"
)

// proxyOf translates gunicorn's front-end settings (proxy_protocol,
// proxy_allow_ips, forwarded_allow_ips, secure_scheme_headers,
// forwarder_headers) into the
// event loop's Proxy, parsing the address lists once per worker so a
// connection only runs a few prefix comparisons and a request none.
func proxyOf(cfg *config.Config) eventloop.Proxy {
	p := eventloop.Proxy{
		Protocol:       cfg.Bool("proxy_protocol"),
		ProtocolAllow:  allowList(cfg.Strings("proxy_allow_ips")),
		ForwardedAllow: allowList(cfg.Strings("forwarded_allow_ips")),
		Forwarders:     http1.NewForwarders(cfg.Strings("forwarder_headers")),
	}
	hdrs := cfg.Dict("secure_scheme_headers")
	for name, v := range hdrs {
		value, ok := v.(string)
		if !ok {
			// gunicorn compares the field value with == against what the
			// config holds, so a non-string never matches (the field still
			// counts, as http). NUL never occurs in a parsed field value.
			value = "\x00"
		}
		p.SchemeHeaders = append(p.SchemeHeaders, eventloop.SchemeHeader{Name: name, Value: value})
	}
	sort.Slice(p.SchemeHeaders, func(i, j int) bool { return p.SchemeHeaders[i].Name < p.SchemeHeaders[j].Name })
	return p
}

// allowList parses a list the config validator has already accepted; an
// entry it cannot parse (none should remain) is left out, so it trusts less.
func allowList(entries []string) *eventloop.AllowList {
	l, err := eventloop.ParseAllowList(entries)
	if err == nil {
		return l
	}
	kept := entries[:0]
	for _, e := range entries {
		if e == "*" {
			kept = append(kept, e)
		} else if _, err := eventloop.ParseNetwork(e); err == nil {
			kept = append(kept, e)
		}
	}
	l, _ = eventloop.ParseAllowList(kept)
	return l
}
