package lat

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/host"
	"zbench/internal/sys"
)

// The Go-side loops below call syscall.RawSyscall/Syscall directly with
// pointers prepared before the timer starts: no allocation, no os.File, no
// netpoller in the timed region. Errors are checked on every call (one
// predictable branch), so a failing system call is an error, not a fast number.

func runNullRaw(b *bench.B) error {
	want := uintptr(os.Getppid())
	b.StartTimer()
	for range b.N {
		if r, _, _ := syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0); r != want {
			return fmt.Errorf("getppid returned %d, want %d", r, want)
		}
	}
	b.StopTimer()
	return nil
}

func runNullGo(b *bench.B) error {
	want := uintptr(os.Getppid())
	b.StartTimer()
	for range b.N {
		if r, _, _ := syscall.Syscall(syscall.SYS_GETPPID, 0, 0, 0); r != want {
			return fmt.Errorf("getppid returned %d, want %d", r, want)
		}
	}
	b.StopTimer()
	return nil
}

func runRead(b *bench.B) error  { return onPrivateTable(b, runReadShared) }
func runWrite(b *bench.B) error { return onPrivateTable(b, runWriteShared) }

func runReadShared(b *bench.B) error {
	return oneByte(b, "/dev/zero", unix.O_RDONLY, unix.SYS_READ)
}

func runWriteShared(b *bench.B) error {
	return oneByte(b, "/dev/null", unix.O_WRONLY, unix.SYS_WRITE)
}

// onPrivateTable runs a benchmark on a thread with a descriptor table of its
// own, pinned where the measuring thread is, so that its calls on
// descriptors take the kernel's single-owner path as a single-threaded C
// program's do (sys.OnPrivateThread says why a Go thread does not).
func onPrivateTable(b *bench.B, run func(*bench.B) error) error {
	return sys.OnPrivateThread(b.CPU(), func() error { return run(b) })
}

// oneByte times read or write (nr) of one byte on a fresh blocking
// descriptor, through one called function holding the system call, as the
// null call's headline and a C program calling glibc do (Go's RawSyscall
// adds its wrapper where there is no assembly loop).
func oneByte(b *bench.B, path string, mode int, nr uintptr) error {
	fd, err := unix.Open(path, mode|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer unix.Close(fd)
	buf := sys.HeapBytes(1) // see sys.HeapBytes: memory the kernel writes lives on the heap
	b.StartTimer()
	done, last := oneByteLoop(b.N, nr, uintptr(fd), &buf[0])
	b.StopTimer()
	if done != b.N {
		if last < 0 {
			return fmt.Errorf("%s: call %d of %d: %w", path, done+1, b.N, syscall.Errno(-last))
		}
		return fmt.Errorf("%s: call %d of %d moved %d bytes, want 1", path, done+1, b.N, last)
	}
	return nil
}

// tempFile makes the regular file stat and openclose work on, in the page
// cache, and returns its path.
func tempFile() (name string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "zbench-lat-")
	if err != nil {
		return "", nil, err
	}
	name = filepath.Join(dir, "f")
	if err := os.WriteFile(name, []byte("zbench\n"), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return name, func() { os.RemoveAll(dir) }, nil
}

func runStat(b *bench.B) error {
	name, cleanup, err := tempFile()
	if err != nil {
		return err
	}
	defer cleanup()
	// Both addresses are kept as integers: heap memory (see sys.HeapBytes).
	path := sys.HeapBytes(len(name) + 1) // NUL-terminated
	copy(path, name)
	st := sys.HeapNew[unix.Stat_t]()
	p, s := uintptr(unsafe.Pointer(&path[0])), uintptr(unsafe.Pointer(st))
	at := atFDCWD()
	b.StartTimer()
	for range b.N {
		if _, _, e := syscall.RawSyscall6(sysFstatat, at, p, s, 0, 0, 0); e != 0 {
			return fmt.Errorf("fstatat: %v", e)
		}
	}
	b.StopTimer()
	runtime.KeepAlive(path)
	runtime.KeepAlive(st)
	return nil
}

// atFDCWD is AT_FDCWD (-100) as the kernel reads it from a register.
func atFDCWD() uintptr {
	fd := unix.AT_FDCWD
	return uintptr(fd)
}

func runOpenClose(b *bench.B) error {
	name, cleanup, err := tempFile()
	if err != nil {
		return err
	}
	defer cleanup()
	path := sys.HeapBytes(len(name) + 1) // NUL-terminated; see sys.HeapBytes
	copy(path, name)
	p := uintptr(unsafe.Pointer(&path[0]))
	at, flags := atFDCWD(), uintptr(unix.O_RDONLY|unix.O_CLOEXEC)
	b.StartTimer()
	for range b.N {
		fd, _, e := syscall.RawSyscall6(unix.SYS_OPENAT, at, p, flags, 0, 0, 0)
		if e != 0 {
			return fmt.Errorf("openat: %v", e)
		}
		if _, _, e := syscall.RawSyscall(unix.SYS_CLOSE, fd, 0, 0); e != 0 {
			return fmt.Errorf("close: %v", e)
		}
	}
	b.StopTimer()
	runtime.KeepAlive(path)
	return nil
}

// nanotime is the runtime's monotonic clock: clock_gettime(CLOCK_MONOTONIC)
// through the vDSO (the runtime marks it for linkname use).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

func runVDSO(b *bench.B) error {
	var last int64
	b.StartTimer()
	for range b.N {
		t := nanotime()
		if t < last {
			return fmt.Errorf("monotonic clock went backwards: %d after %d", t, last)
		}
		last = t
	}
	b.StopTimer()
	return nil
}

func uringAvailable() error { return sys.ProbeIOUring() }

func batchRunner(size int) func(*bench.B) error {
	return func(b *bench.B) error {
		ring, err := sys.NewRing(uint32(size))
		if err != nil {
			return err
		}
		defer ring.Close()
		// One op is one NOP: N NOPs go in batches of size; only the last
		// batch may be partial, which over a calibrated N is negligible.
		enters := 0
		b.StartTimer()
		for i := 0; i < b.N; i += size {
			if err := ring.NopBatch(uint32(min(size, b.N-i))); err != nil {
				return err
			}
			enters++
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(enters), "ns/enter")
		return nil
	}
}

// ia32Available probes for IA32 emulation before int $0x80 is tried: without
// it the instruction faults.
func ia32Available() error {
	if !hasAsm {
		return fmt.Errorf("%w: int $0x80 exists only on x86", bench.ErrNotSupported)
	}
	if host.IA32Emulation() == "no" {
		return fmt.Errorf("%w: the kernel has no IA32 emulation (CONFIG_IA32_EMULATION off or ia32_emulation=0 on the command line), so int $0x80 is not a system call", bench.ErrNotSupported)
	}
	return int80Works()
}
