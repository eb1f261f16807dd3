package lat

import (
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"zbench/internal/sys"
)

// The read/write loop counts only calls that moved one byte, stops at the
// first that did not, and says why.
func TestOneByteLoop(t *testing.T) {
	buf := sys.HeapBytes(1)
	fd, err := unix.Open("/dev/zero", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf[0] = 7
	if done, last := oneByteLoop(100, unix.SYS_READ, uintptr(fd), &buf[0]); done != 100 || last != 1 || buf[0] != 0 {
		t.Errorf("100 reads of /dev/zero: done %d, last %d, byte %d; want 100, 1, 0", done, last, buf[0])
	}
	if done, last := oneByteLoop(100, unix.SYS_WRITE, uintptr(fd), &buf[0]); done != 0 || last != -int64(syscall.EBADF) {
		t.Errorf("write to a read-only descriptor: done %d, last %d; want 0, -EBADF", done, last)
	}
	unix.Close(fd)
	if done, _ := oneByteLoop(100, unix.SYS_READ, uintptr(fd), &buf[0]); done != 0 {
		t.Errorf("reads of a closed descriptor: %d done", done)
	}
}
