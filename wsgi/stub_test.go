//go:build nopython || !cgo

package wsgi

import "testing"

func TestStub(t *testing.T) {
	if err := Init(InitConfig{}); err == nil {
		t.Fatal("Init succeeded without Python")
	}
	if _, err := LoadApp(AppConfig{Spec: "x"}); err == nil {
		t.Fatal("LoadApp succeeded without Python")
	}
	if DumpStacks() != "" || Executable() != "" {
		t.Fatal("stub reports an interpreter")
	}
}
