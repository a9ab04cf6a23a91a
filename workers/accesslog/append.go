package accesslog

import (
	"encoding/binary"
	"strconv"
	"time"
)

// clfTime is gunicorn's Logger.now(): time.strftime('[%d/%b/%Y:%H:%M:%S %z]')
// under Python's default "C" LC_TIME, so month names are English.
const clfTime = "[02/Jan/2006:15:04:05 -0700]"

// Append appends the access-log line for r to dst, without the trailing
// newline, and returns the extended buffer. It does not allocate when dst
// has room for the line; it never panics on any Record.
func (f *Format) Append(dst []byte, r *Record) []byte {
	for i := range f.ops {
		o := &f.ops[i]
		dst = append(dst, o.lit...)
		if o.atom == atomNone {
			break
		}
		if o.atom.numeric() && o.conv != 's' && o.conv != 'r' && o.conv != 'a' {
			dst = appendNumber(dst, o, intAtom(o.atom, r))
			continue
		}
		start := len(dst)
		dst = appendAtom(dst, o, r)
		if !o.plain() {
			dst = finish(dst, start, o, !o.atom.numeric())
		}
	}
	return dst
}

// appendAtom appends the atom's value as SafeAtoms holds it: '"' escaped as
// `\"` in string values, latin-1 request bytes re-encoded as UTF-8.
func appendAtom(dst []byte, o *op, r *Record) []byte {
	switch o.atom {
	case atomRemote:
		return appendLatin1(dst, r.RemoteAddr)
	case atomUser:
		return appendUserAtom(dst, r.ReqHeaders)
	case atomTime:
		return appendCLF(dst, r.Time)
	case atomRequest:
		// gunicorn: "%s %s %s" % (REQUEST_METHOD, RAW_URI, SERVER_PROTOCOL)
		dst = appendLatin1(dst, r.Method)
		dst = append(dst, ' ')
		dst = appendLatin1(dst, r.RawURI)
		dst = append(dst, ' ')
		return appendLatin1(dst, r.Protocol)
	case atomStatus:
		if w := statusWord(r.Status); len(w) > 0 {
			return appendLatin1(dst, w)
		}
		return strconv.AppendInt(dst, int64(r.Code), 10)
	case atomMethod:
		return appendLatin1(dst, r.Method)
	case atomPath:
		return appendLatin1(dst, r.PathInfo)
	case atomQuery:
		return appendLatin1(dst, r.Query)
	case atomProto:
		return appendLatin1(dst, r.Protocol)
	case atomSentStr, atomSent, atomSeconds, atomMicros, atomMillis:
		// b is str(resp.sent): "0", not "-", for an empty body, since
		// gunicorn's Response starts with sent = 0, never None.
		return strconv.AppendInt(dst, intAtom(o.atom, r), 10)
	case atomReferer:
		return appendJoined(dst, r.ReqHeaders, "referer")
	case atomAgent:
		return appendJoined(dst, r.ReqHeaders, "user-agent")
	case atomDecimal:
		secs, us := timedelta(r.Duration)
		dst = strconv.AppendInt(dst, secs, 10)
		dst = append(dst, '.')
		return appendPadded(dst, us, 6)
	case atomPid:
		dst = append(dst, '<')
		dst = strconv.AppendInt(dst, int64(r.Pid), 10)
		return append(dst, '>')
	case atomReqHeader:
		if v, ok := lastField(r.ReqHeaders, o.name); ok {
			return appendLatin1(dst, v)
		}
	case atomRespHeader:
		if v, ok := lastField(r.RespHeaders, o.name); ok {
			return appendLatin1(dst, v)
		}
	case atomEnv:
		if v, ok := lastField(r.Env, o.name); ok {
			return appendEscaped(dst, v)
		}
	}
	return append(dst, '-') // l, unknown keys, absent headers
}

// intAtom is the value of a numeric atom (and of b, its string twin).
func intAtom(a atom, r *Record) int64 {
	secs, us := timedelta(r.Duration)
	switch a {
	case atomSeconds:
		return secs
	case atomMicros:
		return secs*1_000_000 + us
	case atomMillis:
		return secs*1000 + us/1000
	}
	return r.Sent
}

// timedelta splits d as gunicorn's request_time (a datetime.timedelta) is
// read: .seconds is the seconds within the last day, so whole days are
// dropped, and .microseconds the rest. A negative d (which a monotonic clock
// never gives) counts as zero.
func timedelta(d time.Duration) (secs, us int64) {
	if d < 0 {
		d = 0
	}
	total := int64(d / time.Microsecond)
	return total / 1_000_000 % 86400, total % 1_000_000
}

// appendPadded appends v (>= 0) zero-padded to n digits.
func appendPadded(dst []byte, v int64, n int) []byte {
	var buf [20]byte
	d := strconv.AppendInt(buf[:0], v, 10)
	for i := len(d); i < n; i++ {
		dst = append(dst, '0')
	}
	return append(dst, d...)
}

// statusWord is Python's status.split(None, 1)[0] on the latin-1 status
// text, or nil when it has no word.
func statusWord(s []byte) []byte {
	i := 0
	for i < len(s) && isPySpace(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !isPySpace(s[j]) {
		j++
	}
	return s[i:j]
}

// isPySpace is str.isspace() for a latin-1 character.
func isPySpace(c byte) bool {
	return c >= '\t' && c <= '\r' || c >= 0x1c && c <= ' ' || c == 0x85 || c == 0xa0
}

// appendCLF is t.AppendFormat(dst, clfTime), without parsing the layout
// on every request.
func appendCLF(dst []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	_, offset := t.Zone()
	dst = append(dst, '[')
	dst = appendPadded(dst, int64(day), 2)
	dst = append(dst, '/')
	dst = append(dst, month.String()[:3]...)
	dst = append(dst, '/')
	dst = appendPadded(dst, int64(year), 4)
	for _, v := range [3]int{hour, min, sec} {
		dst = append(dst, ':')
		dst = appendPadded(dst, int64(v), 2)
	}
	dst = append(dst, ' ', '+')
	if offset < 0 {
		dst[len(dst)-1] = '-'
		offset = -offset
	}
	dst = appendPadded(dst, int64(offset/3600), 2)
	dst = appendPadded(dst, int64(offset/60%60), 2)
	return append(dst, ']')
}

// plainRun is the length of the prefix of b that needs no escaping and no
// re-encoding: bytes below 0x80 other than '"'. It tests eight bytes at a
// time (the "has zero byte" trick on b XOR '"' repeated).
func plainRun(b []byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ ones*'"'
		if (x|(q-ones)&^q)&highs != 0 {
			break
		}
	}
	for i < len(b) && b[i] < 0x80 && b[i] != '"' {
		i++
	}
	return i
}

// appendLatin1 appends b read as latin-1 and written as UTF-8, escaping '"'
// as SafeAtoms does.
func appendLatin1(dst, b []byte) []byte {
	for len(b) > 0 {
		i := plainRun(b)
		dst = append(dst, b[:i]...)
		if i == len(b) {
			break
		}
		if c := b[i]; c == '"' {
			dst = append(dst, '\\', '"')
		} else {
			dst = append(dst, 0xc0|c>>6, 0x80|c&0x3f)
		}
		b = b[i+1:]
	}
	return dst
}

// appendEscaped appends UTF-8 text, escaping '"' as SafeAtoms does.
func appendEscaped(dst, b []byte) []byte {
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '"' {
			i++
		}
		dst = append(dst, b[:i]...)
		if i == len(b) {
			break
		}
		dst = append(dst, '\\', '"')
		b = b[i+1:]
	}
	return dst
}

// appendJoined appends the values of the fields named lower joined with
// ",", which is how gunicorn's environ holds a repeated header
// (http/wsgi.py create()), or "-" when there is none.
func appendJoined(dst []byte, fs []Field, lower string) []byte {
	found := false
	for i := range fs {
		if equalFold(fs[i].Name, lower) {
			if found {
				dst = append(dst, ',')
			}
			dst = appendLatin1(dst, fs[i].Value)
			found = true
		}
	}
	if !found {
		dst = append(dst, '-')
	}
	return dst
}

// appendUserAtom appends u: the Basic-auth user, '"' escaped, or "-".
func appendUserAtom(dst []byte, hs []Field) []byte {
	start := len(dst)
	dst, ok := appendUser(dst, hs)
	if !ok {
		return append(dst[:start], '-')
	}
	// Escape '"' in place, from the back, so no scratch buffer is needed.
	quotes := 0
	for _, c := range dst[start:] {
		if c == '"' {
			quotes++
		}
	}
	if quotes == 0 {
		return dst
	}
	end := len(dst)
	for i := 0; i < quotes; i++ {
		dst = append(dst, 0)
	}
	w := len(dst)
	for i := end - 1; i >= start; i-- {
		w--
		dst[w] = dst[i]
		if dst[i] == '"' {
			w--
			dst[w] = '\\'
		}
	}
	return dst
}
