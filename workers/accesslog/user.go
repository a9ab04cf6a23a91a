package accesslog

import (
	"bytes"
	"unicode/utf8"
)

// appendUser appends the user name gunicorn's Logger._get_user finds in the
// Authorization header and reports whether there is a non-empty one:
//
//	http_auth = environ.get("HTTP_AUTHORIZATION")
//	if http_auth and http_auth.lower().startswith('basic'):
//	    auth = http_auth.split(" ", 1)
//	    if len(auth) == 2:
//	        auth = base64.b64decode(auth[1].strip().encode('utf-8'))
//	        user = auth.split(b":", 1)[0].decode("UTF-8")
//
// HTTP_AUTHORIZATION joins repeated headers with ",". The decoding follows
// binascii.a2b_base64 in its default, non-strict mode: bytes outside the
// alphabet are skipped, padding ends the input, and a dangling quad is an
// error, which leaves no user. On false, dst may hold junk past its
// original length; the caller truncates.
func appendUser(dst []byte, hs []Field) ([]byte, bool) {
	d := userDecoder{out: dst, start: len(dst)}
	first := true
	for i := range hs {
		if !equalFold(hs[i].Name, "authorization") {
			continue
		}
		if !first {
			d.write([]byte{','})
		}
		first = false
		d.write(hs[i].Value)
	}
	user := d.out[d.start:]
	ok := (d.phase == phaseDone || d.phase == phaseData && d.quad == 0) &&
		len(user) > 0 && utf8.Valid(user)
	return d.out, ok
}

type userPhase uint8

const (
	phasePrefix userPhase = iota // matching "basic", case-insensitively
	phaseSpace                   // looking for the first ' '
	phaseData                    // decoding base64
	phaseDone                    // padding ended the input
	phaseFail                    // not Basic
)

type userDecoder struct {
	out   []byte
	start int
	phase userPhase
	n     int  // bytes of "basic" matched
	quad  int  // position in the current 4-character quad
	pads  int  // '=' seen in a row after quad position 2
	left  byte // bits carried to the next character
	colon bool // the user part ended at ':'
}

// write feeds the next piece of the joined header value.
func (d *userDecoder) write(b []byte) {
	for len(b) > 0 {
		switch d.phase {
		case phasePrefix:
			if b[0]|0x20 != "basic"[d.n] {
				d.phase = phaseFail
				return
			}
			b = b[1:]
			if d.n++; d.n == len("basic") {
				d.phase = phaseSpace
			}
		case phaseSpace:
			i := bytes.IndexByte(b, ' ')
			if i < 0 {
				return
			}
			b = b[i+1:]
			d.phase = phaseData
		case phaseData:
			for _, c := range b {
				if d.base64(c) {
					return
				}
			}
			return
		default:
			return
		}
	}
}

// base64 is one step of CPython's a2b_base64 (Modules/binascii.c) with
// strict_mode off; it reports whether padding ended the input.
func (d *userDecoder) base64(c byte) bool {
	if c == '=' {
		if d.quad >= 2 {
			if d.pads++; d.quad+d.pads >= 4 {
				d.phase = phaseDone
				return true
			}
		}
		return false
	}
	v := b64value[c]
	if v == 0xff {
		return false
	}
	d.pads = 0
	switch d.quad {
	case 0:
		d.left, d.quad = v, 1
	case 1:
		d.emit(d.left<<2 | v>>4)
		d.left, d.quad = v&0x0f, 2
	case 2:
		d.emit(d.left<<4 | v>>2)
		d.left, d.quad = v&0x03, 3
	case 3:
		d.emit(d.left<<6 | v)
		d.left, d.quad = 0, 0
	}
	return false
}

// emit keeps decoded bytes up to the first ':' (split(b":", 1)[0]); the
// rest is still decoded, since an error there also means no user.
func (d *userDecoder) emit(b byte) {
	if d.colon {
		return
	}
	if b == ':' {
		d.colon = true
		return
	}
	d.out = append(d.out, b)
}

// b64value maps the base64 alphabet to its values; 0xff is "not base64".
// It is a read-only table, built once.
var b64value = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()
