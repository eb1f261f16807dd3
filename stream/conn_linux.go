package stream

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/sys"
	"zbench/peer"
)

// Link says what a stream runs over and how the sink reads it.
type Link struct {
	Kind      string         // "pipe", "unix" or "tcp"
	Transport peer.Transport // for "tcp": where the two ends live
	CPU       int            // the sink's CPU; -1 leaves it to the scheduler
	ReadSize  int            // the sink's read(2) buffer
	// NoDelay sets TCP_NODELAY on the sender's socket.
	NoDelay bool
}

// Conn is the sending side of a stream benchmark: a raw blocking
// descriptor to write to (never the Go netpoller), and the sink behind it.
type Conn struct {
	Fd       int // where the sender writes: pipe write end or socket
	tcp      bool
	noDelay  bool
	flag     [2]int32 // TCP_NODELAY values 0, 1, for Push
	ctl, rep int      // control pipe to the sink, report pipe from it
	helper   *exec.Cmd
	remote   *peer.Session // transport=peer: the sink runs on a zbench serve
	msg      [msgSize]byte

	// Readings at the edges of the timed region.
	cpu0            time.Duration
	retrans0, segs0 uint32
}

// Dial starts the sink of benchmark spec (its Spec.Child must be SinkChild)
// and connects to it. For TCP the sink listens in the server's network
// namespace and sends its port back, the start barrier; the sender's socket
// is made in the client's namespace.
func Dial(spec string, l Link) (s *Conn, err error) {
	if l.Transport.Name == peer.Remote {
		return dialRemote(spec, l)
	}
	s = &Conn{Fd: -1, ctl: -1, rep: -1}
	st := s // error returns clear s; the clean-up needs the stream
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	var ctl, rep [2]int
	if err := unix.Pipe2(ctl[:], unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("control pipe: %w", err)
	}
	s.ctl = ctl[1]
	if err := unix.Pipe2(rep[:], unix.O_CLOEXEC); err != nil {
		unix.Close(ctl[0])
		return nil, fmt.Errorf("report pipe: %w", err)
	}
	s.rep = rep[0]
	child := []int{ctl[0], rep[1]}
	switch l.Kind {
	case "pipe":
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			closeAll(child)
			return nil, fmt.Errorf("data pipe: %w", err)
		}
		s.Fd, child = p[1], append(child, p[0])
	case "unix":
		sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			closeAll(child)
			return nil, fmt.Errorf("socketpair: %w", err)
		}
		s.Fd, child = sp[0], append(child, sp[1])
	case "tcp":
		s.tcp, s.noDelay, s.flag[1] = true, l.NoDelay, 1
	default:
		closeAll(child)
		return nil, fmt.Errorf("unknown stream kind %q", l.Kind)
	}
	a := SinkArgs{Kind: l.Kind, CPU: l.CPU, ReadSize: l.ReadSize}
	if l.Kind == "tcp" {
		a.Netns, a.Addr = l.Transport.ServerNetns, l.Transport.ServerAddr
	}
	args := a.Encode()
	files := make([]*os.File, len(child))
	for i, fd := range child {
		files[i] = os.NewFile(uintptr(fd), "sink")
	}
	s.helper, err = bench.StartChild(spec, args, files...)
	for _, f := range files {
		f.Close()
	}
	if err != nil {
		return nil, err
	}
	if !s.tcp {
		return s, nil
	}
	if err = s.connectOnHello(l, "receiver", l.Transport.ServerAddr); err != nil {
		return nil, err
	}
	return s, nil
}

// dialRemote starts the sink on the zbench serve at l.Transport.Server: the
// server runs the same SinkChild, listening on its own address, and carries
// the sink's request and report pipes over the control session, so the rest
// of the stream is the same as locally.
func dialRemote(spec string, l Link) (s *Conn, err error) {
	if l.Kind != "tcp" {
		return nil, fmt.Errorf("a %s stream cannot cross hosts", l.Kind)
	}
	s = &Conn{Fd: -1, ctl: -1, rep: -1, tcp: true}
	st := s // error returns clear s; the clean-up needs the stream
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	if s.remote, err = peer.Dial(l.Transport.Server, l.Transport.Token); err != nil {
		return nil, err
	}
	if _, err = s.remote.Start(spec, l.ReadSize); err != nil {
		return nil, err
	}
	if s.ctl, s.rep, err = s.remote.Relay(); err != nil {
		return nil, err
	}
	if err = s.connectOnHello(l, "remote receiver", s.remote.Data.Addr()); err != nil {
		return nil, err
	}
	return s, nil
}

// connectOnHello waits for the sink's hello, which carries the port it
// listens on at addr, and connects the sender's socket to it; who names
// the sink in the error when it never becomes ready.
func (s *Conn) connectOnHello(l Link, who string, addr netip.Addr) error {
	hello, status, err := s.readMsg()
	if err != nil {
		return fmt.Errorf("%s did not become ready: %w", who, err)
	}
	if status != statusHello {
		return fmt.Errorf("%w: %s", ErrSink, hello.Err)
	}
	s.Fd, err = connect(l.Transport, netip.AddrPortFrom(addr, uint16(hello.Bytes)), l.NoDelay)
	return err
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// connect makes the sender's socket inside the client's network namespace
// (a socket belongs to the namespace it was made in, wherever its thread
// goes next) and connects it. Socket buffers are left to the kernel's
// autotuning, as iperf3 and most programs leave them.
func connect(tr peer.Transport, server netip.AddrPort, noDelay bool) (int, error) {
	fd, err := peer.Socket(tr.ClientNetns, unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	if noDelay {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("TCP_NODELAY: %w", err)
		}
	}
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: int(server.Port()), Addr: server.Addr().As4()}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("connect %s: %w", server, err)
	}
	return fd, nil
}

// Close closes the sender's descriptors and stops the sink.
func (s *Conn) Close() error {
	for _, fd := range []*int{&s.Fd, &s.ctl, &s.rep} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
	if s.helper != nil {
		s.helper.Process.Kill()
		s.helper.Wait()
		s.helper = nil
	}
	if s.remote != nil {
		// The request pipe is closed above, so the relay has sent all;
		// stop the remote sink in order. A server that died has already
		// failed the benchmark on the data path.
		s.remote.Stop()
		s.remote = nil
	}
	return nil
}

// Expect tells the sink what the next phase of the stream is. Call it
// before the data: the sink takes its first CPU reading when the job
// arrives, then blocks reading.
func (s *Conn) Expect(j Job) error {
	j.encode(&s.msg)
	if err := sys.WriteAll(s.ctl, s.msg[:]); err != nil {
		return fmt.Errorf("sending the job to the receiver: %w", err)
	}
	return nil
}

// Report waits for the sink's account of the phase. A failure the sink
// found comes back wrapping ErrSink, with the sink's words.
func (s *Conn) Report() (Report, error) {
	r, status, err := s.readMsg()
	switch {
	case err != nil:
		return r, err
	case status == statusFailed:
		return r, fmt.Errorf("%w: %s", ErrSink, r.Err)
	case status != statusOK:
		return r, fmt.Errorf("receiver sent status %d", status)
	}
	return r, nil
}

func (s *Conn) readMsg() (Report, uint64, error) {
	if _, err := sys.ReadFull(s.rep, s.msg[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return Report{}, 0, errors.New("the receiver exited without a report")
		}
		return Report{}, 0, fmt.Errorf("reading the receiver's report: %w", err)
	}
	r, status := decodeReport(&s.msg)
	return r, status, nil
}

// Why turns an error of the sending side into the sink's reason when the
// sink failed first (a verification error closes its end, and the sender
// then sees EPIPE or ECONNRESET): the report is already on its pipe.
func (s *Conn) Why(sendErr error) error {
	pfd := []unix.PollFd{{Fd: int32(s.rep), Events: unix.POLLIN}}
	if n, _ := unix.Poll(pfd, 2000); n == 1 {
		if _, err := s.Report(); err != nil {
			return fmt.Errorf("%w (the sender then saw: %v)", err, sendErr)
		}
	}
	return sendErr
}

// Push sends what the socket holds back, at the end of a phase. With Nagle's
// algorithm on, the last part of a stream that does not fill a segment
// waits for the ACK of what is in flight, and the receiver delays that ACK
// (40 ms) while it waits for a full segment: a stall at the end of every
// phase that a long-running program would never notice and a 100 ms
// sample would. Setting TCP_NODELAY pushes the pending frames at once;
// clearing it again leaves the socket as it was for the next phase.
func (s *Conn) Push() error {
	if !s.tcp || s.noDelay {
		return nil
	}
	for _, v := range []*int32{&s.flag[1], &s.flag[0]} {
		_, _, e := syscall.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(s.Fd), unix.IPPROTO_TCP, unix.TCP_NODELAY, uintptr(unsafe.Pointer(v)), 4, 0)
		if e != 0 {
			return fmt.Errorf("TCP_NODELAY: %w", e)
		}
	}
	return nil
}

// Begin sends the job of the timed phase, takes the sender's first
// readings (its thread's CPU time; the TCP counters), and starts the timer.
func (s *Conn) Begin(b *bench.B, j Job) error {
	if err := s.Expect(j); err != nil {
		return err
	}
	if s.tcp {
		info, err := unix.GetsockoptTCPInfo(s.Fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return fmt.Errorf("TCP_INFO: %w", err)
		}
		s.retrans0, s.segs0 = info.Total_retrans, info.Segs_out
	}
	cpu, err := sys.ThreadCPU()
	if err != nil {
		return err
	}
	s.cpu0 = cpu
	b.StartTimer()
	return nil
}

// Cost is what the timed phase cost each side.
type Cost struct {
	Report
	SenderCPU time.Duration
	// Retransmits and SegmentsOut are the sender socket's tcpi_total_retrans
	// and tcpi_segs_out deltas (TCP only).
	Retransmits, SegmentsOut uint32
}

// End waits for the sink's report, stops the timer, and takes the sender's
// second readings. The timed region thus ends when the last byte is in the
// receiver's buffer.
func (s *Conn) End(b *bench.B) (Cost, error) {
	r, err := s.Report()
	b.StopTimer()
	if err != nil {
		return Cost{}, err
	}
	cpu, err := sys.ThreadCPU()
	if err != nil {
		return Cost{}, err
	}
	c := Cost{Report: r, SenderCPU: cpu - s.cpu0}
	if s.tcp {
		info, err := unix.GetsockoptTCPInfo(s.Fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return Cost{}, fmt.Errorf("TCP_INFO: %w", err)
		}
		c.Retransmits, c.SegmentsOut = info.Total_retrans-s.retrans0, info.Segs_out-s.segs0
	}
	return c, nil
}

// Phase is one timed phase of job j: Begin, send (the sender's side of the
// job), End. The sink's report is then held to the job: every byte arrived
// and, under Verify, its checksum is the one the sender's bytes have.
func (s *Conn) Phase(b *bench.B, j Job, send func() error) (Cost, error) {
	if err := s.Begin(b, j); err != nil {
		return Cost{}, err
	}
	if err := send(); err != nil {
		return Cost{}, err
	}
	c, err := s.End(b)
	if err != nil {
		return Cost{}, err
	}
	return c, c.check(j)
}

// check compares the sink's report with what job j sent.
func (c Cost) check(j Job) error {
	what, bytes := "stream", j.Bytes
	if j.Responses > 0 {
		what, bytes = "responses", j.Responses*(j.Header+j.File)
	}
	if c.Bytes != bytes {
		return fmt.Errorf("the receiver read %d bytes, want %d", c.Bytes, bytes)
	}
	if !j.Verify {
		return nil
	}
	want := CRC(j.Pattern, j.Offset, j.Bytes)
	if j.Responses > 0 {
		want = ResponsesCRC(j.Header, j.File, j.FirstSeq, j.Responses, j.Pattern)
	}
	if c.CRC != want {
		return fmt.Errorf("checksum of the %s: receiver %#x, sender %#x", what, c.CRC, want)
	}
	return nil
}

// ReportPerByte attaches the per-byte costs of a stream of n bytes.
func (c Cost) ReportPerByte(b *bench.B, n int64, tcp bool) {
	b.ReportMetric(float64(c.SenderCPU.Nanoseconds())/float64(n), "sender-cpu-ns/B")
	b.ReportMetric(float64(c.CPU.Nanoseconds())/float64(n), "receiver-cpu-ns/B")
	if tcp {
		b.ReportMetric(float64(c.Retransmits), "retransmits")
	}
}

// SinkCPU is where the sink runs: an allowed CPU other than the measuring
// thread's, so that sender and receiver each have a CPU, as two hosts would.
// With one CPU they share it, and the result says so.
func SinkCPU(b *bench.B) int {
	for _, c := range b.AllowedCPUs() {
		if c != b.CPU() {
			return c
		}
	}
	b.Warn("only one CPU allowed: the sender and the receiver share CPU %d, so the figures include every switch between them", b.CPU())
	return b.CPU()
}
