package http1

import "math"

// Chunked decoder limits.
const (
	maxChunkSizeDigits = 16   // 16 hex digits hold any int64; more is abuse
	maxChunkExtLen     = 4096 // bytes between chunk-size and CRLF
)

// Decoder states.
const (
	csSize          uint8 = iota // in chunk-size (at least one digit seen unless ndigits == 0)
	csExtPreSemi                 // after BWS following size or ext: expect BWS or ';'
	csExtPreName                 // after ';': BWS or ext-name
	csExtName                    // in ext-name
	csExtPostName                // BWS after ext-name: expect '=' or ';'
	csExtPreVal                  // after '=': BWS or ext-val
	csExtToken                   // in token ext-val
	csExtQuoted                  // in quoted-string ext-val
	csExtQuotedPair              // after '\' in quoted-string
	csExtAfterVal                // after an ext-val: BWS, ';' or CR
	csSizeLF                     // CR seen ending the chunk line
	csData                       // in chunk-data
	csDataCR                     // after chunk-data: expect CR
	csDataLF                     // expect LF
	csTrailerStart               // start of a trailer line, or the final CRLF
	csTrailerLine                // in a trailer field line
	csTrailerLF                  // CR seen ending a trailer line
	csFinalLF                    // CR of the final empty line seen
	csDone
)

// Trailer is a trailer field; both slices are owned by the ChunkedDecoder and
// valid until its Reset.
type Trailer struct{ Name, Value []byte }

// ChunkedDecoder incrementally decodes a chunked request body (RFC 9112 §7.1).
// The zero value is ready to use; Reset readies it for another body while
// keeping its storage and configuration. It is a byte-level state machine, so
// any split of the input decodes identically.
type ChunkedDecoder struct {
	// MaxTrailerFields caps the number of trailer fields (431 beyond);
	// 0 means 100, gunicorn's default limit_request_fields.
	MaxTrailerFields int
	// MaxTrailerFieldSize caps one trailer field line (431 beyond);
	// 0 means 8190, gunicorn's default limit_request_field_size.
	MaxTrailerFieldSize int
	// HeaderMap applies gunicorn's header_map to trailer names with '_'.
	HeaderMap HeaderMap
	// Forwarders are the '_' names kept despite HeaderMap (gunicorn parses
	// trailers with parse_headers, forwarder_headers included); see
	// Parser.SetForwarders.
	Forwarders *Forwarders
	// StripHeaderSpaces is gunicorn's strip_header_spaces for trailer
	// fields (gunicorn parses trailers with the header code); see
	// Limits.StripHeaderSpaces.
	StripHeaderSpaces bool

	state   uint8
	ndigits int
	size    uint64 // size of the current chunk, then bytes left of it
	extLen  int
	last    bool // the current chunk line is the last-chunk

	tbuf      []byte     // trailer lines (accepted ones, without CRLF)
	tspans    [][4]int32 // name lo, hi, value lo, hi in tbuf
	lineStart int        // start of the current trailer line in tbuf
	ntrailers int        // trailer lines seen, dropped ones included
	trailers  []Trailer
}

// Reset readies d for a new body. Limits, HeaderMap, Forwarders and
// StripHeaderSpaces are kept.
func (d *ChunkedDecoder) Reset() {
	*d = ChunkedDecoder{
		MaxTrailerFields:    d.MaxTrailerFields,
		MaxTrailerFieldSize: d.MaxTrailerFieldSize,
		HeaderMap:           d.HeaderMap,
		Forwarders:          d.Forwarders,
		StripHeaderSpaces:   d.StripHeaderSpaces,
		tbuf:                d.tbuf[:0],
		tspans:              d.tspans[:0],
		trailers:            d.trailers[:0],
	}
}

// Done reports whether the whole body, trailers included, has been decoded.
func (d *ChunkedDecoder) Done() bool { return d.state == csDone }

// Trailers returns the trailer fields received, in order, once Done.
func (d *ChunkedDecoder) Trailers() []Trailer {
	if d.state != csDone {
		return nil
	}
	if len(d.trailers) != len(d.tspans) {
		d.trailers = d.trailers[:0]
		for _, s := range d.tspans {
			d.trailers = append(d.trailers, Trailer{Name: d.tbuf[s[0]:s[1]], Value: d.tbuf[s[2]:s[3]]})
		}
	}
	return d.trailers
}

// Decode consumes bytes from src, appending the decoded body to dst. It
// returns the new dst, the number of src bytes consumed, done=true once the
// last chunk, the trailer section and the final CRLF have been consumed (the
// bytes after them are left unconsumed), or an *Error. With done=false and
// err=nil it consumed all of src and needs more input. After done it
// consumes nothing.
func (d *ChunkedDecoder) Decode(dst, src []byte) (out []byte, n int, done bool, err error) {
	i := 0
	for i < len(src) {
		if d.state == csData {
			k := len(src) - i
			if uint64(k) > d.size {
				k = int(d.size)
			}
			dst = append(dst, src[i:i+k]...)
			i += k
			d.size -= uint64(k)
			if d.size == 0 {
				d.state = csDataCR
			}
			continue
		}
		if d.state == csTrailerLine {
			k, e := d.trailerBytes(src[i:])
			i += k
			if e != nil {
				return dst, i, false, e
			}
			continue
		}
		if d.state == csDone {
			return dst, i, true, nil
		}
		if e := d.step(src[i]); e != nil {
			return dst, i, false, e
		}
		if d.state != csTrailerLine { // a trailer line's first byte is left for trailerBytes
			i++
		}
	}
	return dst, i, d.state == csDone, nil
}

// step advances the state machine over one byte of chunk framing.
func (d *ChunkedDecoder) step(c byte) *Error {
	switch d.state {
	case csSize:
		// RFC 9112 §7.1: chunk-size = 1*HEXDIG, nothing else: no sign, no
		// "0x", no whitespace before it.
		if class[c]&cHex != 0 {
			if d.ndigits == maxChunkSizeDigits {
				return errChunkSizeLarge
			}
			d.ndigits++
			d.size = d.size<<4 | uint64(unhex(c))
			return nil
		}
		if d.ndigits == 0 {
			return errChunkSize
		}
		if d.size > math.MaxInt64 {
			return errChunkSizeLarge
		}
		d.last = d.size == 0
		switch {
		case c == '\r':
			d.state = csSizeLF
		case c == ';':
			d.state = csExtPreName
		case isOWS(c):
			d.state = csExtPreSemi // BWS before ';'
		default:
			return errChunkSize
		}
		return d.extByte()
	case csSizeLF:
		if c != '\n' {
			return errChunkLineEnd
		}
		d.extLen = 0
		d.ndigits = 0
		if d.last {
			d.state = csTrailerStart
		} else {
			d.state = csData
		}
		return nil
	case csDataCR:
		if c != '\r' {
			return errChunkDataEnd
		}
		d.state = csDataLF
		return nil
	case csDataLF:
		if c != '\n' {
			return errChunkDataEnd
		}
		d.state = csSize
		d.size = 0
		return nil
	case csTrailerStart:
		switch {
		case c == '\r':
			d.state = csFinalLF
			return nil
		case c == '\n':
			return errTrailerLineEnd
		case isOWS(c):
			return errTrailerFold // RFC 9112 §5.2; never permitted in trailers
		}
		if d.ntrailers >= d.maxFields() {
			return errTooManyTrailers
		}
		// The byte is left for trailerBytes, which copies the line.
		d.lineStart = len(d.tbuf)
		d.state = csTrailerLine
		return nil
	case csTrailerLF:
		if c != '\n' {
			return errTrailerLineEnd
		}
		d.state = csTrailerStart
		return d.trailerLine()
	case csFinalLF:
		if c != '\n' {
			return errTrailerLineEnd
		}
		d.state = csDone
		return nil
	}
	return d.extStep(c)
}

func (d *ChunkedDecoder) maxFields() int {
	if d.MaxTrailerFields > 0 {
		return d.MaxTrailerFields
	}
	return 100
}

func (d *ChunkedDecoder) maxFieldSize() int {
	if d.MaxTrailerFieldSize > 0 {
		return d.MaxTrailerFieldSize
	}
	return DefaultFieldSize
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
