package sys

func cpuid(leaf, sub uint32) (a, b, c, d uint32)
func tscAux() uint32

// hasRDTSCP: CPUID leaf 0x80000001, EDX bit 27.
var hasRDTSCP = func() bool {
	if max, _, _, _ := cpuid(0x80000000, 0); max < 0x80000001 {
		return false
	}
	_, _, _, d := cpuid(0x80000001, 0)
	return d&(1<<27) != 0
}()

func cpuNow() int {
	if hasRDTSCP {
		return int(tscAux() & 0xfff)
	}
	return CurrentCPU()
}
