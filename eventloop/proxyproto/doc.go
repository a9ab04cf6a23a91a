// Package proxyproto parses the PROXY protocol header that a TCP front end
// (HAProxy, AWS NLB, stunnel, ...) sends at the very start of a connection to
// tell the server who the real client is: version 1 (one text line) and
// version 2 (binary), as specified in HAProxy's proxy-protocol.txt.
//
// Parse is a pure, incremental function: given the bytes received so far it
// returns ErrNeedMore until the header is complete, ErrNotProxy as soon as the
// bytes cannot start a header (the connection speaks HTTP straight away), or
// the parsed Header and its length. It never reads more than MaxV1Len bytes
// of a v1 header or MaxV2Len of a v2 one, so a connection that keeps sending
// without completing a header is refused with bounded memory. Errors are
// preallocated *Error values; a successful parse does not allocate except to
// validate a v1 address text.
//
// gunicorn 23.0 (http/message.py proxy_protocol) accepts v1 TCP4 and TCP6
// lines only; version 2 follows gunicorn's later releases. Where gunicorn and
// the specification differ, the specification's MUSTs win: v1 UNKNOWN and v2
// LOCAL are accepted and keep the real peer (gunicorn rejects UNKNOWN).
// The package imports nothing but the standard library.
package proxyproto
