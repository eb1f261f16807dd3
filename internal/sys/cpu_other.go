//go:build !linux

package sys

import "fmt"

var errNoAffinity = fmt.Errorf("%w: CPU affinity helpers are Linux-only", ErrNotSupported)

// AllowedCPUs fails: the affinity helpers are Linux-only.
func AllowedCPUs() ([]int, error) { return nil, errNoAffinity }

// PinThread fails: the affinity helpers are Linux-only.
func PinThread(cpu int) error { return errNoAffinity }

// CurrentCPU returns -1: the affinity helpers are Linux-only.
func CurrentCPU() int { return -1 }

// OnPrivateThread fails: the affinity helpers are Linux-only.
func OnPrivateThread(cpu int, f func() error) error { return errNoAffinity }

// CPUNow returns -1: the affinity helpers are Linux-only.
func CPUNow() int { return -1 }
