package zerocopy

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/sys"
	"zbench/peer"
	"zbench/stream"
)

// sendSeed keys the verification pattern of zerocopy streams.
const sendSeed = 0x7a63

// zcPoolBytes is the size of a zero-copy sender's buffer pool (at least 4
// buffers): enough that on loopback, where completions come back within a
// few microseconds, the sender rarely waits for one.
const zcPoolBytes = 1 << 20

// completionTimeout bounds every wait for a completion (MSG_ZEROCOPY's
// error queue, every io_uring CQE): a lost completion is the benchmark's
// error, never a hang until the worker is killed.
const completionTimeout = 10 * time.Second

// sendRun measures one method at one size. As for every stream (stream.Reused), the first
// run of a worker sets up (sink, connection, file, buffers, a 100 ms
// warm-up) and the worker's later runs reuse it, each a phase of its own;
// a failed run drops it all.
func sendRun(name string, m sendMethod, size int, transport string) func(*bench.B) error {
	return stream.Reused(func(b *bench.B) (*sendState, error) {
		return newSendState(name, m, size, b.Transport(), stream.SinkCPU(b), b.Verify())
	})
}

type sendState struct {
	s         *stream.Conn
	env       *sendEnv
	snd       sender
	zp        *pool // the zero-copy methods' completion accounting
	transport string
	off       int64 // stream offset reached
}

func newSendState(name string, m sendMethod, size int, tr peer.Transport, sinkCPU int, verify bool) (st *sendState, err error) {
	s, err := stream.Dial(name, stream.Link{Kind: "tcp", Transport: tr, CPU: sinkCPU, ReadSize: recvSize})
	if err != nil {
		return nil, err
	}
	st = &sendState{s: s, transport: string(tr.Name),
		env: &sendEnv{fd: s.Fd, size: size, verify: verify, pat: stream.Pattern{Seed: sendSeed}, tr: tr}}
	defer func(st *sendState) {
		if err != nil {
			st.Close()
		}
	}(st)
	if m.file {
		// The file is sent again and again: its pattern repeats.
		st.env.pat.Period = int64(size)
		if st.env.file, err = pageCacheFile(size, st.env.pat); err != nil {
			return nil, err
		}
	}
	if st.snd, err = m.open(st.env); err != nil {
		return nil, err
	}
	if p, ok := st.snd.(interface{ stats() *pool }); ok && m.zc {
		st.zp = p.stats()
	}
	err = stream.WarmUp(size, func(n int64) error {
		if err := s.Expect(stream.Job{Bytes: n, Offset: st.off, Verify: verify, Pattern: st.env.pat}); err != nil {
			return err
		}
		if err := st.stream(n / int64(size)); err != nil {
			return err
		}
		_, err := s.Report()
		return err
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// stream sends n chunks, pushes the tail out, and waits until the kernel
// is done with every buffer.
func (st *sendState) stream(n int64) error {
	for range n {
		if err := st.snd.chunk(st.off); err != nil {
			return st.s.Why(err)
		}
		st.off += int64(st.env.size)
	}
	if err := st.s.Push(); err != nil {
		return err
	}
	if err := st.snd.flush(); err != nil {
		return st.s.Why(err)
	}
	return nil
}

func (st *sendState) Measure(b *bench.B) error {
	size := int64(st.env.size)
	if st.zp != nil {
		st.zp.resetStats()
	}
	total, start := int64(b.N)*size, st.off
	b.SetBytes(size)
	job := stream.Job{Bytes: total, Offset: start, Verify: st.env.verify, Pattern: st.env.pat}
	c, err := st.s.Phase(b, job, func() error { return st.stream(int64(b.N)) })
	if err != nil {
		return err
	}
	c.ReportPerByte(b, total, true)
	if st.zp != nil {
		reportCopied(b, st.zp, st.transport)
	}
	return nil
}

func (st *sendState) Close() {
	if st.snd != nil {
		st.snd.close()
	}
	if st.env.file != nil {
		st.env.file.Close()
	}
	st.s.Close()
}

// reportCopied attaches copied-fraction and says plainly when "zero-copy"
// was a copy.
func reportCopied(b *bench.B, p *pool, transport string) {
	f := p.copiedFraction()
	b.ReportMetric(f, "copied-fraction")
	if f > 0.5 {
		where := "on this path"
		if transport == peer.Loopback || transport == peer.Veth || transport == peer.NetnsLoop {
			where = "over " + transport
		}
		b.Warn("the kernel copied %.0f%% of the data anyway: %s the packets are looped to a socket on this host, "+
			"and such packets get a deferred copy before they are queued at the receiver, because a receiver that "+
			"never read would hold the sender's pages, and its completion, indefinitely (msg_zerocopy.rst, "+
			"\"Loopback\"); a NIC with scatter-gather sends from the pages instead", 100*f, where)
	}
}

// pageCacheFile makes the file the file methods send: written once with
// the pattern, synced so that no writeback runs during timing, read once so
// that every page is in the page cache, and unlinked (it lives while open).
func pageCacheFile(size int, pat stream.Pattern) (*os.File, error) {
	f, err := os.CreateTemp("", "zbench-file-*")
	if err != nil {
		return nil, fmt.Errorf("the file to send: %w", err)
	}
	os.Remove(f.Name())
	data := make([]byte, size)
	pat.Fill(data, 0)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("the file to send: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("the file to send: %w", err)
	}
	if _, err := f.ReadAt(data, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("the file to send: %w", err)
	}
	return f, nil
}

// noFlush is for methods whose buffers are free when the call returns.
type noFlush struct{}

func (noFlush) flush() error { return nil }

// write(2) from one buffer.
type writeSender struct {
	noFlush
	fd     int
	buf    []byte
	verify bool
	pat    stream.Pattern
}

func newWrite(env *sendEnv) (sender, error) {
	buf, err := stream.Buffer(env.size)
	if err != nil {
		return nil, err
	}
	return &writeSender{fd: env.fd, buf: buf, verify: env.verify, pat: env.pat}, nil
}

func (w *writeSender) chunk(off int64) error {
	if w.verify {
		w.pat.Fill(w.buf, off)
	}
	return sys.WriteAll(w.fd, w.buf)
}

func (w *writeSender) close() { unix.Munmap(w.buf) }

// pread(2) into a buffer, then write(2).
type readWriteSender struct {
	noFlush
	fd, file int
	buf      []byte
}

func newReadWrite(env *sendEnv) (sender, error) {
	buf, err := stream.Buffer(env.size)
	if err != nil {
		return nil, err
	}
	return &readWriteSender{fd: env.fd, file: int(env.file.Fd()), buf: buf}, nil
}

func (r *readWriteSender) chunk(int64) error {
	for got := 0; got < len(r.buf); {
		n, _, e := syscall.RawSyscall6(unix.SYS_PREAD64, uintptr(r.file), uintptr(unsafe.Pointer(&r.buf[got])), uintptr(len(r.buf)-got), uintptr(got), 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 || n == 0 {
			return fmt.Errorf("pread at %d: %d, %v", got, n, e)
		}
		got += int(n)
	}
	return sys.WriteAll(r.fd, r.buf)
}

func (r *readWriteSender) close() { unix.Munmap(r.buf) }

// write(2) from an mmap of the file.
type mmapWriteSender struct {
	noFlush
	fd int
	m  []byte
}

func newMmapWrite(env *sendEnv) (sender, error) {
	m, err := unix.Mmap(int(env.file.Fd()), 0, env.size, unix.PROT_READ, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return nil, fmt.Errorf("mmap of the file: %w", err)
	}
	return &mmapWriteSender{fd: env.fd, m: m}, nil
}

func (w *mmapWriteSender) chunk(int64) error { return sys.WriteAll(w.fd, w.m) }
func (w *mmapWriteSender) close()            { unix.Munmap(w.m) }

func newSendfile(env *sendEnv) (sender, error) {
	return &sendfileSender{fd: env.fd, file: int(env.file.Fd()), size: int64(env.size)}, nil
}

// sendfile(2) of the whole file.
type sendfileSender struct {
	noFlush
	fd, file int
	size     int64
	off      int64 // the file offset sendfile advances
}

func (s *sendfileSender) chunk(int64) error { return sendfileAll(s.fd, s.file, &s.off, s.size) }
func (s *sendfileSender) close()            {}

// sendfileAll sends the file's bytes 0 … size, across short sends. off is
// scratch the kernel advances; it must not be on the goroutine's stack.
func sendfileAll(fd, file int, off *int64, size int64) error {
	*off = 0
	for *off < size {
		n, _, e := syscall.RawSyscall6(unix.SYS_SENDFILE, uintptr(fd), uintptr(file), uintptr(unsafe.Pointer(off)), uintptr(size-*off), 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return fmt.Errorf("sendfile: %w", e)
		}
		if n == 0 {
			return fmt.Errorf("sendfile: no progress at file byte %d of %d", *off, size)
		}
	}
	return nil
}

// newPipe makes a pipe of (at least) size bytes' capacity.
func newPipe(size int) (p [2]int, err error) {
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return p, fmt.Errorf("pipe: %w", err)
	}
	if _, err := unix.FcntlInt(uintptr(p[1]), unix.F_SETPIPE_SZ, max(size, 4096)); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return p, fmt.Errorf("F_SETPIPE_SZ %d: %w (see /proc/sys/fs/pipe-max-size)", size, err)
	}
	return p, nil
}

// splicePipe moves n bytes from the pipe to the socket.
func splicePipe(pipeR, fd int, n int64) error {
	for n > 0 {
		k, _, e := syscall.RawSyscall6(unix.SYS_SPLICE, uintptr(pipeR), 0, uintptr(fd), 0, uintptr(n), unix.SPLICE_F_MOVE)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return fmt.Errorf("splice to the socket: %w", e)
		}
		if k == 0 {
			return errors.New("splice to the socket: no progress")
		}
		n -= int64(k)
	}
	return nil
}

// splice(2) file → pipe → socket.
type spliceSender struct {
	noFlush
	fd, file int
	pipe     [2]int
	size     int64
	off      int64 // the file offset splice advances
}

func newSplice(env *sendEnv) (sender, error) {
	p, err := newPipe(env.size)
	if err != nil {
		return nil, err
	}
	return &spliceSender{fd: env.fd, file: int(env.file.Fd()), pipe: p, size: int64(env.size)}, nil
}

func (s *spliceSender) chunk(int64) error {
	s.off = 0
	for s.off < s.size {
		n, _, e := syscall.RawSyscall6(unix.SYS_SPLICE, uintptr(s.file), uintptr(unsafe.Pointer(&s.off)), uintptr(s.pipe[1]), 0,
			uintptr(s.size-s.off), unix.SPLICE_F_MOVE)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return fmt.Errorf("splice from the file: %w", e)
		}
		if n == 0 {
			return fmt.Errorf("splice from the file: no progress at byte %d", s.off)
		}
		if err := splicePipe(s.pipe[0], s.fd, int64(n)); err != nil {
			return err
		}
	}
	return nil
}

func (s *spliceSender) close() { unix.Close(s.pipe[0]); unix.Close(s.pipe[1]) }

// vmsplice(2) user memory → pipe → socket, cycling through a ring that
// outlasts every reference the kernel can hold.
type vmspliceSender struct {
	noFlush
	fd     int
	pipe   [2]int
	ring   []byte
	size   int
	verify bool
	pat    stream.Pattern
	iov    unix.Iovec
}

func newVmsplice(env *sendEnv) (sender, error) {
	bound, err := inFlightBound(env.tr, env.size)
	if err != nil {
		return nil, err
	}
	n := (bound/env.size + 1) * env.size
	ring, err := stream.Buffer(n)
	if err != nil {
		return nil, err
	}
	p, err := newPipe(env.size)
	if err != nil {
		unix.Munmap(ring)
		return nil, err
	}
	return &vmspliceSender{fd: env.fd, pipe: p, ring: ring, size: env.size, verify: env.verify, pat: env.pat}, nil
}

func (v *vmspliceSender) chunk(off int64) error {
	pos := int(off % int64(len(v.ring)))
	buf := v.ring[pos : pos+v.size]
	if v.verify {
		v.pat.Fill(buf, off)
	}
	for o := 0; o < len(buf); {
		v.iov.Base = &buf[o]
		v.iov.SetLen(len(buf) - o)
		n, _, e := syscall.RawSyscall6(unix.SYS_VMSPLICE, uintptr(v.pipe[1]), uintptr(unsafe.Pointer(&v.iov)), 1, unix.SPLICE_F_GIFT, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return fmt.Errorf("vmsplice: %w", e)
		}
		if err := splicePipe(v.pipe[0], v.fd, int64(n)); err != nil {
			return err
		}
		o += int(n)
	}
	return nil
}

func (v *vmspliceSender) close() {
	unix.Close(v.pipe[0])
	unix.Close(v.pipe[1])
	unix.Munmap(v.ring)
}

// inFlightBound is the most stream data that can still reference a spliced
// user page once it left the pipe: the sender's socket queues at most its
// send buffer (tcp_wmem max in the client's namespace), the receiver at
// most its receive buffer (tcp_rmem max in the server's), plus the pipe
// and a slack of one 64 KiB skb per queue for the kernel's overshoot.
func inFlightBound(tr peer.Transport, size int) (int, error) {
	wmem, err := sysctlMax(tr.ClientNetns, "tcp_wmem")
	if err != nil {
		return 0, err
	}
	rmem, err := sysctlMax(tr.ServerNetns, "tcp_rmem")
	if err != nil {
		return 0, err
	}
	return wmem + rmem + size + 2<<16, nil
}

// sysctlMax reads the third field of net.ipv4.NAME in the network namespace
// netns (these are per namespace; /proc/sys/net shows the reader's).
func sysctlMax(netns, name string) (v int, err error) {
	restore, err := peer.Enter(netns)
	if err != nil {
		return 0, err
	}
	defer func() {
		if rerr := restore(); rerr != nil && err == nil {
			err = rerr
		}
	}()
	b, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) != 3 {
		return 0, fmt.Errorf("net.ipv4.%s = %q: want three numbers", name, b)
	}
	return strconv.Atoi(f[2])
}

// poolBuffers cuts one mapping into the buffers of a zero-copy pool.
func poolBuffers(size int) (mem []byte, bufs [][]byte, err error) {
	n := max(4, zcPoolBytes/size)
	if mem, err = stream.Buffer(n * size); err != nil {
		return nil, nil, err
	}
	for i := range n {
		bufs = append(bufs, mem[i*size:(i+1)*size:(i+1)*size])
	}
	return mem, bufs, nil
}

// send(2) with MSG_ZEROCOPY through a pool.
type msgZerocopySender struct {
	zcSender
	mem []byte
}

func newMsgZerocopy(env *sendEnv) (sender, error) {
	if err := unix.SetsockoptInt(env.fd, unix.SOL_SOCKET, unix.SO_ZEROCOPY, 1); err != nil {
		if errors.Is(err, unix.ENOPROTOOPT) || errors.Is(err, unix.EOPNOTSUPP) {
			return nil, fmt.Errorf("%w: the kernel has no SO_ZEROCOPY (Linux 4.14): %v", bench.ErrNotSupported, err)
		}
		return nil, fmt.Errorf("SO_ZEROCOPY: %w", err)
	}
	mem, bufs, err := poolBuffers(env.size)
	if err != nil {
		return nil, err
	}
	fd := env.fd
	oob := make([]byte, sys.ZerocopyOOBSize)
	m := &msgZerocopySender{mem: mem}
	m.zcSender = zcSender{
		verify: env.verify,
		pat:    env.pat,
		pool:   newPool(bufs, 4*len(bufs), 0), // the kernel's counter starts at 0 on a new socket
		what:   "send(MSG_ZEROCOPY)",
		send: func(p []byte, _ uint32) (int, error) {
			n, _, e := syscall.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_ZEROCOPY, 0, 0)
			if e != 0 {
				return 0, e
			}
			return int(n), nil
		},
		recv: func() (completion, bool, error) {
			r, ok, err := sys.RecvZerocopy(fd, oob)
			return completion{lo: r.Lo, hi: r.Hi, copied: r.Copied}, ok, err
		},
		wait: func() error { return sys.WaitErrqueue(fd, completionTimeout) },
	}
	return m, nil
}

func (m *msgZerocopySender) close() { unix.Munmap(m.mem) }

// io_uring SEND (zc false: one buffer, released at its result) or SEND_ZC
// (a pool, each buffer released at its notification), driven by the same
// loop as MSG_ZEROCOPY (zcSender), with the same completion timeout: a send
// call is one request, submitted and waited for in one io_uring_enter;
// notifications are the completions.
type uringSender struct {
	zcSender
	ring  *sys.Ring
	fd    int
	zc    bool
	mem   []byte
	first bool // no request has completed yet: an EINVAL means no SEND_ZC
	// Completions seen while waiting for a request's result (notifications
	// of earlier requests; for SEND, the request's own release), handed to
	// zcSender's reap in order. Its capacity is the pool's call table, so
	// appending never allocates.
	pending []completion
	head    int
}

func newUringSend(env *sendEnv) (sender, error)   { return newUring(env, false) }
func newUringSendZC(env *sendEnv) (sender, error) { return newUring(env, true) }

func newUring(env *sendEnv, zc bool) (sender, error) {
	var mem []byte
	var bufs [][]byte
	var err error
	if zc {
		mem, bufs, err = poolBuffers(env.size)
	} else {
		mem, err = stream.Buffer(env.size)
		bufs = [][]byte{mem}
	}
	if err != nil {
		return nil, err
	}
	maxCalls := 4 * len(bufs)
	// The CQ (twice the SQ) holds every notification that can be pending
	// plus the one result, so none ever overflows.
	ring, err := sys.NewRing(uint32(maxCalls))
	if err != nil {
		unix.Munmap(mem)
		return nil, err
	}
	u := &uringSender{ring: ring, fd: env.fd, zc: zc, mem: mem, first: true}
	u.zcSender = zcSender{
		verify: env.verify,
		pat:    env.pat,
		pool:   newPool(bufs, maxCalls, 0),
		what:   "io_uring SEND",
		send:   u.send,
		recv:   u.recv,
		wait: func() error {
			_, err := u.ring.SubmitWait(0, 1, completionTimeout)
			return err
		},
	}
	if zc {
		u.what = "io_uring SEND_ZC"
	}
	u.pending = make([]completion, 0, len(u.pool.calls))
	return u, nil
}

// send is one request for p, numbered id: submitted, and waited for until
// its result, taking the notifications of earlier requests on the way.
// MSG_WAITALL: the kernel retries a partial send itself, so one request
// normally carries the whole buffer.
func (u *uringSender) send(p []byte, id uint32) (int, error) {
	sqe := u.ring.GetSQE()
	if sqe == nil {
		return 0, errors.New("no free SQE with one request at a time")
	}
	if u.zc {
		sqe.PrepSendZC(u.fd, p, unix.MSG_WAITALL, sys.SendZCReportUsage, uint64(id))
	} else {
		sqe.PrepSend(u.fd, p, unix.MSG_WAITALL, uint64(id))
	}
	if _, err := u.ring.SubmitWait(1, 1, completionTimeout); err != nil {
		return 0, err
	}
	for {
		cqe, ok := u.ring.PeekCQE()
		if !ok {
			if _, err := u.ring.SubmitWait(0, 1, completionTimeout); err != nil {
				return 0, err
			}
			continue
		}
		u.ring.SeenCQE()
		if cqe.Flags&sys.CQEFNotif != 0 {
			u.pending = append(u.pending, completion{lo: uint32(cqe.UserData), hi: uint32(cqe.UserData), copied: cqe.ZCCopied()})
			continue
		}
		if uint32(cqe.UserData) != id {
			return 0, fmt.Errorf("result of request %d while waiting for %d", cqe.UserData, id)
		}
		if cqe.Res < 0 {
			e := syscall.Errno(-cqe.Res)
			if u.zc && u.first && (e == syscall.EINVAL || e == syscall.EOPNOTSUPP) {
				return 0, fmt.Errorf("%w: the kernel refuses IORING_OP_SEND_ZC with report-usage (Linux 6.2): %v", bench.ErrNotSupported, e)
			}
			if cqe.Flags&sys.CQEFMore != 0 {
				// A notification follows for a call that sent nothing:
				// a retry would leave it unaccounted.
				return 0, fmt.Errorf("%v, and a notification follows", e)
			}
			return 0, e
		}
		u.first = false
		if cqe.Flags&sys.CQEFMore == 0 && cqe.Res > 0 {
			// No notification follows (plain SEND): the buffer is free
			// once zcSender has recorded the call.
			u.pending = append(u.pending, completion{lo: id, hi: id, release: true})
		}
		return int(cqe.Res), nil
	}
}

// recv hands out the completions send set aside, then notifications ready
// in the CQ, without waiting.
func (u *uringSender) recv() (completion, bool, error) {
	if u.head < len(u.pending) {
		c := u.pending[u.head]
		u.head++
		if u.head == len(u.pending) {
			u.pending, u.head = u.pending[:0], 0
		}
		return c, true, nil
	}
	cqe, ok := u.ring.PeekCQE()
	if !ok {
		return completion{}, false, nil
	}
	u.ring.SeenCQE()
	if cqe.Flags&sys.CQEFNotif == 0 {
		return completion{}, false, fmt.Errorf("io_uring: unexpected result CQE for request %d", cqe.UserData)
	}
	return completion{lo: uint32(cqe.UserData), hi: uint32(cqe.UserData), copied: cqe.ZCCopied()}, true, nil
}

func (u *uringSender) close() {
	u.ring.Close()
	unix.Munmap(u.mem)
}
