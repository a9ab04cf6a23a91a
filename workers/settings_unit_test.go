package workers

import (
	"testing"
	"time"
)

func TestUnitBeatInterval(t *testing.T) {
	for _, tc := range []struct{ timeout, want time.Duration }{
		{0, 500 * time.Millisecond},  // no timeout
		{-1, 500 * time.Millisecond}, // "off"
		{time.Second, 250 * time.Millisecond},
		{400 * time.Millisecond, 100 * time.Millisecond},
		{200 * time.Millisecond, 50 * time.Millisecond},
		{100 * time.Millisecond, 50 * time.Millisecond}, // floor
		{time.Millisecond, 50 * time.Millisecond},
		{2 * time.Second, 500 * time.Millisecond},
		{30 * time.Second, 500 * time.Millisecond}, // gunicorn's default timeout
	} {
		got := beatInterval(tc.timeout)
		if got != tc.want {
			t.Errorf("beatInterval(%v) = %v, want %v", tc.timeout, got, tc.want)
		}
		// A live worker always beats well within its timeout.
		if tc.timeout >= 200*time.Millisecond && got > tc.timeout/4 {
			t.Errorf("beatInterval(%v) = %v exceeds a quarter of the timeout", tc.timeout, got)
		}
	}
}

func TestUnitSeconds(t *testing.T) {
	for n, want := range map[int]time.Duration{
		0:     -1,
		-1:    -1,
		-30:   -1,
		1:     time.Second,
		30:    30 * time.Second,
		86400: 24 * time.Hour,
	} {
		if got := seconds(n); got != want {
			t.Errorf("seconds(%d) = %v, want %v", n, got, want)
		}
	}
}
