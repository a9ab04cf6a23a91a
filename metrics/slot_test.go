package metrics

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSlotSharedBetweenMappings(t *testing.T) {
	master, err := NewSlot(3)
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	if master.LastBeat() == 0 || master.State() != Booting {
		t.Fatalf("fresh slot: beat %d state %v", master.LastBeat(), master.State())
	}
	// A second mapping of a dup'd fd stands in for the worker process:
	// MAP_SHARED pages are the same memory either way.
	fd, err := unix.Dup(master.FD())
	if err != nil {
		t.Fatal(err)
	}
	worker, err := OpenSlot(fd)
	if err != nil {
		t.Fatal(err)
	}
	defer worker.Close()
	if worker.Threads() != 3 {
		t.Fatalf("threads = %d", worker.Threads())
	}
	worker.SetPid(1234)
	worker.SetState(Ready)
	worker.Busy(1)
	worker.AddRequest()
	worker.AddRequest()
	if master.Pid() != 1234 || master.State() != Ready || master.Requests() != 2 {
		t.Fatalf("master sees pid %d state %v requests %d", master.Pid(), master.State(), master.Requests())
	}
	if master.BusySince(1) == 0 || master.BusySince(0) != 0 || master.AllBusySince() != 0 {
		t.Fatal("busy-since not shared")
	}
	worker.Busy(0)
	worker.Busy(2)
	if all := master.AllBusySince(); all != master.BusySince(2) || all < master.BusySince(1) {
		t.Fatalf("all busy since %d, threads %d %d %d", all, master.BusySince(0), master.BusySince(1), master.BusySince(2))
	}
	worker.Idle(1)
	if master.AllBusySince() != 0 || master.BusySince(1) != 0 {
		t.Fatal("idle not shared")
	}
	worker.Busy(99) // out of range: ignored, not a crash
	before := master.LastBeat()
	worker.Beat()
	if master.LastBeat() < before {
		t.Fatal("beat went backwards")
	}
}

func TestOpenSlotRejectsOtherFiles(t *testing.T) {
	fd, err := unix.MemfdCreate("not-a-slot", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Ftruncate(fd, 4096); err != nil {
		t.Fatal(err)
	}
	if s, err := OpenSlot(fd); err == nil {
		s.Close()
		t.Fatal("zeroed memfd accepted as a slot")
	}
	unix.Close(fd)
	if _, err := OpenSlot(fd); err == nil {
		t.Fatal("closed fd accepted")
	}
}

func BenchmarkSlotBusyIdle(b *testing.B) {
	s, err := NewSlot(1)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		s.Busy(0)
		s.Idle(0)
		s.AddRequest()
	}
}

func TestNowIsClockMonotonic(t *testing.T) {
	var ts unix.Timespec
	a := Now()
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	b := Now()
	if ts.Nano() < a || ts.Nano() > b {
		t.Fatalf("CLOCK_MONOTONIC %d not within [%d, %d]", ts.Nano(), a, b)
	}
}

// BenchmarkSlotObserve is the whole per-request cost of metrics in a
// worker: the in-flight gauge, the counters and four histograms.
func BenchmarkSlotObserve(b *testing.B) {
	s, err := NewSlot(1)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	o := &Observation{Method: MethodIndex([]byte("GET")), Code: 200, Duration: 3 * time.Millisecond, Queue: 40 * time.Microsecond, ReqSize: 0, RespSize: 1234}
	b.ReportAllocs()
	for b.Loop() {
		s.Begin()
		s.Observe(o)
		s.End()
		s.AddRequest()
	}
}
