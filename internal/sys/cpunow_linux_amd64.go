package sys

func cpuid(leaf, sub uint32) (a, b, c, d uint32)
func tscAux() uint32
func rdpid() uint32

// hasRDPID: CPUID leaf 7, ECX bit 22. RDPID reads the TSC_AUX alone; where
// a ring reads the CPU at every hop, it costs a few nanoseconds where
// RDTSCP costs tens.
var hasRDPID = func() bool {
	if max, _, _, _ := cpuid(0, 0); max < 7 {
		return false
	}
	_, _, c, _ := cpuid(7, 0)
	return c&(1<<22) != 0
}()

// hasRDTSCP: CPUID leaf 0x80000001, EDX bit 27.
var hasRDTSCP = func() bool {
	if max, _, _, _ := cpuid(0x80000000, 0); max < 0x80000001 {
		return false
	}
	_, _, _, d := cpuid(0x80000001, 0)
	return d&(1<<27) != 0
}()

// cpuNow is nosplit: a single-threaded child (Solo) reads the CPU too.
//
//go:nosplit
//go:norace
func cpuNow() int {
	if hasRDPID {
		return int(rdpid() & 0xfff)
	}
	if hasRDTSCP {
		return int(tscAux() & 0xfff)
	}
	return CurrentCPU()
}
