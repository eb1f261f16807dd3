package sys

// CPUNow returns the CPU the calling thread runs on, as CurrentCPU does,
// but without entering the kernel where the processor allows it (the
// TSC_AUX register, which Linux sets to the CPU's number, read by RDPID, or
// by RDTSCP where there is no RDPID): cheap enough to read at every hop of a
// ring. Like CurrentCPU it may be stale as soon as it is
// returned, unless the thread is pinned.
//
//go:nosplit
//go:norace
func CPUNow() int { return cpuNow() }
