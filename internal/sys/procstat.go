package sys

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ProcStat is what zbench reads from /proc/PID/stat (proc(5)): "pid (comm)
// state ppid pgrp ...", where comm may hold spaces and parentheses, so the
// fields are counted from the last ')'.
type ProcStat struct {
	State string // field 3: R, S, D, Z, X, ...
	Pgrp  int    // field 5
	// StartTime is field 22: when the process started, in clock ticks
	// since boot. With the PID it names one process for the life of the
	// system: a PID is reused, a PID with its start time is not.
	StartTime uint64
	// Processor is field 39: the CPU it last ran on.
	Processor int
}

// ParseProcStat reads the content of a /proc/PID/stat file.
func ParseProcStat(s string) (ProcStat, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ProcStat{}, fmt.Errorf("proc stat %.40q: no ')'", s)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3; field k is f[k-3].
	if len(f) < 39-2 {
		return ProcStat{}, fmt.Errorf("proc stat: %d fields after the command, want at least 37", len(f))
	}
	var st ProcStat
	var err error
	st.State = f[0]
	if st.Pgrp, err = strconv.Atoi(f[5-3]); err != nil {
		return ProcStat{}, fmt.Errorf("proc stat: pgrp: %w", err)
	}
	if st.StartTime, err = strconv.ParseUint(f[22-3], 10, 64); err != nil {
		return ProcStat{}, fmt.Errorf("proc stat: starttime: %w", err)
	}
	if st.Processor, err = strconv.Atoi(f[39-3]); err != nil {
		return ProcStat{}, fmt.Errorf("proc stat: processor: %w", err)
	}
	return st, nil
}

// ReadProcStat reads /proc/PID/stat (a thread's too: /proc/TID/stat).
func ReadProcStat(pid int) (ProcStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ProcStat{}, err
	}
	return ParseProcStat(string(b))
}

// ProcessID is a process named so that it cannot be confused with a later
// one that reuses its PID: "PID.STARTTIME". It names things a run leaves
// in shared places (network namespaces, temporary directories), so that a
// later run can tell whether their maker still runs.
func ProcessID(pid int) (string, error) {
	st, err := ReadProcStat(pid)
	if err != nil {
		return "", err
	}
	return strconv.Itoa(pid) + "." + strconv.FormatUint(st.StartTime, 10), nil
}

// ProcessGone reports whether the process that id (from ProcessID) names
// has exited: no process has its PID, or the one that has it started at
// another time. An id without a start time ("PID", from older builds) is
// judged by the PID alone. ok is false when id is not of either form.
func ProcessGone(id string) (gone, ok bool) {
	pidS, startS, hasStart := strings.Cut(id, ".")
	pid, err := strconv.Atoi(pidS)
	if err != nil || pid <= 0 {
		return false, false
	}
	var start uint64
	if hasStart {
		if start, err = strconv.ParseUint(startS, 10, 64); err != nil {
			return false, false
		}
	}
	st, err := ReadProcStat(pid)
	if err != nil {
		return os.IsNotExist(err), true
	}
	return hasStart && st.StartTime != start, true
}
