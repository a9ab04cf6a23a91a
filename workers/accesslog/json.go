package accesslog

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// rfc3339Millis is time.RFC3339 with milliseconds, fixed width.
const rfc3339Millis = "2006-01-02T15:04:05.000Z07:00"

// AppendJSON appends r as one JSON object, without the trailing newline,
// for the access_log_json setting: narwhal's own format, so it is not bound
// to gunicorn's quirks. The fields are
//
//	remote_addr, time (RFC 3339, milliseconds), request ("GET /p?q HTTP/1.1"),
//	method, path, query, protocol, status (Record.Code), bytes, referer,
//	user_agent, user (null when absent), duration_ms (a number with
//	microsecond precision, whole days included), pid
//
// followed, when f names any, by "request_headers", "response_headers" and
// "environ" objects holding the {name}i, {name}o and {name}e atoms of f
// (null when absent), so access_log_format still chooses which extra values
// are logged. Strings are kept as UTF-8 where they are valid UTF-8; any
// other byte is written as \u00XX, its latin-1 reading, so the output is
// always valid JSON and loses nothing. Like Append, it does not allocate
// when dst has room and is safe for concurrent use.
func (f *Format) AppendJSON(dst []byte, r *Record) []byte {
	dst = append(dst, `{"remote_addr":`...)
	dst = appendJSONString(dst, r.RemoteAddr)
	dst = append(dst, `,"time":"`...)
	dst = r.Time.AppendFormat(dst, rfc3339Millis)
	dst = append(dst, `","request":"`...)
	dst = appendJSONChars(dst, r.Method)
	dst = append(dst, ' ')
	dst = appendJSONChars(dst, r.RawURI)
	dst = append(dst, ' ')
	dst = appendJSONChars(dst, r.Protocol)
	dst = append(dst, `","method":`...)
	dst = appendJSONString(dst, r.Method)
	dst = append(dst, `,"path":`...)
	dst = appendJSONString(dst, r.PathInfo)
	dst = append(dst, `,"query":`...)
	dst = appendJSONString(dst, r.Query)
	dst = append(dst, `,"protocol":`...)
	dst = appendJSONString(dst, r.Protocol)
	dst = append(dst, `,"status":`...)
	dst = strconv.AppendInt(dst, int64(r.Code), 10)
	dst = append(dst, `,"bytes":`...)
	dst = strconv.AppendInt(dst, r.Sent, 10)
	dst = append(dst, `,"referer":`...)
	dst = appendJSONJoined(dst, r.ReqHeaders, "referer")
	dst = append(dst, `,"user_agent":`...)
	dst = appendJSONJoined(dst, r.ReqHeaders, "user-agent")
	dst = append(dst, `,"user":`...)
	dst = appendJSONUser(dst, r.ReqHeaders)
	dst = append(dst, `,"duration_ms":`...)
	us := max(int64(r.Duration/time.Microsecond), 0)
	dst = strconv.AppendInt(dst, us/1000, 10)
	dst = append(dst, '.')
	dst = appendPadded(dst, us%1000, 3)
	dst = append(dst, `,"pid":`...)
	dst = strconv.AppendInt(dst, int64(r.Pid), 10)
	if f != nil {
		dst = f.appendJSONFields(dst, `,"request_headers":{`, atomReqHeader, r.ReqHeaders)
		dst = f.appendJSONFields(dst, `,"response_headers":{`, atomRespHeader, r.RespHeaders)
		dst = f.appendJSONFields(dst, `,"environ":{`, atomEnv, r.Env)
	}
	return append(dst, '}')
}

// appendJSONFields writes an object of the names f's atoms of kind read from
// fs, each name once, in format order; nothing when there are none.
func (f *Format) appendJSONFields(dst []byte, open string, kind atom, fs []Field) []byte {
	n := 0
	for i := range f.ops {
		o := &f.ops[i]
		if o.atom != kind || o.repeat {
			continue
		}
		if n == 0 {
			dst = append(dst, open...)
		} else {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, o.jsonKey...)
		if v, ok := lastField(fs, o.name); ok {
			dst = appendJSONString(dst, v)
		} else {
			dst = append(dst, "null"...)
		}
	}
	if n > 0 {
		dst = append(dst, '}')
	}
	return dst
}

func appendJSONJoined(dst []byte, fs []Field, lower string) []byte {
	found := false
	for i := range fs {
		if equalFold(fs[i].Name, lower) {
			if found {
				dst = append(dst, ',')
			} else {
				dst = append(dst, '"')
			}
			dst = appendJSONChars(dst, fs[i].Value)
			found = true
		}
	}
	if !found {
		return append(dst, "null"...)
	}
	return append(dst, '"')
}

func appendJSONUser(dst []byte, hs []Field) []byte {
	start := len(dst)
	dst, ok := appendUser(dst, hs)
	if !ok {
		return append(dst[:start], "null"...)
	}
	// The user is valid UTF-8; escape it past the end and move it back.
	end := len(dst)
	user := dst[start:end]
	dst = append(dst, '"')
	dst = appendJSONChars(dst, user)
	dst = append(dst, '"')
	n := copy(dst[start:], dst[end:])
	return dst[:start+n]
}

func appendJSONString(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = appendJSONChars(dst, b)
	return append(dst, '"')
}

// appendJSONChars appends b escaped for a JSON string: valid UTF-8 as is,
// '"', '\\' and control characters escaped, and each byte of invalid UTF-8
// as \u00XX.
func appendJSONChars(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		if c >= ' ' && c < 0x80 && c != '"' && c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRune(b[i:])
			if r != utf8.RuneError || size > 1 {
				dst = append(dst, b[i:i+size]...)
				i += size
				continue
			}
		}
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = appendHexEscape(dst, 'u', uint32(c), 4)
		}
		i++
	}
	return dst
}
