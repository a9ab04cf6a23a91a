package accesslog

import (
	"testing"
)

func TestAppendFields(t *testing.T) {
	tests := []struct {
		name, block string
		want        [][2]string
	}{
		{"empty", "", nil},
		{"lines", "Content-Type: text/plain\r\nX-A: 1\r\n", [][2]string{{"Content-Type", "text/plain"}, {"X-A", "1"}}},
		{"no space, tabs, empty value", "X-A:1\r\nX-B:\t 2\r\nX-C:\r\n", [][2]string{{"X-A", "1"}, {"X-B", "2"}, {"X-C", ""}}},
		{"bare LF and no final newline", "X-A: 1\nX-B: 2", [][2]string{{"X-A", "1"}, {"X-B", "2"}}},
		{"line without colon skipped", "junk\r\nX-A: a:b\r\n", [][2]string{{"X-A", "a:b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendFields(nil, []byte(tt.block))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d fields %q, want %q", len(got), got, tt.want)
			}
			for i, f := range got {
				if string(f.Name) != tt.want[i][0] || string(f.Value) != tt.want[i][1] {
					t.Errorf("field %d: got %q: %q, want %q", i, f.Name, f.Value, tt.want[i])
				}
			}
		})
	}
}

func TestAppendFieldsDoesNotAllocate(t *testing.T) {
	block := []byte("Content-Type: text/plain\r\nContent-Length: 12\r\nX-A: 1\r\n")
	fields := make([]Field, 0, 8)
	if n := testing.AllocsPerRun(100, func() { fields = AppendFields(fields[:0], block) }); n != 0 {
		t.Errorf("AppendFields allocates %v times", n)
	}
}
