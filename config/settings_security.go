package config

// Section "Security".

var sLimitRequestLine = &Setting{
	Name: "limit_request_line", Section: "Security",
	Flags: []string{"--limit-request-line"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 4094,
	Validate: validatePosInt,
	Short:    "The maximum size of the HTTP request line in bytes.",
	Desc:     "As in gunicorn, 0 and values above 8190 mean 8190.",
	Support:  honoured(),
}

var sLimitRequestFields = &Setting{
	Name: "limit_request_fields", Section: "Security",
	Flags: []string{"--limit-request-fields"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 100,
	Validate: validatePosInt,
	Short:    "The maximum number of header fields in a request.",
	Desc:     "As in gunicorn, values above 32768 mean 32768.",
	Support:  honoured(),
}

var sLimitRequestFieldSize = &Setting{
	Name: "limit_request_field_size", Section: "Security",
	// The underscore is gunicorn's spelling.
	Flags: []string{"--limit-request-field_size"}, Meta: "INT", ArgType: ArgInt,
	Type: TypeInt, Default: 8190,
	Validate: validatePosInt,
	Short:    "The maximum size of one request header field in bytes.",
	Desc:     "0 means unlimited. Note gunicorn's flag spelling with an underscore.",
	Support:  honoured(),
}
