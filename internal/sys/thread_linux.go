package sys

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// OnPrivateThread runs f on an OS thread of its own, pinned to cpu (-1:
// left on every CPU of the caller's mask) and holding a descriptor table of
// its own (unshare(CLONE_FILES)), and waits for it. The thread ends with f:
// it never runs anything else.
//
// Why a private table: a Go process always has several threads sharing one
// descriptor table, and while a table is shared the kernel's fdget() takes
// and drops a reference on the file at every read, write or other call on a
// descriptor (an atomic pair); a single-threaded C program, LMbench's
// lat_syscall among them, has the table to itself and skips both. On the
// private table this thread's calls take that single-owner path, as the C
// program's do. The table is a copy of the process's: descriptors opened
// before the call are there (and stay open in the shared table too);
// descriptors opened or closed by f touch only the private copy, and die
// with the thread.
func OnPrivateThread(cpu int, f func() error) error {
	done := make(chan error, 1)
	go func() {
		// Never unlocked: the runtime ends the thread when this goroutine
		// returns, so the pin and the private table go with it.
		runtime.LockOSThread()
		if cpu >= 0 {
			if err := PinThread(cpu); err != nil {
				done <- err
				return
			}
		}
		if err := unix.Unshare(unix.CLONE_FILES); err != nil {
			done <- fmt.Errorf("unshare(CLONE_FILES): %w", err)
			return
		}
		done <- f()
	}()
	return <-done
}
