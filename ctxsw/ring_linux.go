package ctxsw

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/sys"
)

// warmHops is how many hops (whole laps, at least one) the token makes
// before the timer starts: fresh helpers fault in their code and stacks on
// their first hops, and the sleeping and waking paths of every member
// settle.
const warmHops = 200

// minOverheadIters bounds the overhead loop from below, so that even the
// runner's first small calibration runs measure it over a millisecond or
// more.
const minOverheadIters = 1000

// overheadSlices is how many slices the timed laps are cut into, each
// preceded by its share of the overhead loop. Each slice boundary costs one
// wake-up of a member that sat idle through an overhead slice (tens of
// microseconds across CPUs here, against a sample of ~100 ms), so a few.
const overheadSlices = 8

// sink keeps the working-set sums alive, so that the compiler cannot drop
// the loads that are the point of the working set.
var sink atomic.Uint64

// runRing measures one ring: members started, placed and ready behind a
// barrier; warm-up laps; then the timed laps, in slices that alternate with
// slices of the overhead loop (a hop's work without a switch, timed with its
// own clock reads in the measuring thread). Nothing but the laps is on the
// benchmark's timer, and the subtraction is perSwitch's.
func runRing(b *bench.B, r ring) (err error) {
	// The worker has locked this goroutine already; locking again keeps
	// direct callers (tests) correct too, since affinity is per thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	allowed := b.AllowedCPUs()
	if allowed == nil {
		if allowed, err = sys.AllowedCPUs(); err != nil {
			return err
		}
	}
	self := b.CPU()
	if r.cpu != cpuFree && self < 0 {
		// Not placed by a worker (a direct call): pin as the runner would,
		// to the last allowed CPU, and give the thread its mask back after.
		if len(allowed) == 0 {
			return errors.New("no CPU in this thread's affinity mask")
		}
		self = allowed[len(allowed)-1]
		restore, err := pinSelf(self)
		if err != nil {
			return err
		}
		defer restore()
	}
	at, err := sys.Place(r.cpu, r.procs, self, allowed)
	if err != nil {
		return err
	}

	m, err := startMembers(r, at, allowed)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, m.stop()) }()
	ov, err := newOverhead()
	if err != nil {
		return err
	}
	defer ov.close()
	if r.kind == kindThread {
		// Threads share one descriptor table: that is part of what a
		// switch between threads is, and the overhead pays it too.
		return timeRing(b, r, m, ov)
	}
	// Between processes every member, as in lat_ctx, has a descriptor table
	// to itself: the helpers unshare theirs, and member 0 runs on a thread
	// with a private one (sys.OnPrivateThread says what that saves).
	return sys.OnPrivateThread(at[0], func() error { return timeRing(b, r, m, ov) })
}

// timeRing is member 0's part of a ring: warm-up laps, then the timed laps
// in slices alternating with slices of the overhead loop, measured again
// from the start if the overhead swallowed the switch (sample says when).
func timeRing(b *bench.B, r ring, m *members, ov *overhead) error {
	tok := newToken()
	ws := newWorkingSet(r.ws)

	// Warm up both loops: the overhead loop, then the token's laps.
	if err := ov.run(minOverheadIters/10, tok, ws); err != nil {
		return err
	}
	if _, err := laps((warmHops+r.procs-1)/r.procs, m.out, m.in, tok, ws); err != nil {
		return fmt.Errorf("warm-up lap: %w", err)
	}

	// The timed laps go in slices, each preceded by an overhead slice of as
	// many hops (with its own clock reads, not the benchmark's timer), so
	// that a machine whose speed drifts, or that other programs share,
	// weighs on the ring and on its overhead alike: on a shared 2-vCPU VM
	// the overhead of consecutive runs varied by a third when measured once
	// before the ring, more than a switch between threads costs.
	//
	// Between an overhead slice and the next ring slice the other members
	// sat idle; one untimed lap wakes them, so that every slice starts as
	// warm as the one before it ended.
	//
	// One lap is procs hops, and member 0 sees only whole laps, so the hops
	// timed are the fewest whole laps covering N: hop-ns divides by them.
	// The runner's ns/op divides the same time by N, so it is high by at
	// most (procs-1)/N: 0.2 % for a 16-member ring in a 100 ms sample here
	// (N about 7700), nothing for procs=2 when N is even.
	n := (b.N + r.procs - 1) / r.procs
	slices := min(overheadSlices, n)
	measure := func() (timing, error) {
		b.ResetTimer()
		ov.reset()
		var sum uint64
		cross := 0 // timed hops whose ends ran on different CPUs
		for k := range slices {
			l := n*(k+1)/slices - n*k/slices
			if err := ov.run(max(l*r.procs, minOverheadIters/slices), tok, ws); err != nil {
				return timing{}, err
			}
			if _, err := laps(1, m.out, m.in, tok, ws); err != nil {
				return timing{}, err
			}
			before := tok.cross
			b.StartTimer()
			s, err := laps(l, m.out, m.in, tok, ws)
			b.StopTimer()
			if err != nil {
				return timing{}, err
			}
			sum += s
			cross += int(tok.cross - before)
		}
		sink.Add(sum)
		return timing{
			ring:       b.Elapsed(),
			hops:       n * r.procs,
			overheadNs: ov.perIter(),
			cross:      float64(cross) / float64(n*r.procs),
		}, nil
	}
	return sample(b, func(w string) { b.Warn("%s", w) }, measure)
}

// token is what passes round the ring: the CPU its last holder ran on,
// and the number of hops so far whose two ends ran on different CPUs. Each
// member, on receiving it, compares the CPU it runs on now with the
// sender's: the cross-cpu metric is counted hop by hop, not sampled.
type token struct {
	cpu   uint32
	cross uint32
}

const tokenLen = 8

// newToken returns a token on the heap (sys.HeapNew): the loops convert its
// address in each system call's argument list, but a buffer the ring's
// loops share belongs on the heap all the same.
func newToken() *token {
	t := sys.HeapNew[token]()
	t.cpu = uint32(sys.CPUNow())
	return t
}

// receive counts the hop that just brought the token to this member. It is
// nosplit, as relaySolo needs.
//
//go:nosplit
//go:norace
func (t *token) receive() {
	c := uint32(sys.CPUNow())
	if c != t.cpu {
		t.cross++
	}
	t.cpu = c
}

// laps runs member 0's part of n laps of the ring: pass the token on (out),
// wait for it to come back (in), note the CPU, touch the working set, as
// lat_ctx's measuring process does. Given the two ends of one pipe it
// involves no other member and is the overhead loop. It calls nothing but
// RawSyscall (which never enters the Go scheduler), CPUNow and sumWords
// (both nosplit), so the loop holds no synchronous preemption point either. An interrupted call is
// retried; a read of 0 bytes means a member has gone.
func laps(n, out, in int, tok *token, ws []uint64) (uint64, error) {
	var sum uint64
	for range n {
		for {
			w, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(out), uintptr(unsafe.Pointer(tok)), tokenLen)
			if e == syscall.EINTR {
				continue
			}
			if e != 0 || w != tokenLen {
				return sum, ioError("write", w, e)
			}
			break
		}
		for {
			r, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(in), uintptr(unsafe.Pointer(tok)), tokenLen)
			if e == syscall.EINTR {
				continue
			}
			if e != 0 || r != tokenLen {
				return sum, ioError("read", r, e)
			}
			break
		}
		tok.receive()
		sum += sumWords(ws)
	}
	return sum, nil
}

// relay is the body of ring members 1..N-1 that are threads of the
// worker: wait for the token (in), note the CPU, touch the working set,
// pass the token on (out), until the previous member closes its end. It is
// relaySolo's loop, called on this thread.
func relay(in, out int, ws []uint64) (uint64, error) {
	a := newRelayArgs(in, out, ws)
	err := sys.SoloCodeError(relaySolo(unsafe.Pointer(a)))
	runtime.KeepAlive(ws)
	return a.sum, err
}

// relayArgs is a member's loop state, read by relaySolo (in a process
// member's single-threaded child, after the fork): heap memory.
type relayArgs struct {
	in, out uintptr
	tok     *token
	ws      *uint64 // the working set's first word; nil when it is empty
	words   int
	sum     uint64 // the sums, stored so that their loads stay
}

func newRelayArgs(in, out int, ws []uint64) *relayArgs {
	a := sys.HeapNew[relayArgs]()
	a.in, a.out, a.tok, a.words = uintptr(in), uintptr(out), newToken(), len(ws)
	if len(ws) > 0 {
		a.ws = &ws[0]
	}
	return a
}

// relaySolo is the hop loop of ring members 1..N-1. A process member runs
// it in a forked copy of its thread alone (sys.Solo): a lat_ctx member is
// a single-threaded process, and the kernel charges a multi-threaded one
// more for every switch into it. So it is nosplit code that allocates
// nothing, and it returns sys.SoloCode's statuses (0 when the previous
// member closed its end).
//
//go:nosplit
//go:norace
func relaySolo(arg unsafe.Pointer) uintptr {
	a := (*relayArgs)(arg)
	ws := unsafe.Slice(a.ws, a.words)
	for {
		r, _, e := syscall.RawSyscall(syscall.SYS_READ, a.in, uintptr(unsafe.Pointer(a.tok)), tokenLen)
		if e == syscall.EINTR {
			continue
		}
		if e == 0 && r == 0 {
			return 0 // the previous member closed its end: done
		}
		if e != 0 {
			return sys.SoloCode(0, e)
		}
		if r != tokenLen {
			return sys.SoloShort
		}
		a.tok.receive()
		a.sum += sumWords(ws)
		for {
			w, _, e := syscall.RawSyscall(syscall.SYS_WRITE, a.out, uintptr(unsafe.Pointer(a.tok)), tokenLen)
			if e == syscall.EINTR {
				continue
			}
			if e != 0 {
				return sys.SoloCode(sys.SoloWriteBase, e)
			}
			if w != tokenLen {
				return sys.SoloShort
			}
			break
		}
	}
}

func ioError(op string, n uintptr, e syscall.Errno) error {
	if e != 0 {
		return fmt.Errorf("ring %s: %w", op, e)
	}
	if op == "read" && n == 0 {
		return errors.New("ring read: end of file: a ring member exited")
	}
	return fmt.Errorf("ring %s: %d bytes, want %d", op, n, tokenLen)
}

// overhead measures one hop's work without a switch, in the measuring
// thread where member 0 runs: write the token into a pipe and read it back
// from the same pipe (the reader never sleeps), then sum the working set,
// which the loop itself keeps warm. It runs laps, the very loop the ring is
// timed with, so the two differ only by the switch, and it keeps its own
// time: it is never part of the benchmark's timer.
type overhead struct {
	p     [2]int
	ns    time.Duration
	iters int
}

func newOverhead() (*overhead, error) {
	o := new(overhead)
	if err := unix.Pipe2(o.p[:], unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("overhead pipe: %w", err)
	}
	return o, nil
}

// run times iters more iterations.
func (o *overhead) run(iters int, tok *token, ws []uint64) error {
	start := time.Now()
	sum, err := laps(iters, o.p[1], o.p[0], tok, ws)
	o.ns += time.Since(start)
	o.iters += iters
	sink.Add(sum)
	if err != nil {
		return fmt.Errorf("overhead loop: %w", err)
	}
	return nil
}

func (o *overhead) reset() { o.ns, o.iters = 0, 0 }

// perIter is the mean time of one iteration so far.
func (o *overhead) perIter() float64 {
	return float64(o.ns.Nanoseconds()) / float64(max(o.iters, 1))
}

func (o *overhead) close() {
	unix.Close(o.p[0])
	unix.Close(o.p[1])
}

// sumWords sums the working set, as lat_ctx's sumit does: every word read
// once per hop and added to one running sum, one load and one add per word,
// as a C compiler makes of the same loop, so that a hop's work is the C
// ring's. It is one function, never inlined, so that the hop (laps, relay)
// and the overhead run the very same instructions at the same address:
// inlined at two places, a loop of four instructions ran twice as fast at
// one place as at the other, depending only on where it fell in the code
// (at 16 KiB that added 350 ns to every hop and none to the overhead). Eight
// words a turn keep its speed off that placement: the chain of adds, one a
// cycle, is what bounds it, not the fetching of the loop.
//
// It is nosplit for relaySolo's child; it calls nothing but a bounds
// panic that cannot happen.
//
//go:noinline
//go:nosplit
//go:norace
func sumWords(ws []uint64) uint64 {
	var s uint64
	i := 0
	for ; i+8 <= len(ws); i += 8 {
		w := ws[i : i+8 : i+8]
		s += w[0]
		s += w[1]
		s += w[2]
		s += w[3]
		s += w[4]
		s += w[5]
		s += w[6]
		s += w[7]
	}
	for ; i < len(ws); i++ {
		s += ws[i]
	}
	return s
}

// newWorkingSet returns a private working set of size bytes, prefaulted:
// every page is written, so the ring never takes a page fault.
func newWorkingSet(size int) []uint64 {
	ws := make([]uint64, size/8)
	for i := range ws {
		ws[i] = uint64(i) | 1
	}
	return ws
}

// pinSelf pins the calling (locked) thread to cpu and returns how to give it
// its previous mask back.
func pinSelf(cpu int) (restore func(), err error) {
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	if err := sys.PinThread(cpu); err != nil {
		return nil, err
	}
	return func() { unix.SchedSetaffinity(0, &old) }, nil
}

// placeThread puts the calling (locked) thread where a ring member belongs:
// pinned to cpu, or, for cpu -1, on every allowed CPU, so that a thread
// created by a pinned one does not carry that pin into a free ring.
func placeThread(cpu int, allowed []int) error {
	if cpu >= 0 {
		return sys.PinThread(cpu)
	}
	var set unix.CPUSet
	for _, c := range allowed {
		set.Set(c)
	}
	if set.Count() == 0 {
		return nil
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("sched_setaffinity(%v): %w", allowed, err)
	}
	return nil
}

// members are the ring's other members, started and ready.
type members struct {
	out  int // member 0 writes the token here (pipe 0)
	in   int // and reads it back here (pipe N-1)
	held []int

	cmds []*exec.Cmd // kind=process: members 1..N-1
	tids []int       // each member's thread (index 0 unused)

	done           chan error // kind=thread: one value per member as it ends
	threads        int
	restoreRuntime func()
}

// startMembers builds the ring: pipe i carries the token from member i to
// member i+1 (the last back to 0); member i reads pipe i-1 and writes pipe
// i. Pipes are blocking and close-on-exec, so a helper holds exactly the
// two ends it was handed (exec keeps only ExtraFiles), and when member 0
// closes pipe 0 the members see end-of-file one after the other and exit.
// It returns once every member has placed itself, prefaulted its working
// set and said it is ready: the start barrier.
func startMembers(r ring, at, allowed []int) (m *members, err error) {
	m = &members{tids: make([]int, r.procs)}
	pipes := make([][2]int, r.procs)
	for i := range pipes {
		if err := unix.Pipe2(pipes[i][:], unix.O_CLOEXEC); err != nil {
			m.closeHeld()
			return nil, fmt.Errorf("ring pipe: %w", err)
		}
		m.held = append(m.held, pipes[i][0], pipes[i][1])
	}
	m.out, m.in = pipes[0][1], pipes[r.procs-1][0]
	defer func() {
		if err != nil {
			err = errors.Join(err, m.stop())
			m = nil
		}
	}()
	if r.kind == kindThread {
		return m, m.startThreads(r, at, allowed, pipes)
	}
	return m, m.startProcesses(r, at, pipes)
}

// release hands fd to a member: member 0 no longer holds it.
func (m *members) release(fd int) {
	for i, h := range m.held {
		if h == fd {
			m.held[i] = -1
		}
	}
}

func (m *members) closeHeld() {
	for i, fd := range m.held {
		if fd >= 0 {
			unix.Close(fd)
			m.held[i] = -1
		}
	}
}

// readyMsg is what a helper process says on the ready pipe: its member
// index and the thread that runs its ring loop. Eight bytes, below
// PIPE_BUF, so messages from several helpers never interleave.
const readyMsgLen = 8

func (m *members) startProcesses(r ring, at []int, pipes [][2]int) error {
	var ready [2]int
	if err := unix.Pipe2(ready[:], unix.O_CLOEXEC); err != nil {
		return fmt.Errorf("ready pipe: %w", err)
	}
	m.held = append(m.held, ready[0])
	// One *os.File for the write end, closed once whatever happens: a
	// second wrapper of the same descriptor would close it again from its
	// finalizer, perhaps after the number was reused.
	readyW := os.NewFile(uintptr(ready[1]), "ready")
	defer readyW.Close()
	for i := 1; i < r.procs; i++ {
		in, out := pipes[i-1][0], pipes[i][1]
		files := []*os.File{
			os.NewFile(uintptr(in), "ring-in"),
			os.NewFile(uintptr(out), "ring-out"),
			readyW,
		}
		args := []string{strconv.Itoa(i), strconv.Itoa(at[i]), strconv.Itoa(r.ws)}
		cmd, err := bench.StartChild(r.name(), args, files...)
		// The helper has its own copies now (or never will): member 0's
		// copies of its two ends go, so that end-of-file can travel.
		files[0].Close()
		files[1].Close()
		m.release(in)
		m.release(out)
		if err != nil {
			return err
		}
		m.cmds = append(m.cmds, cmd)
	}
	readyW.Close()

	// The barrier: every helper has written its message and closed its end
	// of the ready pipe, so a helper that dies before it is ready shows as
	// an early end-of-file rather than a hang.
	buf := make([]byte, readyMsgLen*(r.procs-1))
	for got := 0; got < len(buf); {
		n, err := unix.Read(ready[0], buf[got:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("waiting for ring members: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("a ring member exited before it was ready (%d of %d ready)", got/readyMsgLen, r.procs-1)
		}
		got += n
	}
	for k := 0; k < len(buf); k += readyMsgLen {
		i := int(binary.LittleEndian.Uint32(buf[k:]))
		if i < 1 || i >= r.procs {
			return fmt.Errorf("ready message from member %d of a ring of %d", i, r.procs)
		}
		m.tids[i] = int(binary.LittleEndian.Uint32(buf[k+4:]))
	}
	return nil
}

// serveMember is the body of a helper process (Spec.Child): ring member
// args[0], on CPU args[1] (-1: not pinned), with a working set of args[2]
// bytes; descriptors 3, 4 and 5 are its input and output pipes and the ready
// pipe. It returns when the previous member closes the ring.
func serveMember(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("ring member: want 3 arguments (index, cpu, working set), got %q", args)
	}
	var v [3]int
	for k, a := range args {
		n, err := strconv.Atoi(a)
		if err != nil {
			return fmt.Errorf("ring member: argument %d: %w", k, err)
		}
		v[k] = n
	}
	index, cpu, size := v[0], v[1], v[2]
	in, out, ready := 3, 4, 5
	defer unix.Close(in)
	defer unix.Close(out)

	// The ring loop runs on this thread only; a pinned helper is pinned
	// here. An unpinned one keeps the mask it inherited from the unpinned
	// measuring thread of a free ring.
	runtime.LockOSThread()
	if cpu >= 0 {
		if err := sys.PinThread(cpu); err != nil {
			unix.Close(ready)
			return err
		}
	}
	ws := newWorkingSet(size)
	var msg [readyMsgLen]byte
	binary.LittleEndian.PutUint32(msg[:], uint32(index))
	binary.LittleEndian.PutUint32(msg[4:], uint32(unix.Gettid()))
	_, err := unix.Write(ready, msg[:])
	unix.Close(ready)
	if err != nil {
		return fmt.Errorf("ring member %d: saying ready: %w", index, err)
	}
	// A descriptor table of its own, as a single-threaded lat_ctx process
	// has (sys.OnPrivateThread says why): only this thread uses the ring's
	// pipes, and the process ends with its loop, closing every copy.
	if err := unix.Unshare(unix.CLONE_FILES); err != nil {
		return fmt.Errorf("ring member %d: unshare(CLONE_FILES): %w", index, err)
	}
	// The hops themselves run in a process of this one thread, as a
	// lat_ctx member is (relaySolo says why).
	a := newRelayArgs(in, out, ws)
	st, err := sys.Solo(in, out, relaySolo, unsafe.Pointer(a))
	runtime.KeepAlive(ws)
	if err == nil {
		err = sys.SoloError(st) // exit statuses: sys.SoloCode's
	}
	if err != nil {
		return fmt.Errorf("ring member %d: %w", index, err)
	}
	return nil
}

// startThreads starts members 1..N-1 as goroutines, each locked to an OS
// thread of its own and placed there.
//
// The loops block in the kernel through RawSyscall, which does not tell the
// Go scheduler, so each member keeps its P while it sleeps: GOMAXPROCS is
// raised to procs+1 for the ring, or members beyond the Ps would never run.
// For the same reason nothing may stop the world while the ring runs (a
// member blocked in read cannot be stopped), so the collector is off until
// the ring is torn down; in a worker it is off anyway.
//
// A member's goroutine returns still locked to its thread, so the runtime
// ends that thread, and the pin with it: no pinned thread goes back to the
// pool to run other goroutines.
func (m *members) startThreads(r ring, at, allowed []int, pipes [][2]int) error {
	prevProcs := runtime.GOMAXPROCS(0)
	if prevProcs < r.procs+1 {
		runtime.GOMAXPROCS(r.procs + 1)
	}
	prevGC := debug.SetGCPercent(-1)
	m.restoreRuntime = func() {
		debug.SetGCPercent(prevGC)
		if prevProcs < r.procs+1 {
			runtime.GOMAXPROCS(prevProcs)
		}
	}

	type hello struct {
		i, tid int
		err    error
	}
	ready := make(chan hello, r.procs)
	m.done = make(chan error, r.procs)
	for i := 1; i < r.procs; i++ {
		in, out := pipes[i-1][0], pipes[i][1]
		m.release(in)
		m.release(out)
		m.threads++
		go func() {
			runtime.LockOSThread() // never unlocked: see above
			defer unix.Close(in)
			defer unix.Close(out)
			if err := placeThread(at[i], allowed); err != nil {
				ready <- hello{i: i, err: fmt.Errorf("ring member %d: %w", i, err)}
				m.done <- nil
				return
			}
			ws := newWorkingSet(r.ws)
			ready <- hello{i: i, tid: unix.Gettid()}
			sum, err := relay(in, out, ws)
			sink.Add(sum)
			if err != nil {
				err = fmt.Errorf("ring member %d: %w", i, err)
			}
			m.done <- err
		}()
	}
	var errs []error
	for range r.procs - 1 {
		h := <-ready
		errs = append(errs, h.err)
		m.tids[h.i] = h.tid
	}
	return errors.Join(errs...)
}

// stop tears the ring down on every path: member 0 closes every end it
// holds (pipe 0 among them, so end-of-file runs round the ring and every
// member's loop returns), then waits for every member.
func (m *members) stop() error {
	m.closeHeld()
	var errs []error
	for i, cmd := range m.cmds {
		if err := cmd.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("ring member %d: %w", i+1, err))
		}
	}
	for range m.threads {
		errs = append(errs, <-m.done)
	}
	m.threads = 0
	m.cmds = nil
	if m.restoreRuntime != nil {
		m.restoreRuntime()
		m.restoreRuntime = nil
	}
	return errors.Join(errs...)
}
