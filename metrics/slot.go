package metrics

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// State is a worker's lifecycle stage as the master sees it.
type State int64

const (
	Booting  State = iota // spawned; loading Python and the app
	Ready                 // serving
	Retiring              // leaving on its own (max_requests) or told to stop
)

func (s State) String() string {
	switch s {
	case Booting:
		return "booting"
	case Ready:
		return "ready"
	case Retiring:
		return "retiring"
	}
	return fmt.Sprintf("State(%d)", int64(s))
}

// Layout of a slot, in int64 words: a fixed header, the request metrics
// (layout.go), then one busy-since word per app thread.
const (
	wMagic = iota
	wThreads
	wPid
	wBeat
	wState
	wRequests
	wInFlight
	wConns
	wReason
	wHeaderEnd = 16 // room for more header words without moving the rest

	wMetrics     = wHeaderEnd
	wThreadTable = wMetrics + metricWords

	magic = 0x32_4c_48_57_52_41_4e // "NARWHL2"
)

// Slot is one worker's shared scoreboard. The master creates it with
// NewSlot and passes FD to the worker, which maps it with OpenSlot.
type Slot struct {
	fd    int
	mem   []byte
	words []atomic.Int64
}

// NewSlot creates a zeroed slot for a worker with the given number of app
// threads, backed by an anonymous memfd (close-on-exec: the spawner passes
// it on explicitly).
func NewSlot(threads int) (*Slot, error) {
	if threads < 1 {
		threads = 1
	}
	fd, err := unix.MemfdCreate("narwhal-worker", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	size := (wThreadTable + threads) * 8
	size = (size + 4095) &^ 4095
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("ftruncate slot: %w", err)
	}
	s, err := mapSlot(fd, size)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	s.words[wThreads].Store(int64(threads))
	s.words[wBeat].Store(Now())
	s.words[wMagic].Store(magic)
	return s, nil
}

// OpenSlot maps a slot that a master created and passed as fd.
func OpenSlot(fd int) (*Slot, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("slot fd %d: %w", fd, err)
	}
	if st.Size < wThreadTable*8 || st.Size%8 != 0 {
		return nil, fmt.Errorf("slot fd %d: size %d is not a narwhal slot", fd, st.Size)
	}
	s, err := mapSlot(fd, int(st.Size))
	if err != nil {
		return nil, err
	}
	if s.words[wMagic].Load() != magic || int(s.words[wThreads].Load()) > len(s.words)-wThreadTable {
		s.Close()
		return nil, errors.New("slot: bad magic or thread count: not a narwhal slot")
	}
	return s, nil
}

func mapSlot(fd, size int) (*Slot, error) {
	mem, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap slot: %w", err)
	}
	// mmap returns page-aligned memory, so every word is 8-byte aligned.
	words := unsafe.Slice((*atomic.Int64)(unsafe.Pointer(&mem[0])), size/8)
	return &Slot{fd: fd, mem: mem, words: words}, nil
}

// FD is the memfd backing the slot.
func (s *Slot) FD() int { return s.fd }

// Close unmaps the slot and closes its fd. The slot must not be used after.
func (s *Slot) Close() error {
	err := unix.Munmap(s.mem)
	if s.fd >= 0 {
		if cerr := unix.Close(s.fd); err == nil {
			err = cerr
		}
		s.fd = -1
	}
	return err
}

// Threads is the number of app threads the slot tracks.
func (s *Slot) Threads() int { return int(s.words[wThreads].Load()) }

// Beat records that the worker is alive now.
func (s *Slot) Beat() { s.words[wBeat].Store(Now()) }

// BeatWord is the heartbeat's address in the shared mapping, for a beat
// written outside Go (the gevent-like hub beats from a greenlet). Valid
// until Close.
func (s *Slot) BeatWord() *int64 {
	// atomic.Int64's only non-zero-size field is its int64 value.
	return (*int64)(unsafe.Pointer(&s.words[wBeat]))
}

// LastBeat is the Now() of the last Beat (of NewSlot before the first).
func (s *Slot) LastBeat() int64 { return s.words[wBeat].Load() }

// SetPid records the worker's pid (the worker writes it after exec).
func (s *Slot) SetPid(pid int) { s.words[wPid].Store(int64(pid)) }

// Pid is the pid the worker recorded, 0 before it did.
func (s *Slot) Pid() int { return int(s.words[wPid].Load()) }

// SetState records the worker's lifecycle stage.
func (s *Slot) SetState(st State) { s.words[wState].Store(int64(st)) }

// State is the worker's lifecycle stage.
func (s *Slot) State() State { return State(s.words[wState].Load()) }

// AddRequest counts one finished request and returns the new total.
func (s *Slot) AddRequest() int64 { return s.words[wRequests].Add(1) }

// Requests is the number of requests the worker has finished.
func (s *Slot) Requests() int64 { return s.words[wRequests].Load() }

// Busy records that app thread i started a request at Now(); Idle clears
// it. Out-of-range threads are ignored rather than trusted.
func (s *Slot) Busy(i int) {
	if i >= 0 && i < s.Threads() {
		s.words[wThreadTable+i].Store(Now())
	}
}

// Idle records that app thread i finished its request.
func (s *Slot) Idle(i int) {
	if i >= 0 && i < s.Threads() {
		s.words[wThreadTable+i].Store(0)
	}
}

// BusySince is when app thread i started its current request, 0 when idle.
func (s *Slot) BusySince(i int) int64 {
	if i >= 0 && i < s.Threads() {
		return s.words[wThreadTable+i].Load()
	}
	return 0
}

// AllBusySince is, when every app thread is on a request, the start of the
// newest of those requests: the worker has made no room for a new request
// since then. 0 while any thread is free. For a one-thread (sync) worker it
// is the start of its current request, the moment gunicorn's sync worker
// last notified its master.
func (s *Slot) AllBusySince() int64 {
	var newest int64
	for i, n := 0, s.Threads(); i < n; i++ {
		t := s.words[wThreadTable+i].Load()
		if t == 0 {
			return 0
		}
		newest = max(newest, t)
	}
	return newest
}
