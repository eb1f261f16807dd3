package sys

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestAllowedCPUs(t *testing.T) {
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) == 0 {
		t.Fatal("AllowedCPUs returned no CPUs")
	}
	if !slices.IsSorted(cpus) || len(slices.Compact(slices.Clone(cpus))) != len(cpus) {
		t.Fatalf("AllowedCPUs = %v, want strictly ascending", cpus)
	}
	t.Logf("allowed CPUs: %v", cpus)
}

func TestPinThread(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	var orig unix.CPUSet
	if err := unix.SchedGetaffinity(0, &orig); err != nil {
		t.Fatal(err)
	}
	// Restore the thread's mask: the thread goes back to the runtime's
	// pool when the goroutine unlocks it.
	defer func() {
		if err := unix.SchedSetaffinity(0, &orig); err != nil {
			t.Errorf("restoring affinity: %v", err)
		}
	}()

	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	for _, cpu := range cpus {
		if err := PinThread(cpu); err != nil {
			t.Fatalf("PinThread(%d): %v", cpu, err)
		}
		// Give the scheduler a chance to move the thread (it must not:
		// it may only run on cpu). runtime.Gosched would not leave the
		// thread; a sleep and a system call do.
		time.Sleep(time.Millisecond)
		unix.Getpid()
		if got := CurrentCPU(); got != cpu {
			t.Errorf("pinned to CPU %d, running on CPU %d", cpu, got)
		}
	}
	if err := PinThread(-1); err == nil {
		t.Error("PinThread(-1) succeeded")
	}
}

func TestCurrentCPU(t *testing.T) {
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if got := CurrentCPU(); !slices.Contains(cpus, got) {
		t.Errorf("CurrentCPU() = %d, not in allowed CPUs %v", got, cpus)
	}
}

// CPUNow agrees with getcpu on every allowed CPU, read while pinned there.
func TestCPUNow(t *testing.T) {
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cpus {
		err := OnPrivateThread(c, func() error {
			if got, want := CPUNow(), CurrentCPU(); got != want || got != c {
				t.Errorf("pinned to CPU %d: CPUNow %d, getcpu %d", c, got, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
