//go:build !linux

package stream

import (
	"fmt"

	"zbench/internal/sys"
)

var errNotLinux = fmt.Errorf("%w: the stream benchmarks are Linux-only", sys.ErrNotSupported)

// SinkChild fails: the sink is Linux-only.
func SinkChild([]string) error { return errNotLinux }
