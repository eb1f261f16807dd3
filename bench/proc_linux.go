package bench

import (
	"os"
	"path/filepath"
	"syscall"

	"zbench/internal/sys"
)

// procAttr starts workers (group: in a process group of their own, so the
// runner can kill the worker and whatever it forked together) and helpers
// (in their worker's group). Either is killed outright when the thread that
// started it dies, so neither outlives a parent that was killed.
func procAttr(group bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: group, Pdeathsig: syscall.SIGKILL}
}

// groupAlive reports whether any process of group pgid is still running. A
// zombie does not count: it has exited and only waits to be reaped, which
// for an orphaned helper is init's job.
func groupAlive(pgid int) bool {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if st, err := sys.ParseProcStat(string(b)); err == nil && st.Pgrp == pgid && st.State != "Z" && st.State != "X" {
			return true
		}
	}
	return false
}
