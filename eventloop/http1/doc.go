// Package http1 is narwhal's HTTP/1.1 wire codec: a strict, incremental,
// allocation-free request-head parser (Parser), a chunked body decoder
// (ChunkedDecoder) and an append-style response encoder (AppendHead,
// AppendChunk, AppendError) with a cached Date value (AppendDate).
//
// The parser follows RFC 9112 (message syntax) and RFC 9110 (semantics)
// strictly, because narwhal usually sits behind a proxy and every leniency is
// a request-smuggling vector: bare CR or LF, obs-fold, whitespace before the
// colon, Transfer-Encoding together with Content-Length, unknown or stacked
// transfer codings and malformed chunk sizes are all rejected. Where RFC 9112
// leaves room, it mirrors Gunicorn 23 (limit_request_line,
// limit_request_fields, limit_request_field_size, header_map) so that
// narwhal is a drop-in replacement, including gunicorn's refusal of
// unconventional methods (lower case, '#', shorter than 3 or longer than 20
// bytes). Gunicorn's leniency switches, all off by default, are Limits
// fields: permit_obsolete_folding, strip_header_spaces,
// permit_unconventional_http_method, permit_unconventional_http_version and
// casefold_http_method.
//
// Parsed requests are described by spans (offsets) into the caller's buffer,
// so a parse does no copying and no allocation; errors are preallocated
// *Error values carrying the status code the server should answer with.
// The package imports nothing but the standard library.
package http1
