//go:build !linux

package bw

import (
	"fmt"

	"zbench/bench"
	"zbench/internal/sys"
)

var errNotLinux = fmt.Errorf("%w: the stream benchmarks are Linux-only", sys.ErrNotSupported)

func streamRun(string, string, int, string) func(*bench.B) error {
	return func(*bench.B) error { return errNotLinux }
}
