package sys

import (
	"fmt"
	"io"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// WriteAll writes p to a blocking descriptor with raw system calls, across
// short writes.
func WriteAll(fd int, p []byte) error {
	for len(p) > 0 {
		n, _, e := syscall.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return fmt.Errorf("write: %w", e)
		}
		p = p[n:]
	}
	return nil
}

// ReadFull reads len(p) bytes from a blocking descriptor, across short
// reads; io.EOF when the other end closed before the first byte.
func ReadFull(fd int, p []byte) (int, error) {
	got := 0
	for got < len(p) {
		n, _, e := syscall.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[got])), uintptr(len(p)-got))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return got, fmt.Errorf("read: %w", e)
		}
		if n == 0 {
			if got == 0 {
				return 0, io.EOF
			}
			return got, io.ErrUnexpectedEOF
		}
		got += int(n)
	}
	return got, nil
}
