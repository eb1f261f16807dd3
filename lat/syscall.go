package lat

import (
	"fmt"

	"zbench/bench"
)

// batchSizes are the io_uring NOP batch sizes of lat/syscall/batch.
var batchSizes = []int{1, 8, 64}

func syscallSpecs() []bench.Spec {
	specs := []bench.Spec{
		{
			Name: "lat/syscall/null",
			Doc: "getppid through one called function: an assembly loop calls an assembly function holding the " +
				"syscall instruction, so one return follows the kernel's exit, as in a C program calling glibc's " +
				"getppid(). One op is one call.",
			Default: true, Pin: true, Run: runNullCall,
		},
		{
			Name: "lat/syscall/null/path=inline",
			Doc: "the syscall instruction (getppid) in a tight assembly loop, no call and no return around it: " +
				"kernel entry and exit alone, the floor. One op is one system call.",
			Default: true, Pin: true, Run: runNullInline,
		},
		{
			Name: "lat/syscall/null/path=raw",
			Doc: "getppid through Go's syscall.RawSyscall: what a Go program pays without telling the scheduler. " +
				"One op is one call.",
			Default: true, Pin: true, Run: runNullRaw,
		},
		{
			Name: "lat/syscall/null/path=go",
			Doc: "getppid through Go's syscall.Syscall: RawSyscall plus the runtime's entersyscall/exitsyscall " +
				"bookkeeping. One op is one call.",
			Default: true, Pin: true, Run: runNullGo,
		},
		{
			Name: "lat/syscall/read",
			Doc: "read(2) of 1 byte from /dev/zero on a blocking descriptor (LMbench lat_syscall read), from a thread " +
				"with a descriptor table of its own, as a single-threaded C program has: the kernel looks the descriptor " +
				"up without taking a reference. One op is one read.",
			Default: true, Pin: true, Run: runRead,
		},
		{
			Name: "lat/syscall/read/fdtable=shared",
			Doc: "lat/syscall/read from a thread sharing its descriptor table with the process's other threads, as every " +
				"Go program's (and any threaded server's) threads do: the kernel takes and drops a reference on the file " +
				"at each call. One op is one read.",
			Default: false, Pin: true, Run: runReadShared,
		},
		{
			Name: "lat/syscall/write",
			Doc: "write(2) of 1 byte to /dev/null (LMbench lat_syscall write), from a thread with a descriptor table of " +
				"its own, as for lat/syscall/read. One op is one write.",
			Default: false, Pin: true, Run: runWrite,
		},
		{
			Name: "lat/syscall/write/fdtable=shared",
			Doc: "lat/syscall/write from a thread sharing its descriptor table, as for lat/syscall/read/fdtable=shared. " +
				"One op is one write.",
			Default: false, Pin: true, Run: runWriteShared,
		},
		{
			Name: "lat/syscall/stat",
			Doc: "fstatat(AT_FDCWD, path) of a regular file in the temporary directory, the path lookup included " +
				"(LMbench lat_syscall stat). One op is one stat.",
			Default: false, Pin: true, Run: runStat,
		},
		{
			Name: "lat/syscall/openclose",
			Doc: "openat(O_RDONLY) then close(2) of a regular file in the temporary directory (LMbench lat_syscall " +
				"open). One op is one open plus one close.",
			Default: false, Pin: true, Run: runOpenClose,
		},
		{
			Name: "lat/syscall/vdso",
			Doc: "clock_gettime(CLOCK_MONOTONIC) through the vDSO, as Go's runtime calls it (runtime.nanotime): " +
				"the cost of not entering the kernel. One op is one clock read.",
			Default: true, Pin: true, Run: runVDSO,
		},
		{
			Name: "lat/syscall/int80",
			Doc: "getppid through int $0x80, the legacy i386 entry path of IA32 emulation, in an assembly loop. " +
				"One op is one system call.",
			Default: true, Pin: true, Requires: []func() error{ia32Available}, Run: runInt80,
		},
	}
	for _, n := range batchSizes {
		specs = append(specs, bench.Spec{
			Name: fmt.Sprintf("lat/syscall/batch/size=%d", n),
			Doc: fmt.Sprintf("io_uring NOPs, %d submitted and reaped by one io_uring_enter(2): system calls merged "+
				"as the kernel shipped them. One op is one NOP (time per enter divided by %d); compare with "+
				"lat/syscall/null for %d separate calls. Metric ns/enter is one whole batch.", n, n, n),
			// The largest batch is the headline; `run lat/syscall/batch` has all.
			Default: n == batchSizes[len(batchSizes)-1], Pin: true, Requires: []func() error{uringAvailable}, Run: batchRunner(n),
		})
	}
	return specs
}
