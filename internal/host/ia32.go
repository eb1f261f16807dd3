package host

import "os"

// IA32Emulation says whether this kernel runs i386 system calls (int $0x80):
// "yes", "no", or "" when it cannot tell. The lat/syscall/int80 benchmark
// probes it before executing the instruction, which faults without it.
func IA32Emulation() string {
	fsys := os.DirFS("/")
	return probeIA32(fsys, readTrim(fsys, pathCmdline), readTrim(fsys, pathOSRelease))
}
