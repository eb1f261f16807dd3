package stream

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

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
