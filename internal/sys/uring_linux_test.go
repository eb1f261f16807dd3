package sys

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// newTestRing creates a ring or skips the test if io_uring is unavailable.
func newTestRing(tb testing.TB, entries uint32) *Ring {
	tb.Helper()
	r, err := NewRing(entries)
	if errors.Is(err, ErrNotSupported) {
		tb.Skip(err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := r.Close(); err != nil {
			tb.Error(err)
		}
	})
	return r
}

// mmapBuf returns n bytes of anonymous memory: never moved by the Go
// runtime, so safe to hand to the kernel by address.
func mmapBuf(tb testing.TB, n int) []byte {
	tb.Helper()
	b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { unix.Munmap(b) })
	return b
}

// waitCQEs polls until at least want CQEs are ready, failing after timeout
// (a blocking io_uring_enter would hang the test forever on a bug).
func waitCQEs(t *testing.T, r *Ring, want uint32, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for r.CQReady() < want {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d CQEs, %d ready", want, r.CQReady())
		}
		// An enter with nothing to do still runs pending task work.
		if _, err := r.Submit(0, 0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestProbeIOUring(t *testing.T) {
	err := ProbeIOUring()
	if err != nil && !errors.Is(err, ErrNotSupported) {
		t.Fatalf("ProbeIOUring: %v (neither nil nor ErrNotSupported)", err)
	}
	t.Logf("ProbeIOUring: %v", err)
}

func TestNewRingClose(t *testing.T) {
	for _, n := range []uint32{1, 2, 3, 8, 100, 256} {
		r, err := NewRing(n)
		if errors.Is(err, ErrNotSupported) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		e := r.Entries()
		if e < n || e&(e-1) != 0 {
			t.Errorf("NewRing(%d).Entries() = %d, want a power of two >= %d", n, e, n)
		}
		if got := r.CQReady(); got != 0 {
			t.Errorf("fresh ring: CQReady() = %d", got)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	}
	if _, err := NewRing(0); err == nil {
		t.Error("NewRing(0) succeeded")
	}
}

func TestNopBatch(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := newTestRing(t, 64)
	for _, n := range []uint32{1, 8, 64} {
		for i := 0; i < 1000; i++ {
			if err := r.NopBatch(n); err != nil {
				t.Fatalf("NopBatch(%d) iteration %d: %v", n, i, err)
			}
			if got := r.CQReady(); got != 0 {
				t.Fatalf("NopBatch(%d): CQReady() = %d after batch", n, got)
			}
		}
	}
	if err := r.NopBatch(0); err == nil {
		t.Error("NopBatch(0) succeeded")
	}
	if err := r.NopBatch(r.Entries() + 1); err == nil {
		t.Error("NopBatch(Entries()+1) succeeded")
	}
}

func TestNopBatchAllocs(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := newTestRing(t, 64)
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		if e := r.NopBatch(8); e != nil {
			err = e
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("NopBatch(8) allocates %v times per call, want 0", allocs)
	}

	// The general path too: GetSQE, PrepNop, Submit, PeekCQE, SeenCQE.
	allocs = testing.AllocsPerRun(100, func() {
		r.GetSQE().PrepNop(7)
		if _, e := r.Submit(1, 1); e != nil {
			err = e
		}
		if c, ok := r.PeekCQE(); !ok || c.UserData != 7 {
			err = fmt.Errorf("PeekCQE = %+v, %v", c, ok)
		}
		r.SeenCQE()
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("GetSQE/PrepNop/Submit/PeekCQE/SeenCQE allocate %v times per round, want 0", allocs)
	}
}

func TestNopUserDataRoundTrip(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := newTestRing(t, 8)
	want := []uint64{0, 1, 0xdeadbeefcafef00d, 1 << 63}
	for _, ud := range want {
		sqe := r.GetSQE()
		if sqe == nil {
			t.Fatal("GetSQE returned nil on an empty ring")
		}
		sqe.PrepNop(ud)
	}
	n, err := r.Submit(uint32(len(want)), uint32(len(want)))
	if err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Fatalf("Submit = %d, want %d", n, len(want))
	}
	if got := r.CQReady(); got != uint32(len(want)) {
		t.Fatalf("CQReady() = %d, want %d", got, len(want))
	}
	for _, ud := range want {
		c, ok := r.PeekCQE()
		if !ok {
			t.Fatal("PeekCQE: empty")
		}
		if c.UserData != ud || c.Res != 0 {
			t.Errorf("CQE = %+v, want UserData %#x Res 0", c, ud)
		}
		r.SeenCQE()
	}
	if c, ok := r.PeekCQE(); ok {
		t.Errorf("PeekCQE after draining = %+v, want empty", c)
	}
}

func TestGetSQEFull(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := newTestRing(t, 4)
	e := r.Entries()
	for i := uint32(0); i < e; i++ {
		sqe := r.GetSQE()
		if sqe == nil {
			t.Fatalf("GetSQE #%d returned nil, ring has %d entries", i, e)
		}
		sqe.PrepNop(uint64(i))
	}
	if sqe := r.GetSQE(); sqe != nil {
		t.Fatalf("GetSQE returned an SQE with all %d slots taken", e)
	}
	if n, err := r.Submit(e, e); err != nil || n != int(e) {
		t.Fatalf("Submit = %d, %v; want %d", n, err, e)
	}
	if got := r.CQReady(); got != e {
		t.Fatalf("CQReady() = %d, want %d", got, e)
	}
	r.AdvanceCQ(e)
	if sqe := r.GetSQE(); sqe == nil {
		t.Fatal("GetSQE returned nil after the SQ drained")
	} else if *sqe != (SQE{}) {
		t.Fatalf("GetSQE returned a non-zeroed SQE: %+v", *sqe)
	}
}

func TestSend(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := newTestRing(t, 4)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])

	const size = 4096
	buf := mmapBuf(t, size)
	for i := range buf {
		buf[i] = byte(i*7 + 3)
	}
	r.GetSQE().PrepSend(fds[0], buf, 0, 99)
	if _, err := r.Submit(1, 1); err != nil {
		t.Fatal(err)
	}
	c, ok := r.PeekCQE()
	if !ok {
		t.Fatal("no CQE after Submit(1, 1)")
	}
	r.SeenCQE()
	if c.UserData != 99 || c.Res != size {
		t.Fatalf("send CQE = %+v, want UserData 99 Res %d", c, size)
	}
	got := make([]byte, size)
	for off := 0; off < size; {
		n, err := unix.Read(fds[1], got[off:])
		if err != nil {
			t.Fatal(err)
		}
		off += n
	}
	if !bytes.Equal(got, buf) {
		t.Fatal("bytes read back differ from bytes sent")
	}
}

func TestSendZC(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := newTestRing(t, 4)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	sa := &unix.SockaddrInet4{Port: ln.Addr().(*net.TCPAddr).Port, Addr: [4]byte{127, 0, 0, 1}}
	if err := unix.Connect(fd, sa); err != nil {
		t.Fatal(err)
	}
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	const size = 64 << 10
	buf := mmapBuf(t, size)
	for i := range buf {
		buf[i] = byte(i*13 + 1)
	}
	const ud = 0x5a5a
	r.GetSQE().PrepSendZC(fd, buf, 0, SendZCReportUsage, ud)
	// Submit without waiting: 64 KiB may not fit the socket buffers, in
	// which case the send completes only as the reader drains.
	if n, err := r.Submit(1, 0); err != nil || n != 1 {
		t.Fatalf("Submit = %d, %v", n, err)
	}

	// An old kernel rejects the opcode (or the REPORT_USAGE flag) with an
	// immediate -EINVAL CQE.
	if c, ok := r.PeekCQE(); ok && c.Res == -int32(unix.EINVAL) {
		r.SeenCQE()
		t.Skipf("kernel does not support IORING_OP_SEND_ZC with IORING_SEND_ZC_REPORT_USAGE: CQE %+v", c)
	}

	got := make([]byte, size)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatalf("reading the sent bytes: %v", err)
	}
	if !bytes.Equal(got, buf) {
		t.Fatal("bytes received differ from bytes sent")
	}

	// Two CQEs: the send result (F_MORE) and the notification (F_NOTIF),
	// which arrives once the kernel has dropped its references to buf.
	waitCQEs(t, r, 1, 10*time.Second)
	res, _ := r.PeekCQE()
	r.SeenCQE()
	if res.Res == -int32(unix.EINVAL) {
		t.Skipf("kernel does not support IORING_OP_SEND_ZC with IORING_SEND_ZC_REPORT_USAGE: CQE %+v", res)
	}
	if res.UserData != ud || res.Res != size || res.Flags&CQEFMore == 0 || res.Flags&CQEFNotif != 0 {
		t.Fatalf("send CQE = %+v, want UserData %#x Res %d with CQEFMore", res, ud, size)
	}
	waitCQEs(t, r, 1, 10*time.Second)
	notif, _ := r.PeekCQE()
	r.SeenCQE()
	if notif.UserData != ud || notif.Flags&CQEFNotif == 0 || notif.Flags&CQEFMore != 0 {
		t.Fatalf("notification CQE = %+v, want UserData %#x with CQEFNotif", notif, ud)
	}
	if !notif.ZCCopied() || uint32(notif.Res)&NotifUsageZCCopied == 0 {
		t.Errorf("notification Res = %#x, want NotifUsageZCCopied set (loopback copies)", uint32(notif.Res))
	}
	if r.CQReady() != 0 {
		t.Errorf("CQReady() = %d after both CQEs", r.CQReady())
	}
}

func BenchmarkNopBatch(b *testing.B) {
	for _, n := range []uint32{1, 8, 64} {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			r := newTestRing(b, 64)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := r.NopBatch(n); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/nop")
		})
	}
}

func TestSetupError(t *testing.T) {
	for _, errno := range []unix.Errno{unix.ENOSYS, unix.EPERM} {
		err := setupError(8, errno)
		if !errors.Is(err, ErrNotSupported) {
			t.Errorf("setupError(%v) = %v, want it to wrap ErrNotSupported", errno, err)
		}
		t.Logf("%v: %v", errno, err)
	}
	if err := setupError(8, unix.ENOMEM); errors.Is(err, ErrNotSupported) || !errors.Is(err, unix.ENOMEM) {
		t.Errorf("setupError(ENOMEM) = %v, want a plain error wrapping ENOMEM", err)
	}
}

// opRecv is IORING_OP_RECV (Linux 5.6): the tests' completion that cannot
// come, a receive on a socket nobody writes to.
const opRecv uint8 = 27

// A wait for a completion that never comes returns ErrWaitTimeout, with the
// submission counted, through io_uring_enter's own timeout
// (IORING_FEAT_EXT_ARG) and through the ppoll fallback alike; and the same
// wait returns the completion once it comes.
func TestSubmitWaitTimeout(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, ext := range []bool{true, false} {
		r := newTestRing(t, 4)
		if ext && !r.extArg {
			t.Log("this kernel has no IORING_FEAT_EXT_ARG: only the ppoll fallback is tested")
			continue
		}
		r.extArg = ext
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		buf := mmapBuf(t, 64)
		*r.GetSQE() = SQE{Opcode: opRecv, Fd: int32(fds[1]), Addr: bufAddr(buf), Len: uint32(len(buf)), UserData: 7}
		n, err := r.SubmitWait(1, 1, 50*time.Millisecond)
		if !errors.Is(err, ErrWaitTimeout) || n != 1 {
			t.Fatalf("ext_arg %v: recv nobody writes to: SubmitWait = %d, %v; want 1 submitted and ErrWaitTimeout", ext, n, err)
		}
		// Waiting again, with nothing to submit, times out again.
		if n, err := r.SubmitWait(0, 1, 20*time.Millisecond); !errors.Is(err, ErrWaitTimeout) || n != 0 {
			t.Fatalf("ext_arg %v: second wait = %d, %v; want ErrWaitTimeout", ext, n, err)
		}
		// The completion comes once someone writes.
		if _, err := unix.Write(fds[0], []byte("late")); err != nil {
			t.Fatal(err)
		}
		if _, err := r.SubmitWait(0, 1, 10*time.Second); err != nil {
			t.Fatalf("ext_arg %v: wait after the write: %v", ext, err)
		}
		c, ok := r.PeekCQE()
		if !ok || c.UserData != 7 || c.Res != 4 || string(buf[:4]) != "late" {
			t.Fatalf("ext_arg %v: CQE %+v (ok %v), buffer %q; want the 4-byte receive", ext, c, ok, buf[:4])
		}
		r.SeenCQE()
		unix.Close(fds[0])
		unix.Close(fds[1])
	}
	r := newTestRing(t, 2)
	if _, err := r.SubmitWait(0, 1, 0); err == nil {
		t.Error("SubmitWait with a zero timeout accepted")
	}
}

// SubmitWait submits and reaps in one call when the completion is ready at
// once (a NOP), and does not allocate doing so.
func TestSubmitWaitNop(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := newTestRing(t, 4)
	allocs := testing.AllocsPerRun(100, func() {
		r.GetSQE().PrepNop(3)
		if n, err := r.SubmitWait(1, 1, time.Second); err != nil || n != 1 {
			t.Fatalf("SubmitWait(NOP) = %d, %v", n, err)
		}
		if c, ok := r.PeekCQE(); !ok || c.UserData != 3 || c.Res != 0 {
			t.Fatalf("NOP CQE %+v, ok %v", c, ok)
		}
		r.SeenCQE()
	})
	if allocs != 0 {
		t.Errorf("SubmitWait allocates %v times per call", allocs)
	}
}
