// Package proc is a family of the measure stage of zbench's pipeline:
// the cost of making a process, in the tradition of LMbench's lat_proc.
// Each Spec's Doc says exactly what one op is; the bench.Runner decides how
// often and where it runs.
package proc

import (
	"fmt"
	"os"

	"zbench/bench"
)

// trueProgram is the program a spawn runs: it exits at once, so the op is
// the making and ending of a process, not any work of its own.
var trueProgram = "/bin/true"

// Specs returns the family's benchmarks, in the order reports show them.
func Specs() []bench.Spec {
	return []bench.Spec{{
		Name: "proc/spawn",
		Doc: "one op is running a program that exits at once: syscall.ForkExec of " + trueProgram +
			" (clone with CLONE_VFORK|CLONE_VM, then execve, as Go's os/exec does), its exit, and wait4 " +
			"for it, from the pinned measuring thread. LMbench's lat_proc exec is the same op through fork(2).",
		Pin:      true,
		Requires: []func() error{programRuns},
		Run:      runSpawn,
	}}
}

// programRuns is the prerequisite: the program exists and may be executed.
func programRuns() error {
	fi, err := os.Stat(trueProgram)
	if err != nil {
		return fmt.Errorf("%w: %v", bench.ErrNotSupported, err)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%w: %s is not an executable file", bench.ErrNotSupported, trueProgram)
	}
	return nil
}
