package sys

import (
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ThreadCPU returns the CPU time, user plus system, that the calling OS
// thread has used so far. Bandwidth benchmarks read it at both ends of a
// timed region to charge each side its CPU per byte; the caller must hold
// runtime.LockOSThread, or the two readings may come from different threads.
//
// It is the quantity getrusage(RUSAGE_THREAD) reports as ru_utime+ru_stime:
// the scheduler's sum_exec_runtime of the thread. It is read with
// clock_gettime(CLOCK_THREAD_CPUTIME_ID) because that path brings the
// running thread's figure up to date first, in nanoseconds; getrusage
// reports the figure as of the thread's last tick or context switch (up to
// one tick, 1–4 ms, stale on kernels with tick-based CPU accounting) and
// rounds to microseconds.
//
// What it includes: everything that ran on this thread's account, which is
// its own system calls and any softirq work (network receive processing,
// for one) that the kernel ran on this CPU while the thread was current,
// unless the kernel was built with CONFIG_IRQ_TIME_ACCOUNTING. What it does
// not include: softirq work run in ksoftirqd or on other CPUs, and work
// done by other threads (kworkers, the io_uring worker pool).
func ThreadCPU() (time.Duration, error) {
	var ts unix.Timespec
	// RawSyscall: the clock read never blocks, and it sits at the edges of
	// timed regions, where a trip through the scheduler would be measured.
	_, _, e := unix.RawSyscall(unix.SYS_CLOCK_GETTIME, unix.CLOCK_THREAD_CPUTIME_ID, uintptr(unsafe.Pointer(&ts)), 0)
	if e != 0 {
		return 0, fmt.Errorf("clock_gettime(CLOCK_THREAD_CPUTIME_ID): %w", e)
	}
	return time.Duration(ts.Nano()), nil
}
