//go:build linux && !amd64

package lat

import (
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"zbench/bench"
)

const hasAsm = false

const sysFstatat = unix.SYS_FSTATAT

var errNoAsm = fmt.Errorf("%w: the assembly loops are written for x86-64 only", bench.ErrNotSupported)

func runNullCall(*bench.B) error   { return errNoAsm }
func runNullInline(*bench.B) error { return errNoAsm }
func runInt80(*bench.B) error      { return errNoAsm }
func int80Works() error            { return errNoAsm }

// oneByteLoop is the Go loop where there is no assembly one: the same calls
// through syscall.RawSyscall.
func oneByteLoop(n int, nr, fd uintptr, buf *byte) (done int, last int64) {
	for done < n {
		r, _, e := syscall.RawSyscall(nr, fd, uintptr(unsafe.Pointer(buf)), 1)
		if e != 0 {
			return done, -int64(e)
		}
		if r != 1 {
			return done, int64(r)
		}
		done++
	}
	return done, 1
}
