package bench

import "syscall"

// nullCall is getppid(2), which takes no argument and cannot fail: the cost
// of entering and leaving the kernel.
func nullCall() { syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0) }
