// Package sys holds thin helpers over golang.org/x/sys/unix for the
// measuring code that runs in worker processes: pinning the measuring OS
// thread to a CPU, and a minimal io_uring ring (io_uring NOP batches for
// lat/syscall/batch, IORING_OP_SEND and IORING_OP_SEND_ZC for the
// zero-copy family).
//
// The package is deliberately small and allocation-free on its hot paths
// (SQE preparation, submission, completion reaping), because those paths sit
// inside timed loops: an allocation, an interface conversion or a trip through
// the Go scheduler would be measured along with the system call.
//
// Everything is implemented for Linux only; on other systems the functions
// exist so the module builds, and return an error wrapping ErrNotSupported.
package sys

import "errors"

// ErrNotSupported is wrapped by every error that means "this host cannot run
// the thing at all" (no io_uring in the kernel, io_uring disabled by sysctl
// or seccomp, not Linux). Callers test it with errors.Is and report the
// benchmark as skipped, with the wrapping error's text as the reason, e.g.
//
//	fmt.Errorf("%w: io_uring is disabled: /proc/sys/kernel/io_uring_disabled=2", ErrNotSupported)
var ErrNotSupported = errors.New("not supported on this host")
