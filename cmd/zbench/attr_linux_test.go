package main

import "syscall"

// dieWithTest makes a helper process of a test die with the test's thread.
func dieWithTest() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
