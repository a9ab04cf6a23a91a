package http1

// extByte counts one byte of the chunk line after the size; the whole
// extension is capped so a client cannot stream an endless chunk line.
func (d *ChunkedDecoder) extByte() *Error {
	d.extLen++
	if d.extLen > maxChunkExtLen {
		return errChunkExtLong
	}
	return nil
}

// extStep validates chunk extensions (RFC 9112 §7.1.1):
//
//	chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//	chunk-ext-val = token / quoted-string
//
// They are checked and discarded: narwhal gives them no meaning. Whitespace
// is only allowed where BWS is, so "5 \r\n" (trailing space after the size)
// and "5;a=b \r\n" are rejected: lenient size parsing is a smuggling vector.
func (d *ChunkedDecoder) extStep(c byte) *Error {
	if err := d.extByte(); err != nil {
		return err
	}
	tchar := class[c]&cTchar != 0
	switch d.state {
	case csExtPreSemi:
		switch {
		case isOWS(c):
		case c == ';':
			d.state = csExtPreName
		default:
			return errChunkExt
		}
	case csExtPreName:
		switch {
		case isOWS(c):
		case tchar:
			d.state = csExtName
		default:
			return errChunkExt
		}
	case csExtName:
		switch {
		case tchar:
		case isOWS(c):
			d.state = csExtPostName
		case c == '=':
			d.state = csExtPreVal
		case c == ';':
			d.state = csExtPreName
		case c == '\r':
			d.state = csSizeLF
		default:
			return errChunkExt
		}
	case csExtPostName:
		switch {
		case isOWS(c):
		case c == '=':
			d.state = csExtPreVal
		case c == ';':
			d.state = csExtPreName
		default:
			return errChunkExt
		}
	case csExtPreVal:
		switch {
		case isOWS(c):
		case c == '"':
			d.state = csExtQuoted
		case tchar:
			d.state = csExtToken
		default:
			return errChunkExt
		}
	case csExtToken:
		switch {
		case tchar:
		case isOWS(c):
			d.state = csExtPreSemi
		case c == ';':
			d.state = csExtPreName
		case c == '\r':
			d.state = csSizeLF
		default:
			return errChunkExt
		}
	case csExtQuoted:
		switch {
		case c == '"':
			d.state = csExtAfterVal
		case c == '\\':
			d.state = csExtQuotedPair
		case class[c]&cQdtext == 0:
			return errChunkExt
		}
	case csExtQuotedPair:
		// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
		if class[c]&cValue == 0 {
			return errChunkExt
		}
		d.state = csExtQuoted
	case csExtAfterVal:
		switch {
		case isOWS(c):
			d.state = csExtPreSemi
		case c == ';':
			d.state = csExtPreName
		case c == '\r':
			d.state = csSizeLF
		default:
			return errChunkExt
		}
	default:
		return errChunkExt // unreachable: csDone and data states are handled by the caller
	}
	return nil
}
