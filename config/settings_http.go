package config

import (
	"fmt"
	"net/netip"
)

// Section "Server Mechanics": proxy and HTTP parsing settings.

var sSecureSchemeHeaders = &Setting{
	Name: "secure_scheme_headers", Section: "Server Mechanics",
	Type: TypeDict,
	Default: map[string]any{
		"X-FORWARDED-PROTOCOL": "ssl",
		"X-FORWARDED-PROTO":    "https",
		"X-FORWARDED-SSL":      "on",
	},
	Validate: validateDict,
	Short:    "Headers and values a front-end proxy uses to mark HTTPS requests.",
	Desc: "Config file only. A dict of upper-case header names to exact values. From a client " +
		"allowed by `forwarded_allow_ips`, a match sets `wsgi.url_scheme` to `https`; matching " +
		"headers that disagree make the request fail.",
	Support: honoured(),
}

var sForwardedAllowIPs = &Setting{
	Name: "forwarded_allow_ips", Section: "Server Mechanics",
	Flags: []string{"--forwarded-allow-ips"}, Meta: "STRING",
	Type: TypeStringList, Default: "127.0.0.1,::1",
	DefaultDoc: "`$FORWARDED_ALLOW_IPS`, or `'127.0.0.1,::1'` when it is not set",
	envDefault: func(getenv func(string) string) (any, bool, error) {
		if s := getenv("FORWARDED_ALLOW_IPS"); s != "" {
			return s, true, nil
		}
		return nil, false, nil
	},
	envVar:   "FORWARDED_ALLOW_IPS",
	Validate: validateStringToNetList,
	Short:    "Front-end IPs allowed to set secure_scheme_headers and forwarder_headers.",
	Desc: "A comma separated string (also in the config file, as in gunicorn 23) of IP addresses, " +
		"networks in CIDR notation such as `10.0.0.0/8` (as gunicorn accepts after 23.0), " +
		"or `*` to trust every client. Connections without an IP (unix sockets) are trusted. " +
		"It is the connecting peer that is checked, not a client named by a PROXY protocol header.",
	Support: honoured(),
}

var sProxyProtocol = &Setting{
	Name: "proxy_protocol", Section: "Server Mechanics",
	Flags: []string{"--proxy-protocol"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Detect the PROXY protocol (PROXY mode).",
	Desc: "Accepts a PROXY protocol header, version 1 (text) or 2 (binary, as gunicorn after 23.0), " +
		"at the start of each connection from a peer allowed by `proxy_allow_ips`; its client " +
		"address becomes `REMOTE_ADDR` and `REMOTE_PORT` for every request on the connection. " +
		"A connection without a header is served as is. A malformed header is answered 400, " +
		"a header from another peer 403, and the connection closed. Unlike gunicorn, v1 `UNKNOWN` " +
		"is accepted (keeping the real peer, as the specification requires), and the " +
		"`PROXY_PROTOCOL`, `PROXY_ADDR` and `PROXY_PORT` environ keys are not set.",
	Support: honoured(),
}

var sProxyAllowIPs = &Setting{
	Name: "proxy_allow_ips", Section: "Server Mechanics",
	Flags: []string{"--proxy-allow-from"},
	Type:  TypeStringList, Default: "127.0.0.1,::1",
	Validate: validateStringToNetList,
	Short:    "Front-end IPs allowed to send PROXY protocol headers.",
	Desc: "Comma separated IP addresses, networks in CIDR notation (as gunicorn accepts after 23.0), " +
		"or `*`. Connections without an IP (unix sockets) are allowed.",
	Support: honoured(),
}

// validateStringToNetList is validate_string_to_addr_list as gunicorn has it
// after 23.0: validate_string_to_list whose items are "*" or what Python's
// ipaddress.ip_network accepts (an address, or a network without host bits
// set), with its error messages. gunicorn 23.0 took addresses only.
func validateStringToNetList(v any) (any, error) {
	l, err := validateStringToList(v)
	if err != nil {
		return nil, err
	}
	for _, a := range l.([]string) {
		if a == "*" {
			continue
		}
		if _, err := netip.ParseAddr(a); err == nil {
			continue
		}
		p, err := netip.ParsePrefix(a)
		if err != nil {
			return nil, fmt.Errorf("%s does not appear to be an IPv4 or IPv6 network", pyRepr(a))
		}
		if p.Masked() != p {
			return nil, fmt.Errorf("%s has host bits set", a)
		}
	}
	return l, nil
}

var sPermitObsoleteFolding = &Setting{
	Name: "permit_obsolete_folding", Section: "Server Mechanics",
	Flags: []string{"--permit-obsolete-folding"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Permit requests using obsolete HTTP header line folding.",
	Desc:     "Added in gunicorn 23.0; temporary.",
	Support:  honoured(),
}

var sStripHeaderSpaces = &Setting{
	Name: "strip_header_spaces", Section: "Server Mechanics",
	Flags: []string{"--strip-header-spaces"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Strip spaces between a header name and the colon.",
	Desc:     "Known to enable request smuggling; deprecated in gunicorn.",
	Support:  honoured(),
}

var sPermitUnconventionalHTTPMethod = &Setting{
	Name: "permit_unconventional_http_method", Section: "Server Mechanics",
	Flags: []string{"--permit-unconventional-http-method"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Permit HTTP methods not matching conventions (length, case, '#').",
	Desc:     "Added in gunicorn 22.0; temporary.",
	Support:  honoured(),
}

var sPermitUnconventionalHTTPVersion = &Setting{
	Name: "permit_unconventional_http_version", Section: "Server Mechanics",
	Flags: []string{"--permit-unconventional-http-version"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Permit HTTP versions other than 1.0 and 1.1.",
	Desc:     "Added in gunicorn 22.0; temporary.",
	Support:  honoured(),
}

var sCasefoldHTTPMethod = &Setting{
	Name: "casefold_http_method", Section: "Server Mechanics",
	Flags: []string{"--casefold-http-method"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Transform received HTTP methods to upper case.",
	Desc:     "Added in gunicorn 22.0; deprecated.",
	Support:  honoured(),
}

var sForwarderHeaders = &Setting{
	Name: "forwarder_headers", Section: "Server Mechanics",
	Flags: []string{"--forwarder-headers"},
	Type:  TypeStringList, Default: "SCRIPT_NAME,PATH_INFO",
	Validate: validateStringToList,
	Short:    "Upper-case headers a front-end proxy may set to be used in the WSGI environ.",
	Desc: "Comma separated. Taken only from clients allowed by `forwarded_allow_ips`, regardless " +
		"of `header_map`; typically `SCRIPT_NAME`, `PATH_INFO` and `REMOTE_USER`.",
	Support: honoured(),
}

var sHeaderMap = &Setting{
	Name: "header_map", Section: "Server Mechanics",
	Flags: []string{"--header-map"},
	Type:  TypeString, Default: "drop",
	Choices:  []string{"drop", "refuse", "dangerous"},
	Validate: validateHeaderMap,
	Short:    "How header names that cannot be mapped unambiguously into the environ are handled.",
	Desc: "`drop` (default) silently drops headers whose names contain `_` (they would collide " +
		"with `-` once mapped to `HTTP_*`), `refuse` rejects such requests, `dangerous` maps them " +
		"anyway as old gunicorn did.",
	Support: honoured(),
}
