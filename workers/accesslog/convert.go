package accesslog

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// This file applies a conversion's repr, precision, width and flags the way
// CPython's unicode_format_arg_output does. Widths and precisions count
// characters; the line is UTF-8, so that is runes.

// finish rewrites the value at dst[start:] for a non-plain string
// conversion: %r / %a (isString only; repr of an int is its digits), then
// the precision truncates and the width pads with spaces. Python ignores
// the '0', '+' and ' ' flags for s, r and a.
func finish(dst []byte, start int, o *op, isString bool) []byte {
	if isString && (o.conv == 'r' || o.conv == 'a') {
		dst = appendRepr(dst, start, o.conv == 'a')
	}
	if o.prec >= 0 {
		dst = dst[:start+runePrefix(dst[start:], o.prec)]
	}
	if o.width > 0 {
		if n := utf8.RuneCount(dst[start:]); n < o.width {
			dst = pad(dst, start, o.width-n, ' ', o.flags&flagLeft != 0)
		}
	}
	return dst
}

// runePrefix is the byte length of the first n runes of b.
func runePrefix(b []byte, n int) int {
	i := 0
	for ; n > 0 && i < len(b); n-- {
		_, size := utf8.DecodeRune(b[i:])
		i += size
	}
	return i
}

// pad adds n fill bytes after dst[start:] (left-justified) or before it.
func pad(dst []byte, start, n int, fill byte, left bool) []byte {
	end := len(dst)
	for i := 0; i < n; i++ {
		dst = append(dst, fill)
	}
	if !left {
		copy(dst[start+n:], dst[start:end])
		for i := start; i < start+n; i++ {
			dst[i] = fill
		}
	}
	return dst
}

// appendRepr replaces dst[start:] by Python's repr() of it (ascii() when
// ascii is set). The repr is built past the end of dst and moved back, so
// the buffer's spare capacity is the only scratch space.
func appendRepr(dst []byte, start int, ascii bool) []byte {
	end := len(dst)
	src := dst[start:end] // stays valid if append moves dst
	quote := byte('\'')
	if hasByte(src, '\'') && !hasByte(src, '"') {
		quote = '"'
	}
	dst = append(dst, quote)
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		c := src[i]
		i += size
		switch {
		case c == quote || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c < ' ' || c == 0x7f:
			dst = appendHexEscape(dst, 'x', uint32(c), 2)
		case c < 0x80:
			dst = append(dst, c)
		case r == utf8.RuneError && size == 1:
			// Invalid UTF-8 (only possible in Env): show the byte.
			dst = appendHexEscape(dst, 'x', uint32(c), 2)
		case !ascii && unicode.IsPrint(r):
			// Go's IsPrint is Python's str.isprintable(): letters,
			// marks, numbers, punctuation and symbols.
			dst = utf8.AppendRune(dst, r)
		case r <= 0xff:
			dst = appendHexEscape(dst, 'x', uint32(r), 2)
		case r <= 0xffff:
			dst = appendHexEscape(dst, 'u', uint32(r), 4)
		default:
			dst = appendHexEscape(dst, 'U', uint32(r), 8)
		}
	}
	dst = append(dst, quote)
	n := copy(dst[start:], dst[end:])
	return dst[:start+n]
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

func appendHexEscape(dst []byte, kind byte, v uint32, digits int) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '\\', kind)
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		dst = append(dst, hex[v>>uint(shift)&0xf])
	}
	return dst
}

// appendNumber formats an int atom for d, i, u, x, X and o as Python does:
// _PyUnicode_FormatLong gives [-][0x]digits with at least prec digits, then
// unicode_format_arg_output places the sign, the "0x" prefix and the fill.
func appendNumber(dst []byte, o *op, v int64) []byte {
	var buf [24]byte
	mag := uint64(v)
	if v < 0 {
		mag = -mag
	}
	base := 10
	prefix := ""
	switch o.conv {
	case 'x':
		base, prefix = 16, "0x"
	case 'X':
		base, prefix = 16, "0X"
	case 'o':
		base, prefix = 8, "0o"
	}
	if o.flags&flagAlt == 0 {
		prefix = ""
	}
	digits := strconv.AppendUint(buf[:0], mag, base)
	if o.conv == 'X' {
		for i, c := range digits {
			if c >= 'a' {
				digits[i] = c - 'a' + 'A'
			}
		}
	}
	zeros := 0
	if o.prec > len(digits) {
		zeros = o.prec - len(digits)
	}
	var sign byte
	switch {
	case v < 0:
		sign = '-'
	case o.flags&flagSign != 0:
		sign = '+'
	case o.flags&flagBlank != 0:
		sign = ' '
	}
	fill := byte(' ')
	if o.flags&flagZero != 0 {
		fill = '0'
	}
	left := o.flags&flagLeft != 0
	n := len(prefix) + zeros + len(digits) // Python's len, the sign removed
	width := max(o.width, n)
	if sign != 0 {
		if fill != ' ' {
			dst = append(dst, sign)
		}
		if width > n {
			width--
		}
	}
	if prefix != "" {
		if fill != ' ' {
			dst = append(dst, prefix...)
		}
		width = max(width-2, 0)
		n -= 2
	}
	if width > n && !left {
		for ; width > n; width-- {
			dst = append(dst, fill)
		}
	}
	if fill == ' ' {
		if sign != 0 {
			dst = append(dst, sign)
		}
		dst = append(dst, prefix...)
	}
	for i := 0; i < zeros; i++ {
		dst = append(dst, '0')
	}
	dst = append(dst, digits...)
	for ; width > n; width-- {
		dst = append(dst, ' ')
	}
	return dst
}
