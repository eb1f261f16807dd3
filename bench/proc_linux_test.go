package bench

import (
	"syscall"
	"testing"
)

// groupAlive finds this test's own process group, and not a group no
// process has (PID 1's children never lead group 0x7fffffff).
func TestGroupAlive(t *testing.T) {
	if !groupAlive(syscall.Getpgrp()) {
		t.Error("this process's group is not seen as alive")
	}
	if groupAlive(1<<31 - 1) {
		t.Error("a group no process has is seen as alive")
	}
}
