//go:build !linux

package bench

import "syscall"

// procAttr elsewhere has no parent-death signal; the process group still
// lets the runner kill a worker with its helpers.
func procAttr(group bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: group}
}

// groupAlive asks the kernel whether the group still exists.
func groupAlive(pgid int) bool { return syscall.Kill(-pgid, 0) == nil }
