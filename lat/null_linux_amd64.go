package lat

import (
	"fmt"
	"os"
	"runtime/debug"

	"golang.org/x/sys/unix"

	"zbench/bench"
)

// Implemented in null_amd64.s.

func nullInlineLoop(n int)
func nullCallLoop(n int)
func nullCallOnce() int64
func int80Loop(n int)
func int80Once() int32
func oneByteLoop(n int, nr, fd uintptr, buf *byte) (done int, last int64)

const hasAsm = true

// sysFstatat is newfstatat on x86-64, what glibc's stat() calls.
const sysFstatat = unix.SYS_NEWFSTATAT

func runNullCall(b *bench.B) error {
	if got, want := nullCallOnce(), int64(os.Getppid()); got != want {
		return fmt.Errorf("getppid through the called function returned %d, want %d", got, want)
	}
	b.StartTimer()
	nullCallLoop(b.N)
	b.StopTimer()
	return nil
}

func runNullInline(b *bench.B) error {
	b.StartTimer()
	nullInlineLoop(b.N)
	b.StopTimer()
	return nil
}

func runInt80(b *bench.B) error {
	if err := int80Works(); err != nil {
		return err
	}
	b.StartTimer()
	int80Loop(b.N)
	b.StopTimer()
	return nil
}

// int80Works executes int $0x80 once. A kernel built with IA32 emulation but
// running with it disabled (CONFIG_IA32_EMULATION_DEFAULT_DISABLED, or
// ia32_emulation=0) answers with a general-protection fault, which no file in
// /proc or /sys reveals; SetPanicOnFault turns that fault into a panic that
// is recovered here, so trying is safe even in the parent process.
func int80Works() (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: int $0x80 faults here: the kernel runs without IA32 emulation (built with it disabled by default, or booted with ia32_emulation=0)", bench.ErrNotSupported)
		}
	}()
	if got, want := int80Once(), int32(os.Getppid()); got != want {
		return fmt.Errorf("%w: int $0x80 getppid returned %d, want %d: no IA32 emulation", bench.ErrNotSupported, got, want)
	}
	return nil
}
