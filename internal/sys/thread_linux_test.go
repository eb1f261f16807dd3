package sys

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// A descriptor opened on the private thread exists only in its table: the
// rest of the process does not see it, and it dies with the thread. One
// opened before is in both.
func TestOnPrivateThread(t *testing.T) {
	before, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(before)
	const high = 900 // a number nothing else uses
	if _, err := unix.FcntlInt(uintptr(high), unix.F_GETFD, 0); !errors.Is(err, unix.EBADF) {
		t.Skipf("descriptor %d is in use here", high)
	}
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	cpu := cpus[len(cpus)-1]
	err = OnPrivateThread(cpu, func() error {
		if got := CurrentCPU(); got != cpu {
			t.Errorf("private thread on CPU %d, want %d", got, cpu)
		}
		if _, err := unix.FcntlInt(uintptr(before), unix.F_GETFD, 0); err != nil {
			t.Errorf("descriptor opened before is not in the private table: %v", err)
		}
		return unix.Dup3(before, high, unix.O_CLOEXEC)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unix.FcntlInt(uintptr(high), unix.F_GETFD, 0); !errors.Is(err, unix.EBADF) {
		t.Errorf("descriptor %d, opened on the private thread, is in the process's table (%v): the table was shared", high, err)
		unix.Close(high)
	}
	if _, err := unix.FcntlInt(uintptr(before), unix.F_GETFD, 0); err != nil {
		t.Errorf("descriptor opened before is gone from the process's table: %v", err)
	}
}
