//go:build linux && !amd64

package lat

import (
	"fmt"

	"golang.org/x/sys/unix"

	"zbench/bench"
)

const hasAsm = false

const sysFstatat = unix.SYS_FSTATAT

var errNoAsm = fmt.Errorf("%w: the assembly loops are written for x86-64 only", bench.ErrNotSupported)

func runNullCall(*bench.B) error   { return errNoAsm }
func runNullInline(*bench.B) error { return errNoAsm }
func runInt80(*bench.B) error      { return errNoAsm }
func int80Works() error            { return errNoAsm }
