package http1

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestAppendDate(t *testing.T) {
	before := time.Now().Truncate(time.Second)
	got := AppendDate([]byte("x"))
	after := time.Now()
	if len(got) != 1+dateLen || got[0] != 'x' {
		t.Fatalf("AppendDate = %q", got)
	}
	ts, err := http.ParseTime(string(got[1:]))
	if err != nil {
		t.Fatalf("not an IMF-fixdate: %q: %v", got[1:], err)
	}
	if ts.Before(before) || ts.After(after) {
		t.Errorf("date %v not within [%v, %v]", ts, before, after)
	}
}

func TestNewDateEntry(t *testing.T) {
	tests := []struct {
		sec  int64
		want string
	}{
		{784111777, "Sun, 06 Nov 1994 08:49:37 GMT"}, // RFC 9110 §5.6.7 example
		{0, "Thu, 01 Jan 1970 00:00:00 GMT"},
		{1709251199, "Thu, 29 Feb 2024 23:59:59 GMT"},
	}
	for _, tt := range tests {
		if got := string(newDateEntry(tt.sec).b[:]); got != tt.want {
			t.Errorf("newDateEntry(%d) = %q, want %q", tt.sec, got, tt.want)
		}
	}
}

// TestAppendDateConcurrent is meaningful under -race.
func TestAppendDateConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf [64]byte
			for i := 0; i < 2000; i++ {
				if b := AppendDate(buf[:0]); len(b) != dateLen || string(b[dateLen-3:]) != "GMT" {
					t.Errorf("bad date %q", b)
					return
				}
				if i%500 == 0 {
					cachedDate.Store(newDateEntry(0)) // force refreshes
				}
			}
		}()
	}
	wg.Wait()
}

func TestAppendDateZeroAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	AppendDate(buf)
	allocs := testing.AllocsPerRun(1000, func() { AppendDate(buf[:0]) })
	if allocs != 0 {
		t.Errorf("AppendDate allocates %v times per run, want 0", allocs)
	}
}
