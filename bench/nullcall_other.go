//go:build !linux

package bench

import "os"

// nullCall enters the kernel for getppid; zbench measures on Linux only.
func nullCall() { os.Getppid() }
