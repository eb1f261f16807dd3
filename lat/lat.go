// Package lat is a family of the measure stage of zbench's pipeline: latency
// of entering the kernel (the null system call and its variants, small real
// system calls, the vDSO, io_uring batches). Each Spec's Doc says exactly
// what one op is; the bench.Runner decides how often and where it runs.
package lat

import "zbench/bench"

// Specs returns the family's benchmarks, in the order reports show them.
func Specs() []bench.Spec {
	return syscallSpecs()
}
