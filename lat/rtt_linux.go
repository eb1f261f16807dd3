package lat

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/sys"
	"zbench/name"
	"zbench/peer"
)

// maxRecorded bounds the per-op latencies kept for percentiles (32 MiB); a
// calibrated sample of round trips stays far below it.
const maxRecorded = 1 << 22

// udpTimeout bounds the wait for a UDP reply: a lost datagram is an error,
// never a hang.
const udpTimeout = 2 * time.Second

// conn is the client's side of a round-trip channel: raw blocking
// descriptors (never the Go netpoller), and the helper process.
type conn struct {
	rfd, wfd int
	helper   *exec.Cmd
	server   netip.AddrPort
	session  *peer.Session // transport=peer: the remote end's control session
}

func (c *conn) close() {
	if c.wfd >= 0 && c.wfd != c.rfd {
		unix.Close(c.wfd)
	}
	if c.rfd >= 0 {
		unix.Close(c.rfd)
	}
	if c.helper != nil {
		// Echo helpers end on EOF; those blocked in accept or recvfrom do
		// not, so stop them all the same way.
		c.helper.Process.Kill()
		c.helper.Wait()
	}
	if c.session != nil {
		c.session.Close() // abandoned: the server stops the remote end
	}
}

// finish ends a remote session in order, so that a server that died during
// the benchmark makes it an error.
func (c *conn) finish() error {
	if c.session == nil {
		return nil
	}
	_, err := c.session.Stop()
	c.session = nil
	if err != nil {
		return fmt.Errorf("remote end: %w", err)
	}
	return nil
}

func rttRun(full, kind string, size int64, cpu name.Placement, transport string) func(*bench.B) error {
	return func(b *bench.B) error {
		var tr peer.Transport // none: pipes and AF_UNIX
		if transport != "" {
			tr = b.Transport()
		}
		var err error
		helperCPU := -1
		if tr.Name != peer.Remote { // a remote server places its own helper
			if helperCPU, err = helperPlacement(b, cpu); err != nil {
				return err
			}
		}
		c, err := dial(full, kind, tr, helperCPU)
		if err != nil {
			return err
		}
		defer c.close()
		if kind == "connect" {
			err = connectLoop(b, c, tr)
		} else {
			// On a descriptor table of its own, as the helper's thread and
			// a single-threaded C ping-pong are: see sys.OnPrivateThread.
			err = sys.OnPrivateThread(b.CPU(), func() error { return pingPong(b, c, kind, int(size)) })
		}
		if err != nil {
			return err
		}
		return c.finish()
	}
}

// helperPlacement is the CPU for the helper process, the round trip's
// second end as sys.Place resolves it: the measuring thread's own for
// cpu=same, the next allowed CPU for cpu=spread, none (-1) for cpu=free.
func helperPlacement(b *bench.B, cpu name.Placement) (int, error) {
	at, err := sys.Place(cpu, 2, b.CPU(), b.AllowedCPUs())
	if err != nil {
		return -1, err
	}
	return at[1], nil
}

// dial builds the channel and starts the helper. Descriptors handed to the
// helper are closed here afterwards, so that closing the client's ends is
// seen as EOF.
func dial(name, kind string, tr peer.Transport, helperCPU int) (*conn, error) {
	args := echoArgs{CPU: helperCPU, Netns: tr.ServerNetns, Addr: tr.ServerAddr}.encode()
	c := &conn{rfd: -1, wfd: -1}
	switch kind {
	case "pipe":
		var req, resp [2]int
		if err := unix.Pipe2(req[:], unix.O_CLOEXEC); err != nil {
			return nil, err
		}
		if err := unix.Pipe2(resp[:], unix.O_CLOEXEC); err != nil {
			unix.Close(req[0])
			unix.Close(req[1])
			return nil, err
		}
		c.wfd, c.rfd = req[1], resp[0]
		return c, c.start(name, args, req[0], resp[1])
	case "unix":
		sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return nil, err
		}
		c.wfd, c.rfd = sp[0], sp[0]
		return c, c.start(name, args, sp[1])
	}
	if tr.Name == peer.Remote {
		s, err := peer.Dial(tr.Server, tr.Token)
		if err != nil {
			return nil, err
		}
		c.session = s
		if c.server, err = s.Start(name, 0); err != nil {
			c.close()
			return nil, err
		}
		return c.client(tr, kind)
	}
	// tcp, udp, connect: the helper listens in the server's namespace and
	// sends its port on a ready pipe: the start barrier.
	var ready [2]int
	if err := unix.Pipe2(ready[:], unix.O_CLOEXEC); err != nil {
		return nil, err
	}
	if err := c.start(name, args, ready[1]); err != nil {
		unix.Close(ready[0])
		return nil, err
	}
	port, err := peer.ReadReady(ready[0])
	unix.Close(ready[0])
	if err != nil {
		c.close()
		return nil, fmt.Errorf("helper did not become ready: %w", err)
	}
	c.server = netip.AddrPortFrom(tr.ServerAddr, uint16(port))
	return c.client(tr, kind)
}

// client opens the client's socket to c.server, the helper's listener;
// connect opens its own per round trip. On failure c is closed.
func (c *conn) client(tr peer.Transport, kind string) (*conn, error) {
	if kind == "connect" {
		return c, nil
	}
	fd, err := clientSocket(tr, kind, c.server)
	if err != nil {
		c.close()
		return nil, err
	}
	c.rfd, c.wfd = fd, fd
	return c, nil
}

func (c *conn) start(name string, args []string, fds ...int) error {
	files := make([]*os.File, len(fds))
	for i, fd := range fds {
		files[i] = os.NewFile(uintptr(fd), "helper")
	}
	cmd, err := bench.StartChild(name, args, files...)
	for _, f := range files {
		f.Close()
	}
	if err != nil {
		c.close()
		return err
	}
	c.helper = cmd
	return nil
}

// clientSocket makes the client's socket inside the client's namespace (a
// socket belongs to the namespace it was created in, wherever its thread
// goes afterwards) and connects it.
func clientSocket(tr peer.Transport, kind string, server netip.AddrPort) (int, error) {
	typ := unix.SOCK_STREAM
	if kind == "udp" {
		typ = unix.SOCK_DGRAM
	}
	fd, err := peer.Socket(tr.ClientNetns, unix.AF_INET, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if kind == "tcp" {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
			unix.Close(fd)
			return -1, err
		}
		if tr.Name == peer.Remote {
			// A peer host that dies mid-run must fail the benchmark in
			// seconds, not hang it until TCP gives up.
			tv := unix.NsecToTimeval(peer.ControlTimeout.Nanoseconds())
			unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
			unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
		}
	} else {
		tv := unix.NsecToTimeval(udpTimeout.Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			unix.Close(fd)
			return -1, err
		}
	}
	if err := unix.Connect(fd, sockaddr(server)); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("connect %s: %w", server, err)
	}
	return fd, nil
}

func sockaddr(ap netip.AddrPort) *unix.SockaddrInet4 {
	return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
}

// pingPong times b.N round trips. The first byte of each request carries the
// op's sequence number and the echo must bring it back, so a lost, reordered
// or short message is an error, not a fast number.
func pingPong(b *bench.B, c *conn, kind string, size int) error {
	req, resp := make([]byte, size), make([]byte, size)
	for i := range req {
		req[i] = byte(i * 7)
	}
	exchange := exchangeStream
	if kind == "udp" {
		exchange = exchangeDatagram
	}
	// Warm-up laps: the start barrier for pipe and unix helpers, and warm
	// caches and wake-up paths for all.
	for i := range 16 {
		req[0] = byte(i)
		if err := exchange(c, req, resp); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	err := timeOps(b, func(i int) error {
		req[0] = byte(i)
		if err := exchange(c, req, resp); err != nil {
			return fmt.Errorf("round trip %d: %w", i, err)
		}
		if resp[0] != req[0] {
			return fmt.Errorf("round trip %d: echo carried sequence byte %d, want %d", i, resp[0], req[0])
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !slices.Equal(resp[1:], req[1:]) {
		return errors.New("the echo does not match the request")
	}
	return nil
}

// clockIters is how many empty ops timeOps times to find what its own clock
// reads add to one op.
const clockIters = 1 << 13

// timeOps times b.N ops, each on its own, and reports the round trip's
// figures with the cost of those clock reads taken out, as LMbench
// subtracts its timing overhead:
//
//   - ns/op, the headline: the median op (p50 of this sample's per-op
//     times) less clock-ns, the median time the same loop measures for an
//     empty op (one clock read's worth);
//   - mean-ns: the sample's elapsed time per op (what LMbench, perf bench and
//     a C ping-pong report) less the same loop's time per empty op (two
//     clock reads, the store and the call);
//   - p50-ns … p99.9-ns: per-op percentiles, less clock-ns;
//   - clock-ns itself.
//
// The empty ops run in this worker, on this thread, just before the timed
// loop, through the same loop, so the figure subtracted is the one paid.
func timeOps(b *bench.B, op func(i int) error) error {
	nop := func(int) error { return nil }
	clockLats := make([]int64, clockIters)
	clockMean := float64(opLoop(clockIters, clockLats, nop)) / clockIters
	slices.Sort(clockLats)
	clock := clockLats[clockIters/2]

	lats := make([]int64, min(b.N, maxRecorded))
	clear(lats) // fault the pages in before timing
	b.StartTimer()
	if _, err := opLoopErr(b.N, lats, op); err != nil {
		b.StopTimer()
		return err
	}
	b.StopTimer()
	ps := percentiles(lats)
	for name, v := range ps {
		b.ReportMetric(v-float64(clock), name)
	}
	b.ReportMetric(float64(clock), "clock-ns")
	mean := float64(b.Elapsed().Nanoseconds())/float64(b.N) - clockMean
	median := ps["p50-ns"] - float64(clock)
	if !(mean > 0) || !(median > 0) {
		return fmt.Errorf("an op took no longer than its own clock reads (median %.0f ns, mean %.0f ns, clock %d ns): the clock is too coarse here", ps["p50-ns"], mean+clockMean, clock)
	}
	b.ReportMetric(mean, "mean-ns")
	b.ReportMetric(median, "ns/op")
	return nil
}

// opLoop is timeOps's loop for ops that cannot fail; it returns the loop's
// own elapsed time.
func opLoop(n int, lats []int64, op func(i int) error) int64 {
	d, _ := opLoopErr(n, lats, op)
	return d
}

// opLoopErr runs op n times, recording each op's time in lats while there
// is room, and returns the whole loop's time. The empty ops and the timed
// ops go through this one loop.
//
//go:noinline
func opLoopErr(n int, lats []int64, op func(i int) error) (int64, error) {
	start := nanotime()
	for i := 0; i < n; i++ {
		t0 := nanotime()
		if err := op(i); err != nil {
			return 0, err
		}
		if i < len(lats) {
			lats[i] = nanotime() - t0
		}
	}
	return nanotime() - start, nil
}

func exchangeStream(c *conn, req, resp []byte) error {
	if err := sys.WriteAll(c.wfd, req); err != nil {
		return err
	}
	_, err := sys.ReadFull(c.rfd, resp)
	return err
}

func exchangeDatagram(c *conn, req, resp []byte) error {
	n, _, e := syscall.RawSyscall(unix.SYS_WRITE, uintptr(c.wfd), uintptr(unsafe.Pointer(&req[0])), uintptr(len(req)))
	if e != 0 || int(n) != len(req) {
		return fmt.Errorf("send: %d bytes, %v", n, e)
	}
	for {
		n, _, e = syscall.RawSyscall(unix.SYS_READ, uintptr(c.rfd), uintptr(unsafe.Pointer(&resp[0])), uintptr(len(resp)))
		if e == syscall.EINTR {
			continue
		}
		if e == syscall.EAGAIN {
			return fmt.Errorf("no reply within %v: a datagram was lost", udpTimeout)
		}
		if e != 0 || int(n) != len(resp) {
			return fmt.Errorf("recv: %d bytes, %v", n, e)
		}
		return nil
	}
}

// connectLoop times b.N connections: socket, connect, close. The thread
// stays in the client's namespace for the loop, since every op makes a
// socket.
func connectLoop(b *bench.B, c *conn, tr peer.Transport) (err error) {
	restore, err := peer.Enter(tr.ClientNetns)
	if err != nil {
		return err
	}
	defer func() {
		if rerr := restore(); rerr != nil && err == nil {
			err = rerr
		}
	}()
	sa := sockaddr(c.server)
	// The address is kept as an integer for the loop: heap memory (see
	// sys.HeapBytes).
	raw := sys.HeapNew[unix.RawSockaddrInet4]()
	raw.Family = unix.AF_INET
	binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&raw.Port))[:], uint16(sa.Port))
	raw.Addr = sa.Addr
	p, l := uintptr(unsafe.Pointer(raw)), uintptr(unix.SizeofSockaddrInet4)
	one := func() error {
		fd, _, e := syscall.RawSyscall(unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if e != 0 {
			return fmt.Errorf("socket: %v", e)
		}
		_, _, e = syscall.RawSyscall(unix.SYS_CONNECT, fd, p, l)
		syscall.RawSyscall(unix.SYS_CLOSE, fd, 0, 0)
		if e != 0 {
			return fmt.Errorf("connect %s: %v", c.server, e)
		}
		return nil
	}
	for range 16 {
		if err := one(); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	err = timeOps(b, func(int) error { return one() })
	runtime.KeepAlive(raw)
	return err
}

// rttChild is the helper process: pinned as the benchmark asks, in the
// server's namespace, echoing (or accepting) on raw blocking descriptors
// until the client goes away or the worker stops it.
func rttChild(kind string, size int64) func(args []string) error {
	return func(args []string) error {
		a, err := parseEchoArgs(args)
		if err != nil {
			return err
		}
		// CLIENT, given by zbench serve, is the only address served: nobody
		// else can connect or use the helper (peer.ListenData), and a UDP
		// echo reflects nothing to a forged source.
		allowed := a.Client
		runtime.LockOSThread()
		if a.CPU >= 0 {
			if err := sys.PinThread(a.CPU); err != nil {
				return err
			}
		}
		// This thread alone does the echoing, on a descriptor table of its
		// own (sys.OnPrivateThread says why); descriptors it opens later
		// are its alone, and the process ends with it.
		if err := unix.Unshare(unix.CLONE_FILES); err != nil {
			return fmt.Errorf("unshare(CLONE_FILES): %w", err)
		}
		// The echoing itself runs in a process of this one thread, as a C
		// peer's echo end does (sys.EchoStream says why).
		msg := int(max(size, 1))
		switch kind {
		case "pipe":
			return sys.EchoStream(3, 4, msg)
		case "unix":
			return sys.EchoStream(3, 3, msg)
		}
		if _, err := peer.Enter(a.Netns); err != nil {
			return err
		}
		fd, port, err := peer.ListenData(kind == "udp", a.Addr, allowed, 4096)
		if err != nil {
			return err
		}
		if err := peer.WriteReady(3, port); err != nil {
			return err
		}
		unix.Close(3)
		switch kind {
		case "udp":
			var only [4]byte // the one sender echoed to, if any
			if allowed.IsValid() {
				only = allowed.As4()
			}
			return sys.EchoDatagrams(fd, msg, only, allowed.IsValid())
		case "connect":
			for {
				nfd, _, e := syscall.RawSyscall(unix.SYS_ACCEPT4, uintptr(fd), 0, 0)
				if e == syscall.EINTR || e == syscall.ECONNABORTED {
					continue
				}
				if e != 0 {
					return fmt.Errorf("accept: %v", e)
				}
				syscall.RawSyscall(unix.SYS_CLOSE, nfd, 0, 0)
			}
		}
		nfd, err := peer.AcceptFrom(fd, allowed)
		if err != nil {
			return err
		}
		if err := unix.SetsockoptInt(nfd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
			return err
		}
		return sys.EchoStream(nfd, nfd, msg)
	}
}
