package eventloop

import "syscall"

func pread(fd int, p []byte, off int64) (int, error) {
	for {
		n, err := syscall.Pread(fd, p, off)
		if err == syscall.EINTR {
			continue
		}
		if n < 0 {
			n = 0
		}
		return n, err
	}
}
