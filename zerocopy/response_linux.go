package zerocopy

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/sys"
	"zbench/peer"
	"zbench/stream"
)

// responseSeed keys the pattern of the file a response carries.
const responseSeed = 0x66696c65

// responseRun measures one response method at one file size, setting up
// on a worker's first run and reusing it after, as sendRun does.
func responseRun(name string, m responseMethod, file int64, transport string) func(*bench.B) error {
	return stream.Reused(func(b *bench.B) (*responseState, error) {
		return newResponseState(name, m, file, b.Transport(), stream.SinkCPU(b), b.Verify())
	})
}

type responseState struct {
	s   *stream.Conn
	f   *os.File
	r   *responder
	job stream.Job // header, file, verification; FirstSeq is the next response
	req [1]byte
}

func newResponseState(name string, m responseMethod, file int64, tr peer.Transport, sinkCPU int, verify bool) (st *responseState, err error) {
	hdr := responseHeader
	s, err := stream.Dial(name, stream.Link{Kind: "tcp", Transport: tr, CPU: sinkCPU, ReadSize: int(hdr + file), NoDelay: true})
	if err != nil {
		return nil, err
	}
	st = &responseState{s: s, job: stream.Job{Header: hdr, File: file, Verify: verify,
		Pattern: stream.Pattern{Seed: responseSeed, Period: file}}}
	defer func(st *responseState) {
		if err != nil {
			st.Close()
		}
	}(st)
	if st.f, err = pageCacheFile(int(file), st.job.Pattern); err != nil {
		return nil, err
	}
	if st.r, err = newResponder(m, s.Fd, st.f, hdr, file); err != nil {
		return nil, err
	}
	job := st.job
	job.Responses = max(32, (4<<20)/(hdr+file))
	if err := s.Expect(job); err != nil {
		return nil, err
	}
	if err := st.serve(job.Responses); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	if _, err := s.Report(); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	return st, nil
}

// serve answers n requests.
func (st *responseState) serve(n int64) error {
	for range n {
		seq := st.job.FirstSeq
		if _, err := sys.ReadFull(st.s.Fd, st.req[:]); err != nil {
			return st.s.Why(fmt.Errorf("request %d: %w", seq, err))
		}
		if st.req[0] != byte(seq) {
			return fmt.Errorf("request %d carries %d", seq, st.req[0])
		}
		// A server writes a header per response: its cost is in.
		stream.FillHeader(st.r.hdr, seq)
		if err := st.r.send(st.r); err != nil {
			return st.s.Why(fmt.Errorf("response %d: %w", seq, err))
		}
		st.job.FirstSeq++
	}
	return nil
}

func (st *responseState) Measure(b *bench.B) error {
	n := int64(b.N)
	job := st.job
	job.Responses = n
	c, err := st.s.Phase(b, job, func() error { return st.serve(n) })
	if err != nil {
		return err
	}
	b.ReportMetric(float64(c.SenderCPU.Nanoseconds())/float64(n), "sender-cpu-ns/response")
	b.ReportMetric(float64(c.CPU.Nanoseconds())/float64(n), "receiver-cpu-ns/response")
	b.ReportMetric(float64(c.SegmentsOut)/float64(n), "segments/response")
	b.ReportMetric(float64(c.Retransmits), "retransmits")
	return nil
}

func (st *responseState) Close() {
	if st.r != nil {
		st.r.close()
	}
	if st.f != nil {
		st.f.Close()
	}
	st.s.Close()
}

// responder sends one response with its method's send: the header in hdr
// (filled per response), then the file.
type responder struct {
	send     func(*responder) error
	fd, file int
	size     int64
	page     []byte // mapping that holds hdr
	hdr      []byte
	fileMap  []byte // mmap of the file (writev, copy)
	buf      []byte // header and file together (copy)
	off      int64  // sendfile's file offset
	iov      [2]unix.Iovec
	one      int32 // TCP_CORK values
	zero     int32
}

func newResponder(m responseMethod, fd int, f *os.File, hdr, size int64) (*responder, error) {
	r := &responder{send: m.send, fd: fd, file: int(f.Fd()), size: size, one: 1}
	var err error
	if r.page, err = stream.Buffer(int(hdr)); err != nil {
		return nil, err
	}
	r.hdr = r.page[:hdr]
	if m.fileMap {
		if r.fileMap, err = unix.Mmap(r.file, 0, int(size), unix.PROT_READ, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
			r.close()
			return nil, fmt.Errorf("mmap of the file: %w", err)
		}
	}
	if m.oneBuf {
		if r.buf, err = stream.Buffer(int(hdr + size)); err != nil {
			r.close()
			return nil, err
		}
	}
	return r, nil
}

func respondWriteSendfile(r *responder) error {
	if err := sys.WriteAll(r.fd, r.hdr); err != nil {
		return err
	}
	return sendfileAll(r.fd, r.file, &r.off, r.size)
}

func respondCork(r *responder) error {
	if err := r.cork(&r.one); err != nil {
		return err
	}
	if err := sys.WriteAll(r.fd, r.hdr); err != nil {
		return err
	}
	if err := sendfileAll(r.fd, r.file, &r.off, r.size); err != nil {
		return err
	}
	return r.cork(&r.zero)
}

func respondMsgMore(r *responder) error {
	for p := r.hdr; len(p) > 0; {
		n, _, e := syscall.RawSyscall6(unix.SYS_SENDTO, uintptr(r.fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_MORE, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return fmt.Errorf("send(MSG_MORE): %w", e)
		}
		p = p[n:]
	}
	return sendfileAll(r.fd, r.file, &r.off, r.size)
}

func respondCopy(r *responder) error {
	copy(r.buf, r.hdr)
	copy(r.buf[len(r.hdr):], r.fileMap)
	return sys.WriteAll(r.fd, r.buf)
}

func (r *responder) cork(v *int32) error {
	_, _, e := syscall.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(r.fd), unix.IPPROTO_TCP, unix.TCP_CORK, uintptr(unsafe.Pointer(v)), 4, 0)
	if e != 0 {
		return fmt.Errorf("TCP_CORK: %w", e)
	}
	return nil
}

// respondWritev sends header and file in one call, going on after a short
// write from where it stopped.
func respondWritev(r *responder) error {
	parts := [2][]byte{r.hdr, r.fileMap}
	done := 0 // bytes of the response sent
	total := len(r.hdr) + len(r.fileMap)
	for done < total {
		iov := r.iov[:0]
		skip := done
		for _, p := range parts {
			if skip >= len(p) {
				skip -= len(p)
				continue
			}
			v := unix.Iovec{Base: &p[skip]}
			v.SetLen(len(p) - skip)
			iov = append(iov, v)
			skip = 0
		}
		n, _, e := syscall.RawSyscall(unix.SYS_WRITEV, uintptr(r.fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return fmt.Errorf("writev: %w", e)
		}
		done += int(n)
	}
	return nil
}

func (r *responder) close() {
	for _, m := range [][]byte{r.page, r.fileMap, r.buf} {
		if m != nil {
			unix.Munmap(m)
		}
	}
}
