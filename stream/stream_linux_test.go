package stream

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

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
		tr, _ := peer.Lookup(peer.Loopback)
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
	tr, _ := peer.Lookup(peer.Loopback)
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

// SockBuf fixes the sender's SO_SNDBUF as setsockopt does (twice the value,
// capped at net.core.wmem_max), and it stays fixed through a stream.
func TestSockBufFixed(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b, err := os.ReadFile("/proc/sys/net/core/wmem_max")
	if err != nil {
		t.Skip("no net.core.wmem_max:", err)
	}
	wmemMax, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := peer.Lookup(peer.Loopback)
	const ask = 1 << 20
	sndbuf := func(sockBuf int) (before, after int) {
		s, err := Dial("stream/test/tcp", Link{Kind: "tcp", Transport: tr, CPU: -1, ReadSize: 65536, SockBuf: sockBuf})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if before, err = unix.GetsockoptInt(s.Fd, unix.SOL_SOCKET, unix.SO_SNDBUF); err != nil {
			t.Fatal(err)
		}
		const n = 32 << 20
		if err := s.Expect(Job{Bytes: n}); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 65536)
		for range n / len(buf) {
			if err := sys.WriteAll(s.Fd, buf); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Report(); err != nil {
			t.Fatal(err)
		}
		after, _ = unix.GetsockoptInt(s.Fd, unix.SOL_SOCKET, unix.SO_SNDBUF)
		return before, after
	}
	want := 2 * min(ask, wmemMax)
	if before, after := sndbuf(ask); before != want || after != want {
		t.Errorf("SockBuf %d: SO_SNDBUF %d, then %d after the stream; want %d both times", ask, before, after, want)
	}
	before, after := sndbuf(0)
	t.Logf("autotuned: SO_SNDBUF %d, then %d after 32 MiB (tcp_wmem decides)", before, after)
}
