package sys

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	// comm with spaces and a ')' inside; fields 3.. as proc(5) numbers them.
	line := "4242 (a (b) c) S 1 77 77 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 1 0 123456 1000 200 " +
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n"
	st, err := ParseProcStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != "S" || st.Pgrp != 77 || st.StartTime != 123456 || st.Processor != 3 {
		t.Errorf("got %+v, want state S, pgrp 77, start 123456, processor 3", st)
	}
	for _, bad := range []string{"", "1 (x", "1 (x) S 1 2", "1 (x) S 1 nope 3"} {
		if _, err := ParseProcStat(bad); err == nil {
			t.Errorf("ParseProcStat(%q) accepted", bad)
		}
	}
}

func TestProcessGone(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	self, err := ProcessID(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if gone, ok := ProcessGone(self); gone || !ok {
		t.Errorf("ProcessGone(self %s) = %v, %v", self, gone, ok)
	}
	// This PID, but another start time: a process that reused the PID.
	if gone, ok := ProcessGone(strconv.Itoa(os.Getpid()) + ".1"); !gone || !ok {
		t.Errorf("a reused PID counts as the same process: %v, %v", gone, ok)
	}
	if gone, ok := ProcessGone(strconv.Itoa(os.Getpid())); gone || !ok {
		t.Errorf("PID-only id of a live process: %v, %v", gone, ok)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	if gone, ok := ProcessGone(strconv.Itoa(cmd.Process.Pid) + ".5"); !gone || !ok {
		t.Errorf("an exited process: %v, %v", gone, ok)
	}
	for _, bad := range []string{"", "x", "0", "12.x", "-3.4"} {
		if _, ok := ProcessGone(bad); ok {
			t.Errorf("ProcessGone(%q) accepted", bad)
		}
	}
}
