package http1

// Parser parses request heads. It is a line-at-a-time state machine that can
// resume: after ErrNeedMore it remembers the line it stopped in and how far
// that line has been searched, so feeding a head in pieces costs O(n), not
// O(n²). A Parser is not safe for concurrent use; use one per connection.
//
// Split invariance: every check is tied to a position in the byte stream and
// checks run in stream order, so any split of the input yields exactly the
// same result as the whole. Lines are validated when they are complete; an
// incomplete line is only checked for its first byte, its length and bare
// CRs, so errors are reported as soon as the line holding them ends, or at
// once for a bad first byte, a bare CR or LF, or a limit. A line longer than
// its limit is reported as too long even if it is also malformed, unless a
// bare CR comes before the limit.
type Parser struct {
	lim    Limits
	budget int // field-section cap when FieldSize == 0
	inited bool
	fwd    *Forwarders // SetForwarders; kept across heads and Reset

	// Incremental state, meaningful while active (between ErrNeedMore calls).
	req       *Request
	active    bool
	inFields  bool // the request-line has been parsed
	pos       int  // start of the current, unfinished line
	scan      int  // [pos, scan) holds no LF
	empty     int  // leading empty lines skipped
	fieldsOff int  // offset of the first field line
	nfields   int  // field lines seen, dropped ones included

	// With PermitObsFold a field is held back until the next line shows
	// whether it continues.
	pending    bool
	pendStart  int
	pendField  Field
	pendUscore bool
	pendFolded bool

	sawHost, sawCL, sawTE        bool
	teLastChunked, teUnsupported bool
	connClose, connKeepAlive     bool
}

// NewParser returns a parser enforcing l (normalized as documented on Limits).
func NewParser(l Limits) *Parser {
	p := &Parser{}
	p.setLimits(l)
	return p
}

func (p *Parser) setLimits(l Limits) {
	p.lim = l.normalize()
	p.budget = p.lim.Fields * (DefaultFieldSize + 2)
	p.inited = true
}

// SetForwarders sets the '_' names kept regardless of Limits.HeaderMap
// (gunicorn's forwarder_headers) for the heads parsed from now on. A server
// sets it once per connection, when the peer is trusted (gunicorn 23: the
// list is empty unless the peer is in forwarded_allow_ips); nil keeps none.
func (p *Parser) SetForwarders(f *Forwarders) { p.fwd = f }

// Reset forgets any partially parsed head. Parse resets by itself after it
// returns a final result (success or *Error) and when it is handed a
// different *Request or a shorter buffer, so Reset is only needed to abandon
// a head after ErrNeedMore.
func (p *Parser) Reset() {
	p.active = false
	p.req = nil
}

// Parse parses one request head from the start of buf into req; req.Raw
// aliases buf (set to buf[:n] on success). It returns (n, nil) with n the
// length of the head including leading empty lines and the final CRLF CRLF;
// (0, ErrNeedMore) when buf holds only a valid prefix of a head; or
// (0, *Error) as soon as the input is invalid or exceeds a limit.
//
// After ErrNeedMore call Parse again with the same req and a buffer holding
// the same bytes plus more (it may be a new, grown copy), the bytes being
// those Parse left: with PermitObsFold, folded values are rewritten in place
// in buf, and with CasefoldMethod so is the method (both before the bytes
// are final, so a copy made after ErrNeedMore must be taken from buf, not
// from the original input).
func (p *Parser) Parse(buf []byte, req *Request) (int, error) {
	if !p.inited {
		p.setLimits(DefaultLimits())
	}
	if !p.active || p.req != req || len(buf) < p.scan {
		p.begin(req)
	}
	req.Raw = buf
	n, err := p.run(buf, req)
	if err != ErrNeedMore {
		p.active = false
		p.req = nil
	}
	return n, err
}

func (p *Parser) begin(req *Request) {
	*p = Parser{lim: p.lim, budget: p.budget, inited: true, fwd: p.fwd, req: req, active: true}
	req.Reset()
}

func (p *Parser) run(buf []byte, req *Request) (int, error) {
	for {
		start := p.pos
		if start >= len(buf) {
			return 0, ErrNeedMore
		}
		c := buf[start]
		if !p.inFields {
			switch {
			case c == '\r':
				// RFC 9112 §2.2: skip empty lines before the request-line.
				if start+1 == len(buf) {
					return 0, ErrNeedMore
				}
				if buf[start+1] != '\n' {
					return 0, errBareCR
				}
				if p.empty == maxLeadingEmptyLines {
					return 0, errLeadingEmpty
				}
				p.empty++
				p.pos, p.scan = start+2, start+2
				continue
			case c == '\n':
				return 0, errBareLF
			case !isTchar(c):
				// Rejected at once: garbage such as a TLS ClientHello
				// should not wait for a line end.
				return 0, errMethod
			}
			end, kind := p.eol(buf)
			if q := start + p.lim.RequestLine; end > q {
				return 0, limitErr(buf, start, q, errRequestLineLong)
			}
			if kind != eolCRLF {
				return 0, eolErr(buf, start, end, kind)
			}
			if err := p.requestLine(buf, start, end, req); err != nil {
				return 0, lineErr(buf, start, end, err)
			}
			p.inFields = true
			p.pos, p.scan, p.fieldsOff = end+2, end+2, end+2
			continue
		}

		fieldStart := start
		switch c {
		case '\r':
			// The empty line ending the head (RFC 9112 §2.1).
			if start+1 == len(buf) {
				return 0, ErrNeedMore
			}
			if buf[start+1] != '\n' {
				return 0, errBareCR
			}
			if err := p.flushPending(buf, req); err != nil {
				return 0, err
			}
			if err := p.finish(req); err != nil {
				return 0, err
			}
			n := start + 2
			req.Raw = buf[:n]
			return n, nil
		case '\n':
			return 0, errBareLF
		case ' ', '\t':
			// RFC 9112 §5.2: obs-fold. Without a field to continue (the
			// first field line, or folding not permitted) it is an error.
			if !p.pending {
				if p.nfields == 0 {
					return 0, errLeadingWS
				}
				return 0, errObsFold
			}
			fieldStart = p.pendStart
		default:
			if err := p.flushPending(buf, req); err != nil {
				return 0, err
			}
			if p.nfields >= p.lim.Fields {
				return 0, errTooManyFields
			}
		}
		end, kind := p.eol(buf)
		if p.lim.FieldSize > 0 {
			if q := fieldStart + p.lim.FieldSize; end > q {
				return 0, limitErr(buf, start, q, errFieldTooLarge)
			}
		} else if q := p.fieldsOff + p.budget; end > q {
			return 0, limitErr(buf, start, q, errHeadTooLarge)
		}
		if kind != eolCRLF {
			return 0, eolErr(buf, start, end, kind)
		}
		var err error
		if c == ' ' || c == '\t' {
			err = p.continueField(buf, start, end)
		} else {
			err = p.fieldLine(buf, start, end, req)
		}
		if err != nil {
			return 0, lineErr(buf, start, end, err)
		}
		p.pos, p.scan = end+2, end+2
	}
}

// finish applies the checks that need the whole head.
func (p *Parser) finish(req *Request) error {
	// RFC 9112 §3.2: an HTTP/1.1 request without Host is answered with 400.
	if req.ProtoAtLeast(1, 1) && !p.sawHost {
		return errMissingHost
	}
	if p.sawTE {
		// RFC 9112 §6.3 (4): chunked must be the final coding, else 400.
		if !p.teLastChunked {
			return errTENotChunked
		}
		// RFC 9112 §6.1: a coding we do not implement before chunked.
		if p.teUnsupported {
			return errTEUnsupported
		}
		req.Chunked = true
		req.ContentLength = 0
	}
	// RFC 9112 §9.3: persistence.
	if req.ProtoAtLeast(1, 1) {
		req.KeepAlive = !p.connClose
	} else {
		req.KeepAlive = p.connKeepAlive && !p.connClose
	}
	return nil
}
