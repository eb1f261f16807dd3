package sys

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ThreadCPU grows with work done on the thread and never by more than the
// wall-clock time that passed, and getrusage(RUSAGE_THREAD), read before it,
// never exceeds it. No bound on how fast the CPU time grows: a loaded machine
// may run the thread for any share of the wall time.
func TestThreadCPU(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Each CPU interval is read inside its wall interval.
	w0 := time.Now()
	c0, err := ThreadCPU()
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	c1, _ := ThreadCPU()
	if d, wall := c1-c0, time.Since(w0); d < 0 || d > wall {
		t.Errorf("sleeping %v cost %v of thread CPU: more than the time that passed", wall, d)
	}
	// Spin until the thread itself has run 5 ms (the deadline only stops
	// a thread that is never run at all).
	deadline := time.Now().Add(time.Minute)
	w1 := time.Now()
	c1, _ = ThreadCPU()
	x := 0
	c2 := c1
	for c2-c1 < 5*time.Millisecond && time.Now().Before(deadline) {
		x++
		c2, _ = ThreadCPU()
	}
	if c2-c1 < 5*time.Millisecond {
		t.Fatalf("a minute of spinning counted %v of thread CPU", c2-c1)
	}
	if d, wall := c2-c1, time.Since(w1); d > wall {
		t.Errorf("spinning %v counted %v of thread CPU: more than the time that passed", wall, d)
	}
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		t.Fatal(err)
	}
	c3, _ := ThreadCPU()
	rus := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if rus <= 0 || rus > c3 {
		t.Errorf("getrusage(RUSAGE_THREAD) says %v, ThreadCPU read after it %v", rus, c3)
	}
	_ = x
}
