package sys

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// AllowedCPUs returns, in ascending order, the CPUs in the calling thread's
// affinity mask (sched_getaffinity(0)). Threads inherit the mask of the
// thread that created them, so this is normally the process's CPU set
// (cpuset/taskset limits included).
func AllowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	n := set.Count()
	cpus := make([]int, 0, n)
	for cpu := 0; len(cpus) < n && cpu < len(set)*int(unsafe.Sizeof(set[0]))*8; cpu++ {
		if set.IsSet(cpu) {
			cpus = append(cpus, cpu)
		}
	}
	return cpus, nil
}

// PinThread restricts the calling OS thread to cpu (sched_setaffinity(0)
// with a one-CPU mask); the kernel migrates the thread there before the call
// returns. It affects only the calling OS thread, not the process and not the
// goroutine: the caller must have called runtime.LockOSThread first, or the
// pin lands on a thread the goroutine may leave (and that other goroutines
// will then run on, pinned).
func PinThread(cpu int) error {
	var set unix.CPUSet
	if cpu < 0 || cpu >= len(set)*int(unsafe.Sizeof(set[0]))*8 {
		return fmt.Errorf("PinThread(%d): CPU number out of range", cpu)
	}
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("sched_setaffinity(cpu %d): %w", cpu, err)
	}
	return nil
}

// CurrentCPU returns the CPU the calling thread is running on (getcpu(2)),
// or -1 on error. The answer may be stale as soon as it is returned unless
// the thread is pinned.
//
//go:nosplit
//go:norace
func CurrentCPU() int {
	// golang.org/x/sys/unix v0.49.0 has no Getcpu wrapper. RawSyscall
	// because getcpu never blocks, so there is nothing to tell the
	// scheduler.
	var cpu uint32
	_, _, errno := unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&cpu)), 0, 0)
	if errno != 0 {
		return -1
	}
	return int(cpu)
}
