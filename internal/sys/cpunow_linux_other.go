//go:build linux && !amd64

package sys

func cpuNow() int { return CurrentCPU() }
