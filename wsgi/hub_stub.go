//go:build nopython || !cgo

package wsgi

import (
	"errors"
	"time"
)

// ErrStopped is the result of a HubTask that was queued when the hub
// stopped.
var ErrStopped = errors.New("wsgi: hub stopped")

// HubTask is one request for the hub (see the cgo build).
type HubTask interface {
	Sink
	Fill(*Request)
	Done(err error)
}

// Hub is unavailable without Python.
type Hub struct{}

// PatchGevent reports that Python is not available.
func PatchGevent() error { return errNoPython }

// NewHub reports that Python is not available.
func (a *App) NewHub(lanes int) (*Hub, error) { return nil, errNoPython }

// Run reports that Python is not available.
func (h *Hub) Run(beat *int64, beatEvery, requestTimeout time.Duration) error {
	return errNoPython
}

// Submit ends t at once: there is no hub.
func (h *Hub) Submit(t HubTask) { t.Done(ErrStopped) }

// Stop does nothing.
func (h *Hub) Stop() {}
