package http1

import "bytes"

// Line terminator kinds found by eol.
const (
	eolPartial = iota // no LF yet
	eolCRLF
	eolBareLF
	eolBareCR // partial line holding a CR that is not its last byte
)

// eol finds the end of the line starting at p.pos: the first LF. It returns
// the content end (the LF, or the CR before it) and the terminator kind; for
// a partial line the content end is the end of buf, less a final CR that
// may be the start of CRLF. [p.pos, p.scan) is known to hold no LF, so a
// resumed search only looks at new bytes.
//
// A CR elsewhere in a complete line is a bare CR. It is not searched for
// here (that would cost a second scan of every line) but rejected by the
// line's content checks, none of which allows CR, and reported as a bare CR
// by lineErr. Partial lines, which get no content checks, are searched for
// it so that a bare CR is rejected without waiting for the LF.
func (p *Parser) eol(buf []byte) (int, int) {
	lf := bytes.IndexByte(buf[p.scan:], '\n')
	if lf >= 0 {
		lf += p.scan
		if lf > p.pos && buf[lf-1] == '\r' {
			return lf - 1, eolCRLF
		}
		return lf, eolBareLF
	}
	from := p.scan
	if from > p.pos {
		from-- // the CR that ended buf last time may now be inside the line
	}
	p.scan = len(buf)
	end := len(buf)
	if end > p.pos && buf[end-1] == '\r' {
		end--
	}
	if from < end && bytes.IndexByte(buf[from:end], '\r') >= 0 {
		return end, eolBareCR
	}
	return end, eolPartial
}

// eolErr is the result for a line that did not end in CRLF.
func eolErr(buf []byte, start, end, kind int) error {
	switch kind {
	case eolPartial:
		return ErrNeedMore
	case eolBareLF:
		return lineErr(buf, start, end, errBareLF)
	}
	return errBareCR
}

// limitErr is the error for a line starting at start whose content reaches
// q, the first offset over its limit. A bare CR before q came first in the
// stream, so it wins; this keeps the result independent of how the input
// was split, since a prefix ending before q reports that CR.
func limitErr(buf []byte, start, q int, err *Error) error {
	if start < q && bytes.IndexByte(buf[start:q], '\r') >= 0 {
		return errBareCR
	}
	return err
}

// lineErr refines a content error of the line buf[start:end]: a CR inside
// it is reported as a bare CR (RFC 9112 §2.2), whatever else is wrong.
func lineErr(buf []byte, start, end int, err error) error {
	if bytes.IndexByte(buf[start:end], '\r') >= 0 {
		return errBareCR
	}
	return err
}
