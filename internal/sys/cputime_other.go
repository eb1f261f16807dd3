//go:build !linux

package sys

import (
	"fmt"
	"time"
)

// ThreadCPU fails: per-thread CPU time is read the Linux way only.
func ThreadCPU() (time.Duration, error) {
	return 0, fmt.Errorf("%w: per-thread CPU time is Linux-only here", ErrNotSupported)
}
