package sys

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ThreadCPU grows with work done on the thread, not with time asleep, and
// agrees with getrusage(RUSAGE_THREAD) to within the latter's staleness.
func TestThreadCPU(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0, err := ThreadCPU()
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	c1, _ := ThreadCPU()
	if d := c1 - c0; d < 0 || d > 10*time.Millisecond {
		t.Errorf("sleeping 20ms cost %v of thread CPU", d)
	}
	end := time.Now().Add(30 * time.Millisecond)
	x := 0
	for time.Now().Before(end) {
		x++
	}
	c2, _ := ThreadCPU()
	if d := c2 - c1; d < 15*time.Millisecond {
		t.Errorf("spinning 30ms counted %v of thread CPU", d)
	}
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		t.Fatal(err)
	}
	c3, _ := ThreadCPU()
	rus := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if rus > c3 || c3-rus > 20*time.Millisecond {
		t.Errorf("getrusage(RUSAGE_THREAD) says %v, ThreadCPU %v", rus, c3)
	}
	_ = x
}
