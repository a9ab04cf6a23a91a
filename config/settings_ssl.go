package config

// Section "SSL".

const tlsReason = "TLS termination is not implemented yet; terminate TLS in a front-end proxy"

var sKeyfile = &Setting{
	Name: "keyfile", Section: "SSL",
	Flags: []string{"--keyfile"}, Meta: "FILE",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "The TLS private key file.",
	Support:  planned(tlsReason),
}

var sCertfile = &Setting{
	Name: "certfile", Section: "SSL",
	Flags: []string{"--certfile"}, Meta: "FILE",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "The TLS certificate file.",
	Support:  planned(tlsReason),
}

var sSSLVersion = &Setting{
	Name: "ssl_version", Section: "SSL",
	Flags: []string{"--ssl-version"},
	// ssl.PROTOCOL_TLS (== PROTOCOL_SSLv23), whose int value is 2.
	Type: TypeAny, Default: 2,
	Validate: validateAny,
	Short:    "The TLS protocol version (deprecated).",
	Desc:     "Deprecated since gunicorn 21 and ignored by it with a warning; use `ssl_context`.",
	Support:  inert("deprecated and ignored by gunicorn 23 itself"),
}

var sCertReqs = &Setting{
	Name: "cert_reqs", Section: "SSL",
	Flags: []string{"--cert-reqs"},
	Type:  TypeInt, Default: 0,
	Validate: validatePosInt,
	Short:    "Whether a client certificate is required.",
	Desc:     "0: no client verification, 1: optional (`ssl.CERT_OPTIONAL`), 2: required (`ssl.CERT_REQUIRED`).",
	Support:  planned(tlsReason),
}

var sCACerts = &Setting{
	Name: "ca_certs", Section: "SSL",
	Flags: []string{"--ca-certs"}, Meta: "FILE",
	Type: TypeString, Default: nil,
	Validate: validateString,
	Short:    "The CA certificates file for client certificates.",
	Support:  planned(tlsReason),
}

var sSuppressRaggedEOFs = &Setting{
	Name: "suppress_ragged_eofs", Section: "SSL",
	Flags: []string{"--suppress-ragged-eofs"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: true,
	Validate: validateBool,
	Short:    "Suppress ragged EOFs (see Python's ssl module).",
	Support:  planned(tlsReason),
}

var sDoHandshakeOnConnect = &Setting{
	Name: "do_handshake_on_connect", Section: "SSL",
	Flags: []string{"--do-handshake-on-connect"}, Action: ActionStoreTrue,
	Type: TypeBool, Default: false,
	Validate: validateBool,
	Short:    "Perform the TLS handshake on socket connect (see Python's ssl module).",
	Support:  planned(tlsReason),
}

var sCiphers = &Setting{
	Name: "ciphers", Section: "SSL",
	Flags: []string{"--ciphers"},
	Type:  TypeString, Default: nil,
	Validate: validateString,
	Short:    "The TLS cipher suites, in OpenSSL cipher list format.",
	Support:  planned(tlsReason),
}
