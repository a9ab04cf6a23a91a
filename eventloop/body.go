package eventloop

import (
	"io"
	"os"
)

// Body is a request body received in full by the loop before dispatch.
// Exactly one of Mem and File holds it; File is an unlinked temp file that
// is closed when the Exchange is released.
type Body struct {
	Mem  []byte
	File *os.File
	Len  int64
}

// Reader returns a reader over the whole body.
func (b *Body) Reader() io.Reader {
	if b.File != nil {
		return io.NewSectionReader(b.File, 0, b.Len)
	}
	return &memReader{b: b.Mem}
}

type memReader struct{ b []byte }

func (r *memReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// append adds received body bytes, spooling to a temp file once the body
// outgrows memLimit so a large upload costs disk, not worker memory.
func (b *Body) append(p []byte, memLimit int, tmpDir string) error {
	if b.File == nil && len(b.Mem)+len(p) > memLimit {
		f, err := os.CreateTemp(tmpDir, "narwhal-body-")
		if err != nil {
			return err
		}
		// Unlinked at once: the file vanishes with the process, whatever happens.
		_ = os.Remove(f.Name())
		if _, err := f.Write(b.Mem); err != nil {
			f.Close()
			return err
		}
		b.File, b.Mem = f, b.Mem[:0]
	}
	if b.File != nil {
		if _, err := b.File.Write(p); err != nil {
			return err
		}
	} else {
		b.Mem = append(b.Mem, p...)
	}
	b.Len += int64(len(p))
	return nil
}

func (b *Body) reset() {
	if b.File != nil {
		b.File.Close()
		b.File = nil
	}
	if cap(b.Mem) > 4<<20 {
		b.Mem = nil // do not keep a huge buffer alive in the pool
	}
	b.Mem = b.Mem[:0]
	b.Len = 0
}
