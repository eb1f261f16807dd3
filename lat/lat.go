// Package lat is a family of the measure stage of zbench's pipeline: latency
// of entering the kernel (the null system call and its variants, small real
// system calls, the vDSO, io_uring batches), and round trips between two
// processes over pipes, AF_UNIX, TCP and UDP, with placement on CPUs as an
// explicit dimension. Each Spec's Doc says exactly
// what one op is; the bench.Runner decides how often and where it runs.
package lat

import "zbench/bench"

// Specs returns the family's benchmarks, in the order reports show them.
func Specs() []bench.Spec {
	return append(syscallSpecs(), rttSpecs()...)
}
