// Package accesslog formats access-log lines exactly as gunicorn does
// (gunicorn 23 glogging.py: Logger.atoms, SafeAtoms and Logger.access), plus
// a JSON-lines variant. Operators' log parsers, dashboards and alerting
// were built against gunicorn's output byte for byte, so a drop-in
// replacement has to keep every quirk: `b` is "0" rather than "-" for an
// empty body, `T`/`M`/`D`/`L` drop whole days (datetime.timedelta.seconds),
// `t` is the time the line is written, not the time the request started,
// a repeated request header logs its last value under `{name}i` but the
// comma-joined environ value under `f` and `a`, and `"` in any string value
// is written as `\"`.
//
// A Format is compiled once from access_log_format. gunicorn applies the
// format with Python's `%` operator on every request and, when that raises
// (an incomplete "%(h", a `%(s)d` on a string atom), logs a traceback instead
// of the line; Compile reports the same mistakes once, at start, naming
// access_log_format. Format.Append then renders a Record with no allocation:
// values are appended to the caller's buffer, and the rare conversions that
// need a second pass (repr, width, precision) use the buffer's own tail as
// scratch space. A Format is immutable and safe for concurrent use.
//
// Text follows gunicorn's encoding: request and response bytes are latin-1
// in the WSGI environ (PEP 3333), and Python writes the line as UTF-8, so
// every byte >= 0x80 of a request or response value becomes two bytes in the
// line. The Basic-auth user (`u`) is decoded as UTF-8 and written as is.
// The package only formats: opening, reopening (USR1) and writing the log
// file is the worker's job.
package accesslog
