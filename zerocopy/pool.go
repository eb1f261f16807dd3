package zerocopy

import "fmt"

// pool holds the buffers of a zero-copy sender (MSG_ZEROCOPY, io_uring
// SEND_ZC). After such a send returns, the kernel still reads the buffer —
// from the network card's DMA on real hardware, from the deferred copy over
// loopback — until it posts a completion for that send call. So a buffer is
// handed out again, to be refilled and sent, only once every send call that
// read it has completed: the rule a real program must follow, and the one a
// verified run (--verify) checks end to end.
//
// Send calls are numbered by a 32-bit counter that wraps (MSG_ZEROCOPY's
// per-socket counter, or io_uring user data the sender assigns the same
// way). A completion names an inclusive range of calls. Calls complete in
// any order (retransmissions reorder them), so each outstanding call has a
// slot in a table indexed by its number modulo the table's size, a power of
// two, which stays consistent across the wrap.
type pool struct {
	bufs  [][]byte
	busy  []int // outstanding send calls reading each buffer
	next  int   // buffer handed out next: round robin
	calls []call
	mask  uint32
	id    uint32 // number of the next send call
	out   int    // outstanding calls

	// Accounting of completed calls: count, bytes, and bytes the kernel
	// flagged as copied.
	completions          int64
	doneBytes, copyBytes int64
}

type call struct {
	id   uint32
	buf  int
	n    int64
	live bool
}

// newPool makes a pool over bufs that tracks up to maxCalls outstanding send
// calls (rounded up to a power of two), numbering them from firstID.
func newPool(bufs [][]byte, maxCalls int, firstID uint32) *pool {
	n := 1
	for n < maxCalls {
		n <<= 1
	}
	return &pool{bufs: bufs, busy: make([]int, len(bufs)), calls: make([]call, n), mask: uint32(n - 1), id: firstID}
}

// take returns the next buffer in turn, or false while a send call that
// read it is outstanding: the caller must reap completions and try again.
// A buffer taken may be written.
func (p *pool) take() (int, bool) {
	i := p.next
	if p.busy[i] > 0 {
		return i, false
	}
	p.next = (p.next + 1) % len(p.bufs)
	return i, true
}

// room reports whether another send call can be tracked; when not, the
// caller reaps completions first.
func (p *pool) room() bool { return p.out < len(p.calls) }

// sent records a send call of n bytes from buffer i and returns its number:
// the next value of the counter, as the kernel numbers successful
// MSG_ZEROCOPY calls.
func (p *pool) sent(i int, n int64) uint32 {
	id := p.id
	p.id++
	p.calls[id&p.mask] = call{id: id, buf: i, n: n, live: true}
	p.busy[i]++
	p.out++
	return id
}

// complete records that send calls lo … hi (inclusive, across the wrap)
// are done with their buffers, and whether the kernel copied their data.
func (p *pool) complete(lo, hi uint32, copied bool) error {
	n := uint64(hi-lo) + 1
	if n > uint64(p.out) {
		return fmt.Errorf("completion of send calls %d…%d (%d calls) with only %d outstanding", lo, hi, n, p.out)
	}
	for k := range uint32(n) {
		if err := p.done(lo+k, copied, true); err != nil {
			return err
		}
	}
	return nil
}

// release frees call id without counting it as a zero-copy completion
// (a send the kernel will post no notification for).
func (p *pool) release(id uint32) error { return p.done(id, false, false) }

func (p *pool) done(id uint32, copied, count bool) error {
	c := &p.calls[id&p.mask]
	if !c.live || c.id != id {
		return fmt.Errorf("completion of send call %d, which is not outstanding", id)
	}
	c.live = false
	p.busy[c.buf]--
	p.out--
	if count {
		p.completions++
		p.doneBytes += c.n
		if copied {
			p.copyBytes += c.n
		}
	}
	return nil
}

// resetStats starts the accounting afresh (at the start of a timed phase).
func (p *pool) resetStats() { p.completions, p.doneBytes, p.copyBytes = 0, 0, 0 }

// copiedFraction is the share of completed bytes the kernel copied.
func (p *pool) copiedFraction() float64 {
	if p.doneBytes == 0 {
		return 0
	}
	return float64(p.copyBytes) / float64(p.doneBytes)
}
