//go:build !linux

package zerocopy

import (
	"fmt"

	"zbench/bench"
	"zbench/internal/sys"
)

var errNotLinux = fmt.Errorf("%w: the zero-copy send methods are Linux-only", sys.ErrNotSupported)

func sendRun(string, sendMethod, int, string) func(*bench.B) error {
	return func(*bench.B) error { return errNotLinux }
}

func responseRun(string, string, int64, string) func(*bench.B) error {
	return func(*bench.B) error { return errNotLinux }
}
