package config

import (
	"bytes"
	"os"
	"testing"
)

// docs/settings.md must be what "go generate ./config/" writes.
func TestSettingsDocIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../docs/settings.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Markdown()) {
		t.Fatal("docs/settings.md is stale: run go generate ./config/")
	}
}

func TestSettingsDocMentionsEverySetting(t *testing.T) {
	md := string(Markdown())
	for _, s := range Settings() {
		if !bytes.Contains([]byte(md), []byte("### `"+s.Name+"`\n")) {
			t.Errorf("%s missing", s.Name)
		}
	}
}
