//go:build nopython || !cgo

package wsgi

import "testing"

func TestConfigFileStub(t *testing.T) {
	if _, err := LoadConfigFile("gunicorn.conf.py"); err == nil {
		t.Fatal("LoadConfigFile succeeded without Python")
	}
	if _, err := (ConfigLoader{}).Load("python:mod"); err == nil {
		t.Fatal("ConfigLoader.Load succeeded without Python")
	}
}
