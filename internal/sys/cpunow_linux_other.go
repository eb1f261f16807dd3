//go:build linux && !amd64

package sys

//go:nosplit
//go:norace
func cpuNow() int { return CurrentCPU() }
