//go:build nopython || !cgo

package wsgi

// pyObj stands for a Python object reference: there are none without Python.
type pyObj = struct{}

// LoadConfigFile reports that Python is not available: config files are
// Python and cannot be read without it.
func LoadConfigFile(spec string) (map[string]any, error) { return nil, errNoPython }
