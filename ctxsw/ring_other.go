//go:build !linux

package ctxsw

import (
	"fmt"
	"runtime"

	"zbench/bench"
)

// Elsewhere the family reports why it cannot run instead of failing to build.
var errNotLinux = fmt.Errorf("%w: context-switch rings are written for Linux, this is %s", bench.ErrNotSupported, runtime.GOOS)

func runRing(*bench.B, ring) error { return errNotLinux }

func serveMember([]string) error { return errNotLinux }
