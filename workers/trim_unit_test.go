package workers

import "testing"

func TestIdleTrimWaitsForAQuietTick(t *testing.T) {
	var tr idleTrim
	steps := []struct {
		open     int
		accepted int64
		trims    bool
	}{
		{0, 0, false},  // never served
		{0, 5, false},  // short connections, none open at this tick
		{0, 9, false},  // still accepting
		{2, 9, false},  // connections open
		{0, 9, true},   // a whole tick without a new connection
		{0, 9, false},  // once per busy spell
		{0, 10, false}, // busy again
		{0, 10, true},
	}
	for i, s := range steps {
		before := tr.trimmed
		tr.tick(s.open, s.accepted)
		if got := tr.trimmed != before; got != s.trims {
			t.Fatalf("step %d (%d open, %d accepted): trimmed %v, want %v", i, s.open, s.accepted, got, s.trims)
		}
	}
}
