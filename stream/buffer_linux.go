package stream

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Buffer is page-aligned anonymous memory, every page faulted in for
// writing (so none is the shared zero page) before anything is timed.
// Memory handed to the kernel by address must not move: Go's heap does not
// promise that, a mapping does. Free it with unix.Munmap.
func Buffer(n int) ([]byte, error) {
	b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE)
	if err != nil {
		return nil, fmt.Errorf("mmap %d bytes: %w", n, err)
	}
	// MAP_POPULATE of a writable mapping already faults pages in for
	// writing; a store per page makes sure of it.
	for i := 0; i < len(b); i += 4096 {
		b[i] = 0xa5
	}
	return b, nil
}
