//go:build !linux

package lat

import (
	"fmt"
	"runtime"

	"zbench/bench"
)

// Elsewhere the family reports why it cannot run instead of failing to build.
var errNotLinux = fmt.Errorf("%w: system-call benchmarks are written for Linux, this is %s", bench.ErrNotSupported, runtime.GOOS)

func notLinux(*bench.B) error { return errNotLinux }

var (
	runNullCall, runNullInline, runNullRaw, runNullGo = notLinux, notLinux, notLinux, notLinux
	runRead, runWrite, runStat, runOpenClose          = notLinux, notLinux, notLinux, notLinux
	runVDSO, runInt80, runReadShared, runWriteShared  = notLinux, notLinux, notLinux, notLinux
)

func batchRunner(int) func(*bench.B) error { return notLinux }
func uringAvailable() error                { return errNotLinux }
func ia32Available() error                 { return errNotLinux }
