package sys

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Setup/enter ABI constants from include/uapi/linux/io_uring.h (not defined
// by golang.org/x/sys/unix v0.49.0).
const (
	ioringOffSQRing = 0x0
	ioringOffCQRing = 0x8000000
	ioringOffSQEs   = 0x10000000

	ioringFeatSingleMmap = 1 << 0 // IORING_FEAT_SINGLE_MMAP (Linux 5.4)
	ioringFeatExtArg     = 1 << 8 // IORING_FEAT_EXT_ARG (Linux 5.11)

	ioringEnterGetEvents = 1 << 0 // IORING_ENTER_GETEVENTS
	ioringEnterExtArg    = 1 << 3 // IORING_ENTER_EXT_ARG: argp is a struct io_uring_getevents_arg

	ioringDisabledPath = "/proc/sys/kernel/io_uring_disabled"
)

// ioUringParams is struct io_uring_params (120 bytes).
type ioUringParams struct {
	sqEntries    uint32
	cqEntries    uint32
	flags        uint32
	sqThreadCPU  uint32
	sqThreadIdle uint32
	features     uint32
	wqFd         uint32
	resv         [3]uint32
	sqOff        sqringOffsets
	cqOff        cqringOffsets
}

// sqringOffsets is struct io_sqring_offsets.
type sqringOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

// cqringOffsets is struct io_cqring_offsets.
type cqringOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// getEventsArg is struct io_uring_getevents_arg (24 bytes): with
// IORING_ENTER_EXT_ARG, io_uring_enter's argp points at one, and its ts at
// a struct __kernel_timespec that bounds the wait for completions.
type getEventsArg struct {
	sigmask     uint64 // no signal mask: 0
	sigmaskSz   uint32
	minWaitUsec uint32 // 0: no minimum wait (the field was padding before Linux 6.12)
	ts          uint64 // address of a kernelTimespec
}

// kernelTimespec is struct __kernel_timespec.
type kernelTimespec struct{ sec, nsec int64 }

var (
	_ [120 - unsafe.Sizeof(ioUringParams{})]byte
	_ [unsafe.Sizeof(ioUringParams{}) - 120]byte
	_ [24 - unsafe.Sizeof(getEventsArg{})]byte
	_ [unsafe.Sizeof(getEventsArg{}) - 24]byte
)

// ErrWaitTimeout is wrapped by the error of a bounded wait (SubmitWait)
// that saw fewer completions than it waited for before its timeout.
var ErrWaitTimeout = errors.New("io_uring: no completion within the timeout")

// Ring is a minimal io_uring instance: one submission queue and one
// completion queue, set up with no flags (no SQPOLL, no CQE32/SQE128).
//
// A Ring is not safe for concurrent use. Use it from one goroutine, and
// preferably with that goroutine locked to its OS thread
// (runtime.LockOSThread): io_uring completes deferred work as task work of
// the thread that submitted, and a measuring loop should not hop threads.
//
// Memory ordering. The rings are shared with the kernel, which runs on other
// CPUs. The protocol (see io_uring(7)) is: userspace fills SQEs with plain
// stores, then publishes them with a release store of the SQ tail; it reads
// the CQ tail with an acquire load before reading the CQEs below it, and
// returns consumed CQEs with a release store of the CQ head. The kernel's SQ
// head is likewise read with an acquire load before an SQE slot is reused.
// Go's sync/atomic operations are sequentially consistent, which is at least
// as strong, so those four accesses are atomic.LoadUint32/StoreUint32 on
// pointers into the mapping. Our own copies of the SQ tail and CQ head
// (sqeTail, cqHead) are only ever written by us, so they are kept in the Ring
// and read plainly.
type Ring struct {
	fd int

	// Mappings, kept for munmap. cqMem aliases sqMem with
	// IORING_FEAT_SINGLE_MMAP.
	sqMem, cqMem, sqeMem []byte
	singleMmap           bool

	// Submission queue.
	sqHead    *uint32 // kernel-written: SQEs consumed
	sqTail    *uint32 // user-written: SQEs published
	sqMask    uint32
	sqEntries uint32
	sqes      []SQE  // the SQE array, indexed by tail&mask
	sqeTail   uint32 // next SQE GetSQE hands out; published by Submit

	// Completion queue.
	cqHeadPtr *uint32 // user-written: CQEs consumed
	cqTail    *uint32 // kernel-written: CQEs posted
	cqMask    uint32
	cqes      []CQE
	cqHead    uint32 // our copy of *cqHeadPtr

	// The bounded wait (SubmitWait). extArg says whether the kernel takes
	// a timeout in io_uring_enter (IORING_FEAT_EXT_ARG); without it the
	// wait polls the ring's descriptor. waitArg and waitTS are handed to
	// the kernel by address; waitArg holds waitTS's address as an integer,
	// so waitTS comes from HeapNew (see heap.go), and this pointer keeps it
	// alive as long as the Ring.
	extArg   bool
	waitArg  getEventsArg
	waitTS   *kernelTimespec
	waitPoll unix.PollFd
}

// NewRing sets up an io_uring with at least entries submission-queue entries
// (the kernel rounds up to a power of two; the CQ gets twice as many).
//
// If the host cannot create rings at all, the error wraps ErrNotSupported:
// ENOSYS (kernel built without io_uring), or EPERM with the reason read from
// /proc/sys/kernel/io_uring_disabled (or a seccomp/LSM denial).
func NewRing(entries uint32) (*Ring, error) {
	if entries == 0 {
		return nil, fmt.Errorf("io_uring: NewRing(0): need at least one entry")
	}
	var p ioUringParams
	// Setup is not on a hot path and may block (allocation, mlock
	// accounting), so it goes through the scheduler-aware unix.Syscall.
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, setupError(entries, errno)
	}
	r := &Ring{fd: int(fd), extArg: p.features&ioringFeatExtArg != 0}
	if err := r.mapRings(&p); err != nil {
		r.Close()
		return nil, err
	}
	ts := HeapNew[kernelTimespec]()
	r.waitTS = ts
	r.waitArg.ts = uint64(uintptr(unsafe.Pointer(ts)))
	return r, nil
}

func (r *Ring) mapRings(p *ioUringParams) error {
	const prot = unix.PROT_READ | unix.PROT_WRITE
	// MAP_POPULATE pre-faults the pages so the first timed operations do not
	// pay for page faults on the rings.
	const flags = unix.MAP_SHARED | unix.MAP_POPULATE

	sqSize := int(p.sqOff.array) + int(p.sqEntries)*4
	cqSize := int(p.cqOff.cqes) + int(p.cqEntries)*int(unsafe.Sizeof(CQE{}))
	r.singleMmap = p.features&ioringFeatSingleMmap != 0
	if r.singleMmap {
		// One mapping at IORING_OFF_SQ_RING holds both rings.
		sqSize = max(sqSize, cqSize)
	}
	var err error
	if r.sqMem, err = unix.Mmap(r.fd, ioringOffSQRing, sqSize, prot, flags); err != nil {
		return fmt.Errorf("io_uring: mmap SQ ring (%d bytes): %w", sqSize, err)
	}
	if r.singleMmap {
		r.cqMem = r.sqMem
	} else if r.cqMem, err = unix.Mmap(r.fd, ioringOffCQRing, cqSize, prot, flags); err != nil {
		return fmt.Errorf("io_uring: mmap CQ ring (%d bytes): %w", cqSize, err)
	}
	sqeSize := int(p.sqEntries) * int(unsafe.Sizeof(SQE{}))
	if r.sqeMem, err = unix.Mmap(r.fd, ioringOffSQEs, sqeSize, prot, flags); err != nil {
		return fmt.Errorf("io_uring: mmap SQE array (%d bytes): %w", sqeSize, err)
	}

	sq, cq := unsafe.Pointer(&r.sqMem[0]), unsafe.Pointer(&r.cqMem[0])
	r.sqHead = (*uint32)(unsafe.Add(sq, p.sqOff.head))
	r.sqTail = (*uint32)(unsafe.Add(sq, p.sqOff.tail))
	r.sqMask = *(*uint32)(unsafe.Add(sq, p.sqOff.ringMask))
	r.sqEntries = *(*uint32)(unsafe.Add(sq, p.sqOff.ringEntries))
	r.sqes = unsafe.Slice((*SQE)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	r.sqeTail = atomic.LoadUint32(r.sqTail)

	// The SQ ring does not hold SQEs but indices into the SQE array, so
	// that an application may fill SQEs out of order. GetSQE always hands
	// out slot tail&mask, so the index for ring position i is always i:
	// writing the identity once here means submitting is only the tail
	// store, with no per-SQE array write in the timed path. The kernel only
	// reads this array.
	array := unsafe.Slice((*uint32)(unsafe.Add(sq, p.sqOff.array)), p.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}

	r.cqHeadPtr = (*uint32)(unsafe.Add(cq, p.cqOff.head))
	r.cqTail = (*uint32)(unsafe.Add(cq, p.cqOff.tail))
	r.cqMask = *(*uint32)(unsafe.Add(cq, p.cqOff.ringMask))
	r.cqes = unsafe.Slice((*CQE)(unsafe.Add(cq, p.cqOff.cqes)), p.cqEntries)
	r.cqHead = atomic.LoadUint32(r.cqHeadPtr)
	return nil
}

// setupError turns an io_uring_setup errno into an error, wrapping
// ErrNotSupported when the host cannot create rings at all.
func setupError(entries uint32, errno unix.Errno) error {
	switch errno {
	case unix.ENOSYS:
		return fmt.Errorf("%w: kernel has no io_uring (io_uring_setup: ENOSYS)", ErrNotSupported)
	case unix.EPERM:
		b, err := os.ReadFile(ioringDisabledPath)
		v := strings.TrimSpace(string(b))
		switch {
		case err == nil && v == "1":
			// 1 allows only members of kernel.io_uring_group (and
			// CAP_SYS_ADMIN); EPERM says we are neither.
			return fmt.Errorf("%w: io_uring is disabled: %s=1 (this process is not in kernel.io_uring_group)", ErrNotSupported, ioringDisabledPath)
		case err == nil && v != "0":
			return fmt.Errorf("%w: io_uring is disabled: %s=%s", ErrNotSupported, ioringDisabledPath, v)
		case err == nil:
			return fmt.Errorf("%w: io_uring_setup denied (EPERM) although %s=0: blocked by a seccomp filter or LSM policy", ErrNotSupported, ioringDisabledPath)
		default:
			return fmt.Errorf("%w: io_uring_setup denied (EPERM): blocked by a seccomp filter or LSM policy", ErrNotSupported)
		}
	}
	return fmt.Errorf("io_uring_setup(%d entries): %w", entries, errno)
}

// Close unmaps the rings and closes the ring fd. It is idempotent. Using the
// Ring after Close panics (its queue pointers are cleared).
func (r *Ring) Close() error {
	if r == nil || r.fd < 0 {
		return nil
	}
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	if r.sqeMem != nil {
		keep(unix.Munmap(r.sqeMem))
	}
	if r.cqMem != nil && !r.singleMmap {
		keep(unix.Munmap(r.cqMem))
	}
	if r.sqMem != nil {
		keep(unix.Munmap(r.sqMem))
	}
	keep(unix.Close(r.fd))
	*r = Ring{fd: -1}
	if first != nil {
		return fmt.Errorf("io_uring: close: %w", first)
	}
	return nil
}

// Fd returns the ring's file descriptor (for io_uring_register).
func (r *Ring) Fd() int { return r.fd }

// Entries returns the number of SQ entries (a power of two, at least what
// NewRing was asked for).
func (r *Ring) Entries() uint32 { return r.sqEntries }

// GetSQE returns the next free SQE, zeroed, or nil if the SQ is full (every
// slot handed out and not yet consumed by the kernel). The SQE becomes
// visible to the kernel at the next Submit.
func (r *Ring) GetSQE() *SQE {
	// Acquire-load the kernel's head: a slot is free only once the kernel
	// has finished reading the SQE that was in it.
	if r.sqeTail-atomic.LoadUint32(r.sqHead) >= r.sqEntries {
		return nil
	}
	sqe := &r.sqes[r.sqeTail&r.sqMask]
	r.sqeTail++
	*sqe = SQE{}
	return sqe
}

// Submit publishes every SQE obtained from GetSQE since the last Submit and
// calls io_uring_enter(fd, toSubmit, minComplete, flags), with
// IORING_ENTER_GETEVENTS when minComplete > 0 so that it waits for at least
// minComplete completions. It returns the number of SQEs the kernel consumed.
// EINTR is retried. Submit does not allocate unless it fails.
//
// The kernel may return before minComplete CQEs are ready (e.g. if a wait is
// interrupted after a successful submission); check CQReady.
func (r *Ring) Submit(toSubmit, minComplete uint32) (int, error) {
	// Release-store the tail: the SQE contents written with plain stores
	// must be visible to the kernel before the tail that covers them.
	atomic.StoreUint32(r.sqTail, r.sqeTail)
	return r.enter(toSubmit, minComplete)
}

func (r *Ring) enter(toSubmit, minComplete uint32) (int, error) {
	var flags uintptr
	if minComplete > 0 {
		flags = ioringEnterGetEvents
	}
	for {
		// RawSyscall6, not Syscall6: Syscall6 wraps the call in the
		// runtime's entersyscall/exitsyscall, which marks the P as
		// releasable, may let sysmon hand it to another thread, and on
		// return may have to reacquire a P (possibly rescheduling this
		// goroutine). That bookkeeping is tens of nanoseconds and its
		// variance lands inside the timed batch. The price of
		// RawSyscall6 is that a long blocking wait here keeps its P busy,
		// which is what a measuring thread wants anyway.
		n, _, errno := unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd),
			uintptr(toSubmit), uintptr(minComplete), flags, 0, 0)
		if errno == 0 {
			return int(n), nil
		}
		if errno == unix.EINTR {
			// Nothing was submitted (a submission is reported even if
			// the wait after it is interrupted), so retrying is safe.
			continue
		}
		return 0, fmt.Errorf("io_uring_enter(submit=%d, min_complete=%d): %w", toSubmit, minComplete, errno)
	}
}

// SubmitWait is Submit with a bounded wait: it publishes every SQE obtained
// from GetSQE since the last Submit, submits toSubmit of them, and waits
// until at least minComplete CQEs are ready (posted and not consumed), but
// no longer than about timeout. If they are not there by then, the error
// wraps ErrWaitTimeout: a completion that never comes is an error, never a
// hang. It returns the number of SQEs the kernel consumed, also with the
// timeout's error.
//
// Where the kernel takes a timeout in io_uring_enter (IORING_FEAT_EXT_ARG,
// Linux 5.11), submitting and waiting are one system call, as with Submit;
// elsewhere the wait is a ppoll of the ring's descriptor. A wait cut short
// by a signal, or by a timeout the kernel does not report because it also
// submitted, goes on against a deadline taken then, so the whole wait is
// bounded by twice timeout at most. SubmitWait does not allocate unless it
// fails.
func (r *Ring) SubmitWait(toSubmit, minComplete uint32, timeout time.Duration) (int, error) {
	atomic.StoreUint32(r.sqTail, r.sqeTail)
	if minComplete == 0 {
		return r.enter(toSubmit, 0)
	}
	if timeout <= 0 {
		return 0, fmt.Errorf("io_uring: SubmitWait with timeout %v", timeout)
	}
	submitted := 0
	wait := timeout
	var deadline time.Time
	for {
		var err error
		if r.extArg {
			err = r.enterTimeout(&toSubmit, &submitted, minComplete, wait)
		} else {
			err = r.pollTimeout(&toSubmit, &submitted, wait)
		}
		if err != nil {
			return submitted, err
		}
		if r.CQReady() >= minComplete {
			return submitted, nil
		}
		// Short: a signal, or a timeout after a submission.
		if deadline.IsZero() {
			deadline = time.Now().Add(timeout)
		}
		if wait = time.Until(deadline); wait <= 0 {
			return submitted, r.timeoutError(minComplete, timeout)
		}
	}
}

func (r *Ring) timeoutError(minComplete uint32, timeout time.Duration) error {
	return fmt.Errorf("%w: %d of %d CQEs ready after %v", ErrWaitTimeout, r.CQReady(), minComplete, timeout)
}

// enterTimeout is one io_uring_enter that submits *toSubmit SQEs and waits
// for minComplete CQEs for at most wait (IORING_ENTER_EXT_ARG). It counts
// what the kernel consumed into *submitted. A wait that ends with ETIME is
// the timeout's error; EINTR is no error (the caller checks the CQ and
// waits on).
func (r *Ring) enterTimeout(toSubmit *uint32, submitted *int, minComplete uint32, wait time.Duration) error {
	*r.waitTS = kernelTimespec{sec: int64(wait / time.Second), nsec: int64(wait % time.Second)}
	// RawSyscall6 as in enter: the wait keeps its P, which a measuring
	// thread wants; it lasts at most wait.
	n, _, errno := unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(*toSubmit), uintptr(minComplete),
		ioringEnterGetEvents|ioringEnterExtArg, uintptr(unsafe.Pointer(&r.waitArg)), unsafe.Sizeof(r.waitArg))
	switch errno {
	case 0:
		*submitted += int(n)
		*toSubmit -= min(*toSubmit, uint32(n))
		return nil
	case unix.EINTR:
		// Nothing was submitted: a submission is reported even if the
		// wait after it is interrupted.
		return nil
	case unix.ETIME:
		if r.CQReady() >= minComplete {
			return nil
		}
		return r.timeoutError(minComplete, wait)
	}
	return fmt.Errorf("io_uring_enter(submit=%d, min_complete=%d, timeout %v): %w", *toSubmit, minComplete, wait, errno)
}

// pollTimeout submits without waiting, then, while no CQE is ready, waits
// for the ring's descriptor to become readable (a CQE posted) for at most
// wait: the bounded wait of kernels without IORING_FEAT_EXT_ARG. The
// descriptor stays readable while any CQE is ready, so a wait for more than
// one completion polls the CQ until they are there or the deadline passes.
func (r *Ring) pollTimeout(toSubmit *uint32, submitted *int, wait time.Duration) error {
	n, err := r.enter(*toSubmit, 0)
	if err != nil {
		return err
	}
	*submitted += n
	*toSubmit -= min(*toSubmit, uint32(n))
	if r.CQReady() > 0 {
		return nil
	}
	*r.waitTS = kernelTimespec{sec: int64(wait / time.Second), nsec: int64(wait % time.Second)}
	r.waitPoll = unix.PollFd{Fd: int32(r.fd), Events: unix.POLLIN}
	k, _, e := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&r.waitPoll)), 1, uintptr(unsafe.Pointer(r.waitTS)), 0, 0, 0)
	switch {
	case e == unix.EINTR:
		return nil
	case e != 0:
		return fmt.Errorf("ppoll of the io_uring descriptor: %w", e)
	case k == 0 && r.CQReady() == 0:
		return r.timeoutError(1, wait)
	}
	return nil
}

// CQReady returns the number of CQEs posted and not yet consumed.
func (r *Ring) CQReady() uint32 {
	return atomic.LoadUint32(r.cqTail) - r.cqHead
}

// PeekCQE returns the CQE at the head of the CQ, by value, without consuming
// it; ok is false if the CQ is empty. Consume it with SeenCQE.
func (r *Ring) PeekCQE() (cqe CQE, ok bool) {
	// Acquire-load the tail before reading the CQE it covers.
	if atomic.LoadUint32(r.cqTail) == r.cqHead {
		return CQE{}, false
	}
	return r.cqes[r.cqHead&r.cqMask], true
}

// SeenCQE consumes the CQE at the head of the CQ (the one PeekCQE returned).
func (r *Ring) SeenCQE() { r.AdvanceCQ(1) }

// AdvanceCQ consumes n CQEs from the head of the CQ. n must not exceed
// CQReady().
func (r *Ring) AdvanceCQ(n uint32) {
	r.cqHead += n
	// Release-store the head: our reads of the consumed CQEs must complete
	// before the kernel may overwrite those slots.
	atomic.StoreUint32(r.cqHeadPtr, r.cqHead)
}

// NopBatch is the timed unit of lat/syscall/batch: it prepares n
// IORING_OP_NOPs, submits and reaps them with ONE io_uring_enter
// (to_submit=n, min_complete=n, GETEVENTS), checks that exactly n CQEs are
// ready and none failed, and consumes them. n must be in 1..Entries(), and
// the ring must have no SQEs or CQEs outstanding. It does not allocate on
// success.
func (r *Ring) NopBatch(n uint32) error {
	if n == 0 || n > r.sqEntries {
		return fmt.Errorf("io_uring: NopBatch(%d): batch must be 1..%d", n, r.sqEntries)
	}
	head := atomic.LoadUint32(r.sqHead)
	if r.sqeTail != head {
		return fmt.Errorf("io_uring: NopBatch: %d SQEs already pending", r.sqeTail-head)
	}
	if ready := r.CQReady(); ready != 0 {
		return fmt.Errorf("io_uring: NopBatch: %d unreaped CQEs before the batch", ready)
	}
	// Fill the n slots directly (the SQ is empty, so all are free): one
	// 64-byte store per NOP, no per-SQE head reload as in GetSQE.
	tail := r.sqeTail
	for i := uint32(0); i < n; i++ {
		r.sqes[(tail+i)&r.sqMask] = SQE{Opcode: OpNop, UserData: uint64(i)}
	}
	r.sqeTail = tail + n
	atomic.StoreUint32(r.sqTail, r.sqeTail)

	got, err := r.enter(n, n)
	if err != nil {
		return err
	}
	if uint32(got) != n {
		return fmt.Errorf("io_uring: NopBatch: kernel consumed %d of %d SQEs", got, n)
	}
	ready := r.CQReady()
	if ready != n {
		r.AdvanceCQ(ready)
		return fmt.Errorf("io_uring: NopBatch: %d CQEs ready after submitting %d", ready, n)
	}
	var bad int32
	for i := uint32(0); i < n; i++ {
		if res := r.cqes[(r.cqHead+i)&r.cqMask].Res; res < 0 {
			bad = res
		}
	}
	r.AdvanceCQ(n)
	if bad < 0 {
		return fmt.Errorf("io_uring: NopBatch: NOP failed: %w", unix.Errno(-bad))
	}
	return nil
}

// ProbeIOUring returns nil if this process can create an io_uring (it
// creates a 2-entry ring and closes it), else NewRing's error, which wraps
// ErrNotSupported when io_uring is unavailable on this host.
func ProbeIOUring() error {
	r, err := NewRing(2)
	if err != nil {
		return err
	}
	return r.Close()
}
