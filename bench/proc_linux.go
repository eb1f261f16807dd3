package bench

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
		if g, state, ok := parseStat(string(b)); ok && g == pgid && state != "Z" && state != "X" {
			return true
		}
	}
	return false
}

// parseStat reads the process group and state from /proc/PID/stat:
// "pid (comm) state ppid pgrp ...", where comm may hold spaces and parens.
func parseStat(s string) (pgrp int, state string, ok bool) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return 0, "", false
	}
	g, err := strconv.Atoi(f[2])
	return g, f[0], err == nil
}
