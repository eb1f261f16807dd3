package sys

import (
	"fmt"
	"io"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Single-threaded children (see docs/design.md, "Measuring rules").
//
// A Go process always has several threads, and the kernel charges a
// multi-threaded process more for each context switch into it than a
// single-threaded one: measured with a C ping-pong over pipes, each end
// that has one idle extra thread (and a descriptor table of its own) adds
// 1.5–3 % to the round trip. The far end of a round trip (an echo) and the
// helpers of a context-switch ring only pass bytes on, so they do it in a
// process of one thread, as a C peer does: Solo forks a copy of the calling
// thread alone, which runs a loop of raw system calls and nothing of the Go
// runtime, while the Go process waits for it. EchoStream and EchoDatagrams
// are the round trips' loops.
//
// The child keeps only the descriptors it works on, and runs only nosplit,
// norace code that never allocates, never grows its stack and never enters
// the scheduler: a forked copy of one thread of a Go process has no other
// threads to hand work to. Its signals stay blocked (it is ended by EOF, by
// SIGKILL, or by its parent's death).

// soloArgs is what an echo child reads: plain words in heap memory, set
// before the fork (see HeapNew).
type soloArgs struct {
	rfd, wfd uintptr
	buf      *byte // heap memory (HeapBytes), size bytes
	size     uintptr
	datagram bool
	filter   bool    // datagrams: echo only those from addr
	addr     [4]byte // IPv4, network order
	from     *unix.RawSockaddrInet4
	fromLen  *uint32
}

// soloJob is what the forked child runs: body(arg), with rfd and wfd the
// only descriptors it keeps. Plain words in heap memory, set before the
// fork.
type soloJob struct {
	rfd, wfd  uintptr
	parentPID uintptr
	body      func(arg unsafe.Pointer) uintptr
	arg       unsafe.Pointer
}

// Exit statuses of a Solo body, one convention for every child: 0 when
// its input ended where it should (success); SoloShort when a message was
// cut short; below SoloWriteBase a read failed with that errno; from it a
// write failed with errno status-SoloWriteBase (errnos of 127 and more
// read as 127). SoloError reads them back.
const (
	soloEOF       = 0
	SoloWriteBase = 128
	SoloShort     = 255
)

// SoloCode is the exit status for a failed read (base 0) or write (base
// SoloWriteBase) with errno e.
//
//go:nosplit
//go:norace
func SoloCode(base uintptr, e syscall.Errno) uintptr {
	return base + min(uintptr(e), SoloWriteBase-1)
}

// EchoStream echoes size-byte messages (len(buf) bytes each) from rfd back
// to wfd in a single-threaded child until rfd reaches EOF, which is
// success. The calling goroutine must be locked to its thread: the child
// inherits that thread's CPU affinity, namespaces and descriptor table.
func EchoStream(rfd, wfd, size int) error {
	a := HeapNew[soloArgs]()
	a.rfd, a.wfd = uintptr(rfd), uintptr(wfd)
	return runEcho(a, size)
}

// EchoDatagrams echoes each datagram received on fd to its sender, in a
// single-threaded child, until the descriptor fails; with from valid, only
// datagrams from that IPv4 address are echoed (the others are dropped).
// The echo never ends by itself: the caller's process is killed to stop
// it, and the child dies with it.
func EchoDatagrams(fd, size int, from [4]byte, filter bool) error {
	a := HeapNew[soloArgs]()
	a.rfd, a.wfd = uintptr(fd), uintptr(fd)
	a.datagram, a.filter, a.addr = true, filter, from
	// A RawSockaddrAny's room, for recvfrom to fill.
	a.from = (*unix.RawSockaddrInet4)(unsafe.Pointer(HeapNew[unix.RawSockaddrAny]()))
	a.fromLen = HeapNew[uint32]()
	return runEcho(a, size)
}

func runEcho(a *soloArgs, size int) error {
	if size <= 0 {
		return fmt.Errorf("echo: message size %d", size)
	}
	// The kernel writes into the buffer: heap memory, reachable from a
	// until the child is gone.
	hb := HeapBytes(size)
	a.buf, a.size = &hb[0], uintptr(size)
	body := soloStream
	if a.datagram {
		body = soloDatagrams
	}
	ws, err := Solo(int(a.rfd), int(a.wfd), body, unsafe.Pointer(a))
	runtime.KeepAlive(a)
	if err == nil {
		err = SoloError(ws)
	}
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	return nil
}

// Solo runs body(arg) in a forked copy of the calling thread alone, a
// process of one thread, and returns its wait status once it has ended;
// body's result is the child's exit status. The child keeps only the
// descriptors rfd and wfd (the same one twice is fine), has every signal
// blocked, and dies with the calling thread. It inherits that thread's CPU
// affinity, namespaces and memory (a copy).
//
// body must be a //go:nosplit and //go:norace function that allocates
// nothing, takes no lock and calls only such functions (raw system calls, the assembly
// readers of this package): nothing of the Go runtime works in the child,
// and a stack check there may find a preemption request the parent's
// runtime left in the copied goroutine. arg must point to heap memory.
func Solo(rfd, wfd int, body func(arg unsafe.Pointer) uintptr, arg unsafe.Pointer) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	j := HeapNew[soloJob]()
	j.rfd, j.wfd, j.body, j.arg = uintptr(rfd), uintptr(wfd), body, arg
	j.parentPID = uintptr(unix.Getpid())

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// Block every signal on this thread across the fork, so that the child
	// starts with them blocked and no Go signal handler ever runs in it.
	all := HeapNew[[2]uint32]()
	all[0], all[1] = ^uint32(0), ^uint32(0)
	old := HeapNew[[2]uint32]()
	if _, _, e := syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(all)), uintptr(unsafe.Pointer(old)), 8, 0, 0); e != 0 {
		return ws, fmt.Errorf("rt_sigprocmask: %w", e)
	}
	pid, e := soloFork(j)
	syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(old)), 0, 8, 0, 0)
	runtime.KeepAlive(all)
	runtime.KeepAlive(old)
	if e != 0 {
		return ws, fmt.Errorf("fork: %w", e)
	}
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return ws, fmt.Errorf("wait: %w", err)
		}
		break
	}
	runtime.KeepAlive(j)
	return ws, nil
}

// SoloError turns a Solo child's wait status into its result: nil for
// exit 0, else what failed, by the exit statuses above.
func SoloError(ws unix.WaitStatus) error {
	switch {
	case ws.Signaled():
		return fmt.Errorf("child killed by %v", ws.Signal())
	case !ws.Exited():
		return fmt.Errorf("child ended with status %#x", uint32(ws))
	}
	return SoloCodeError(uintptr(ws.ExitStatus()))
}

// SoloCodeError reads one of the statuses above back as an error (nil for
// 0): for a child's exit status, or for a Solo body called in this process.
func SoloCodeError(code uintptr) error {
	switch {
	case code == soloEOF:
		return nil
	case code == SoloShort:
		return fmt.Errorf("a message cut short: %w", io.ErrUnexpectedEOF)
	case code >= SoloWriteBase:
		return fmt.Errorf("write: %w", syscall.Errno(code-SoloWriteBase))
	}
	return fmt.Errorf("read: %w", syscall.Errno(code))
}

// soloFork forks the calling thread alone. In the parent it returns the
// child's PID; the child never returns.
//
//go:nosplit
//go:norace
func soloFork(j *soloJob) (int, syscall.Errno) {
	pid, _, e := syscall.RawSyscall6(unix.SYS_CLONE, uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	if pid != 0 {
		return int(pid), 0
	}
	// The child: die with the parent, and not before it if it is gone.
	syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0, 0)
	if ppid, _, _ := syscall.RawSyscall6(unix.SYS_GETPPID, 0, 0, 0, 0, 0, 0); ppid != j.parentPID {
		soloExit(0)
	}
	soloCloseOthers(j.rfd, j.wfd)
	soloExit(j.body(j.arg))
	return 0, 0
}

// soloCloseOthers closes every descriptor the child copied but the two it
// echoes on, so that it holds no other end open: a client's close is EOF
// to the child, whatever else the forking process had open. (Kernels
// before 5.9 lack close_range; there the copies stay open.)
//
//go:nosplit
//go:norace
func soloCloseOthers(x, y uintptr) {
	lo, hi := min(x, y), max(x, y)
	if lo > 0 {
		syscall.RawSyscall6(unix.SYS_CLOSE_RANGE, 0, lo-1, 0, 0, 0, 0)
	}
	if hi > lo+1 {
		syscall.RawSyscall6(unix.SYS_CLOSE_RANGE, lo+1, hi-1, 0, 0, 0, 0)
	}
	syscall.RawSyscall6(unix.SYS_CLOSE_RANGE, hi+1, ^uintptr(0)>>32, 0, 0, 0, 0)
}

//go:nosplit
//go:norace
func soloExit(code uintptr) {
	for {
		syscall.RawSyscall6(unix.SYS_EXIT_GROUP, code, 0, 0, 0, 0, 0)
	}
}

// soloStream is echoStream's loop: read a whole message, write it back.
//
//go:nosplit
//go:norace
func soloStream(arg unsafe.Pointer) uintptr {
	a := (*soloArgs)(arg)
	for {
		got := uintptr(0)
		for got < a.size {
			n, _, e := syscall.RawSyscall6(unix.SYS_READ, a.rfd, uintptr(unsafe.Add(unsafe.Pointer(a.buf), got)), a.size-got, 0, 0, 0)
			if e == syscall.EINTR {
				continue
			}
			if e != 0 {
				return SoloCode(0, e)
			}
			if n == 0 {
				if got > 0 {
					return SoloShort
				}
				return soloEOF // the client went away
			}
			got += n
		}
		for put := uintptr(0); put < a.size; {
			n, _, e := syscall.RawSyscall6(unix.SYS_WRITE, a.wfd, uintptr(unsafe.Add(unsafe.Pointer(a.buf), put)), a.size-put, 0, 0, 0)
			if e == syscall.EINTR {
				continue
			}
			if e != 0 {
				return SoloCode(SoloWriteBase, e)
			}
			put += n
		}
	}
}

// soloDatagrams is the datagram echo: each datagram back to its sender,
// those from other addresses dropped when a filter is set.
//
//go:nosplit
//go:norace
func soloDatagrams(arg unsafe.Pointer) uintptr {
	a := (*soloArgs)(arg)
	for {
		*a.fromLen = unix.SizeofSockaddrAny
		n, _, e := syscall.RawSyscall6(unix.SYS_RECVFROM, a.rfd, uintptr(unsafe.Pointer(a.buf)), a.size, 0,
			uintptr(unsafe.Pointer(a.from)), uintptr(unsafe.Pointer(a.fromLen)))
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return SoloCode(0, e)
		}
		if a.filter && (a.from.Family != unix.AF_INET || a.from.Addr != a.addr) {
			continue
		}
		syscall.RawSyscall6(unix.SYS_SENDTO, a.wfd, uintptr(unsafe.Pointer(a.buf)), n, 0,
			uintptr(unsafe.Pointer(a.from)), uintptr(*a.fromLen))
	}
}
