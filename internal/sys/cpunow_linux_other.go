//go:build linux && !amd64

package sys

//go:nosplit
func cpuNow() int { return CurrentCPU() }
