//go:build !linux

package main

import "syscall"

// dieWithTest: only Linux kills a child with its parent; elsewhere the
// hogs stop themselves after their time.
func dieWithTest() *syscall.SysProcAttr { return nil }
