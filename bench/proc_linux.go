package bench

import "syscall"

// procAttr starts workers (group: in a process group of their own, so the
// runner can kill the worker and whatever it forked together) and helpers
// (in their worker's group). Either is killed outright when the thread that
// started it dies, so neither outlives a parent that was killed.
func procAttr(group bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: group, Pdeathsig: syscall.SIGKILL}
}
