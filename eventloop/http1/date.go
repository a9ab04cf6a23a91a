package http1

import (
	"sync/atomic"
	"time"
)

// dateLen is the length of an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT".
const dateLen = 29

type dateEntry struct {
	sec int64
	b   [dateLen]byte
}

// cachedDate holds the Date value of the current second. Readers compare the
// second and refresh it themselves when it changed (no ticker goroutine to
// start or stop); a refresh allocates one small entry at most once per
// second per racing reader, and readers only ever see complete entries
// because entries are immutable once published.
var cachedDate atomic.Pointer[dateEntry]

// AppendDate appends the current time as an IMF-fixdate (RFC 9110 §5.6.7),
// the value of the Date field, without allocating on the hot path.
func AppendDate(dst []byte) []byte {
	now := time.Now().Unix()
	e := cachedDate.Load()
	if e == nil || e.sec != now {
		e = newDateEntry(now)
		cachedDate.Store(e)
	}
	return append(dst, e.b[:]...)
}

func newDateEntry(sec int64) *dateEntry {
	e := &dateEntry{sec: sec}
	time.Unix(sec, 0).UTC().AppendFormat(e.b[:0], "Mon, 02 Jan 2006 15:04:05 GMT")
	return e
}
