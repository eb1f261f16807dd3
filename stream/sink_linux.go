package stream

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"zbench/internal/sys"
	"zbench/peer"
)

// SinkChild is the sink's helper-process body (Spec.Child of every stream
// benchmark): args as SinkArgs encodes them; descriptors 3 (jobs in), 4
// (reports out) and, for pipe and unix, 5 (the stream).
func SinkChild(args []string) error {
	a, err := ParseSinkArgs(args)
	if err != nil {
		(&sink{rep: 4}).fail(err)
		return err
	}
	runtime.LockOSThread()
	if a.CPU >= 0 {
		if err := pinProcess(a.CPU); err != nil {
			return err
		}
	}
	k := &sink{ctl: 3, rep: 4, fd: 5}
	if k.tcp = a.Kind == "tcp"; k.tcp {
		if k.fd, err = k.accept(a); err != nil {
			k.fail(err)
			return err
		}
	}
	// The only buffer, allocated once: a job that does not fit it is
	// refused (decodeJob), never met by allocating more.
	k.buf = make([]byte, a.ReadSize)
	Pattern{}.Fill(k.buf, 0) // fault the pages in before any timing
	for {
		if _, err := sys.ReadFull(k.ctl, k.msg[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil // the sender is done
			}
			return err
		}
		j, err := decodeJob(&k.msg, len(k.buf))
		if err == nil {
			err = k.run(j)
		}
		if err != nil {
			k.fail(err)
			return err
		}
	}
}

// pinProcess pins every thread of the sink's process to cpu, not only the
// reading one. The sink is started from the sender's pinned thread, and a
// process's threads inherit the affinity of the thread that made them: the
// Go runtime's other threads (sysmon, which wakes every few milliseconds
// while the reader sits in a raw system call, and the garbage collector's)
// would otherwise all run on the sender's CPU and take turns with the
// sender there (docs/design.md, measuring rules). A receiver such as
// iperf3's server, pinned with -A, is one thread on its CPU. Threads made
// later inherit the mask of a pinned thread; the list is read again until
// a pass finds no thread left to pin.
func pinProcess(cpu int) error {
	if err := sys.PinThread(cpu); err != nil {
		return err
	}
	var want unix.CPUSet
	want.Set(cpu)
	for {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("pinning the receiver's threads: %w", err)
		}
		changed := false
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			var set unix.CPUSet
			if err := unix.SchedGetaffinity(tid, &set); err != nil {
				continue // the thread has exited
			}
			if set == want {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &want); err != nil && err != unix.ESRCH {
				return fmt.Errorf("pinning the receiver's thread %d to CPU %d: %w", tid, cpu, err)
			}
			changed = true
		}
		if !changed {
			return nil
		}
	}
}

type sink struct {
	ctl, rep, fd int
	tcp          bool
	buf          []byte
	msg          [msgSize]byte
}

// accept listens in the server's namespace, sends the port (the start
// barrier), and takes the one connection, from a.Client only when set.
func (k *sink) accept(a SinkArgs) (int, error) {
	if _, err := peer.Enter(a.Netns); err != nil {
		return -1, err
	}
	ln, port, err := peer.ListenData(false, a.Addr, a.Client, 1)
	if err != nil {
		return -1, err
	}
	defer unix.Close(ln)
	Report{Bytes: int64(port)}.encode(&k.msg, statusHello)
	if err := sys.WriteAll(k.rep, k.msg[:]); err != nil {
		return -1, err
	}
	fd, err := peer.AcceptFrom(ln, a.Client)
	if err != nil {
		return -1, err
	}
	// The sink's only writes are one-byte requests: send each at once.
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func (k *sink) fail(err error) {
	Report{Err: err.Error()}.encode(&k.msg, statusFailed)
	sys.WriteAll(k.rep, k.msg[:])
}

// run reads one phase. The CPU readings bracket exactly the reads: the job
// arrives before the first byte is sent, and blocking costs no CPU.
func (k *sink) run(j Job) error {
	cpu0, err := sys.ThreadCPU()
	if err != nil {
		return err
	}
	var r Report
	if j.Responses > 0 {
		r, err = k.responses(j)
	} else {
		r, err = k.stream(j)
	}
	if err != nil {
		return err
	}
	if k.tcp {
		// Acknowledge the phase's last bytes now, not after the delayed-ACK
		// timer: a zero-copy sender's completions wait for that ACK.
		if err := unix.SetsockoptInt(k.fd, unix.IPPROTO_TCP, unix.TCP_QUICKACK, 1); err != nil {
			return fmt.Errorf("TCP_QUICKACK: %w", err)
		}
	}
	cpu1, err := sys.ThreadCPU()
	if err != nil {
		return err
	}
	r.CPU = cpu1 - cpu0
	r.encode(&k.msg, statusOK)
	return sys.WriteAll(k.rep, k.msg[:])
}

func (k *sink) stream(j Job) (Report, error) {
	var r Report
	off, end := j.Offset, j.Offset+j.Bytes
	for off < end {
		p := k.buf[:min(int64(len(k.buf)), end-off)]
		n, _, e := syscall.RawSyscall(unix.SYS_READ, uintptr(k.fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return r, fmt.Errorf("read at stream byte %d: %w", off, e)
		}
		if n == 0 {
			return r, fmt.Errorf("the stream ended at byte %d of %d", off, end)
		}
		if j.Verify {
			got := p[:n]
			if bad := j.Pattern.Check(got, off); bad >= 0 {
				return r, j.Pattern.Mismatch(got, off, bad)
			}
			r.CRC = updateCRC(r.CRC, got)
		}
		off += int64(n)
	}
	r.Bytes = j.Bytes
	return r, nil
}

func (k *sink) responses(j Job) (Report, error) {
	var r Report
	size := j.Header + j.File // decodeJob saw it fit k.buf
	resp := k.buf[:size]
	var req [1]byte
	for i := range j.Responses {
		seq := j.FirstSeq + i
		req[0] = byte(seq)
		if err := sys.WriteAll(k.fd, req[:]); err != nil {
			return r, fmt.Errorf("request %d: %w", seq, err)
		}
		if _, err := sys.ReadFull(k.fd, resp); err != nil {
			return r, fmt.Errorf("response %d: %w", seq, err)
		}
		if j.Verify {
			if err := checkResponse(resp, j.Header, seq, j.Pattern); err != nil {
				return r, err
			}
			r.CRC = updateCRC(r.CRC, resp)
		}
		r.Bytes += size
	}
	return r, nil
}
