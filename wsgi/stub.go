//go:build nopython || !cgo

package wsgi

// This file is the whole package when built with the nopython tag or
// without cgo: the same
// API without libpython, so the rest of narwhal builds and tests anywhere.
// Init fails; nothing else can be reached without a successful Init.

// App is a loaded WSGI application (never created without Python).
type App struct{}

// Thread is an app thread (never created without Python).
type Thread struct{}

// Init reports that Python is not available.
func Init(cfg InitConfig) error { return errNoPython }

// Executable returns "": there is no interpreter.
func Executable() string { return "" }

// LoadApp reports that Python is not available.
func LoadApp(cfg AppConfig) (*App, error) { return nil, errNoPython }

// NewThread reports that Python is not available.
func (a *App) NewThread() (*Thread, error) { return nil, errNoPython }

// Close does nothing.
func (t *Thread) Close() {}

// Call reports that Python is not available.
func (t *Thread) Call(req *Request, sink Sink) error { return errNoPython }

// Interrupt reports that Python is not available.
func (t *Thread) Interrupt(exc string) error { return errNoPython }

// Stack returns "": there are no Python threads.
func (t *Thread) Stack() string { return "" }

// DumpStacks returns "": there are no Python threads.
func DumpStacks() string { return "" }

// FlushStdio does nothing: there is no interpreter.
func FlushStdio() {}

// TrimHeap does nothing: there is no interpreter.
func TrimHeap() {}
