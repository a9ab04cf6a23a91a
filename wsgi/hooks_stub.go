//go:build nopython || !cgo

package wsgi

import "github.com/narwhalhq/narwhal/config"

// SetupHooks reports that Python is not available.
func SetupHooks(errorFD int, level string, cfg *config.Config) error { return errNoPython }

// CallHook does nothing: without Python there are no user hooks.
func CallHook(h config.Hook, name string, args ...any) error { return nil }

// WrapHooks reports that Python is not available.
func (a *App) WrapHooks(pre, post config.Hook, w HookWorker) error { return errNoPython }
