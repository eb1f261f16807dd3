package stream

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/sys"
	"zbench/peer"
)

// testSpecs name the sink for the helper processes this test binary
// starts: Dial re-executes it with `__child SPEC`.
var testSpecs = []bench.Spec{
	{Name: "stream/test/pipe", Child: SinkChild},
	{Name: "stream/test/unix", Child: SinkChild},
	{Name: "stream/test/tcp", Child: SinkChild},
}

func TestMain(m *testing.M) {
	if code, ok := bench.Serve(testSpecs, os.Args[1:]); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// The sink finds a corrupted byte, says where, and the sender learns why
// its next write failed.
func TestSinkCatchesCorruption(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, kind := range []string{"pipe", "tcp"} {
		tr := peer.LoopbackTransport()
		s, err := Dial("stream/test/"+kind, Link{Kind: kind, Transport: tr, CPU: -1, ReadSize: 4096})
		if err != nil {
			t.Fatal(err)
		}
		p := Pattern{Seed: 5}
		buf := make([]byte, 4096)
		if err := s.Expect(Job{Bytes: 4 * 4096, Verify: true, Pattern: p}); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			p.Fill(buf, int64(i)*4096)
			if i == 2 {
				buf[1234] ^= 0x40
			}
			if err := sys.WriteAll(s.Fd, buf); err != nil {
				break
			}
		}
		_, err = s.Report()
		if !errors.Is(err, ErrSink) || !strings.Contains(err.Error(), "stream byte 9426") {
			t.Errorf("%s: report error %v, want the sink to name stream byte 9426", kind, err)
		}
		s.Close()
	}
}

// A helper asked for more than it may hold refuses with a message, before
// allocating: a response larger than its buffer (Header=File=2^62
// overflowed and panicked it; 1 GiB took 1.06 GB), or a read buffer beyond
// MaxReadSize.
func TestSinkRefusesOversize(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tr := peer.LoopbackTransport()
	for _, j := range []Job{
		{Responses: 1, Header: 1 << 62, File: 1 << 62},
		{Responses: 1, Header: 200, File: 1 << 30},
	} {
		s, err := Dial("stream/test/tcp", Link{Kind: "tcp", Transport: tr, CPU: -1, ReadSize: 65536})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Expect(j); err != nil {
			t.Fatal(err)
		}
		_, err = s.Report()
		if !errors.Is(err, ErrSink) || !strings.Contains(err.Error(), "does not fit the receiver's 65536-byte buffer") {
			t.Errorf("job %+v: %v, want the sink's refusal", j, err)
		}
		s.Close()
	}
	_, err := Dial("stream/test/tcp", Link{Kind: "tcp", Transport: tr, CPU: -1, ReadSize: MaxReadSize + 1})
	if !errors.Is(err, ErrSink) || !strings.Contains(err.Error(), "bad read size") {
		t.Errorf("read size beyond MaxReadSize: %v, want the sink's refusal", err)
	}
}

// WarmUp returns the first error of its phases, a --verify mismatch the
// sink reports included, and runs phases until WarmTime has passed.
func TestWarmUp(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tr := peer.LoopbackTransport()
	s, err := Dial("stream/test/pipe", Link{Kind: "pipe", Transport: tr, CPU: -1, ReadSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := Pattern{Seed: 9}
	buf := make([]byte, 4096)
	var off int64
	phases := 0
	start := time.Now()
	phase := func(n int64) error {
		phases++
		if err := s.Expect(Job{Bytes: n, Offset: off, Verify: true, Pattern: p}); err != nil {
			return err
		}
		for range n / 4096 {
			p.Fill(buf, off+8*int64(phases/3)) // from the third phase on, 8 bytes ahead
			if err := sys.WriteAll(s.Fd, buf); err != nil {
				return s.Why(err)
			}
			off += 4096
		}
		_, err := s.Report()
		return err
	}
	err = WarmUp(4096, phase)
	switch {
	case phases < 3:
		if err != nil || time.Since(start) < WarmTime {
			t.Errorf("WarmUp ended after %d sound phases in %v with %v", phases, time.Since(start), err)
		}
	case !errors.Is(err, ErrSink) || !strings.Contains(err.Error(), "warm-up") || !strings.Contains(err.Error(), "stream byte"):
		t.Errorf("a shifted warm-up phase: %v, want the sink's mismatch as a warm-up error", err)
	}
}

// Every thread of the sink's process runs on the sink's CPU, not only the
// reading one: the sink is started from the sender's pinned thread, and the
// Go runtime's other threads inherit that CPU unless the sink moves them.
func TestSinkProcessOnItsCPU(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpus, err := sys.AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	sender, sinkCPU := cpus[0], cpus[len(cpus)-1]
	if err := sys.PinThread(sender); err != nil {
		t.Fatal(err)
	}
	defer restoreAffinity(t, cpus)
	s, err := Dial("stream/test/tcp", Link{Kind: "tcp", Transport: peer.LoopbackTransport(), CPU: sinkCPU, ReadSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A phase makes the sink read, so its runtime has started what threads
	// it starts.
	if err := s.Expect(Job{Bytes: 4096}); err != nil {
		t.Fatal(err)
	}
	if err := sys.WriteAll(s.Fd, make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Report(); err != nil {
		t.Fatal(err)
	}
	dir := fmt.Sprintf("/proc/%d/task", s.helper.Process.Pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 2 {
		t.Fatalf("the sink has %d threads; a Go process has more than one", len(tasks))
	}
	for _, task := range tasks {
		status, err := os.ReadFile(dir + "/" + task.Name() + "/status")
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(status)) {
			if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok && strings.TrimSpace(v) != strconv.Itoa(sinkCPU) {
				t.Errorf("sink thread %s may run on CPUs %s, want only the sink's CPU %d (the sender is on %d)",
					task.Name(), strings.TrimSpace(v), sinkCPU, sender)
			}
		}
	}
}

// restoreAffinity gives the calling thread back the CPUs it had.
func restoreAffinity(t *testing.T, cpus []int) {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		t.Error(err)
	}
}
