package zerocopy

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"

	"zbench/stream"
)

// fakeKernel stands behind a zcSender: it numbers successful send calls as
// the kernel does, holds each call's buffer until it completes them (in
// random order and coalesced ranges, some flagged copied), and records any
// buffer that changed while it still held it.
type fakeKernel struct {
	rng       *rand.Rand
	id        uint32
	inflight  []flight
	queue     []completion
	stream    []byte // bytes as sent, in order
	limit     int    // ENOBUFS beyond this many calls in flight (the optmem limit)
	shortProb float64
	copyProb  float64
	enobufs   int
	copied    int64 // bytes completed as copied
	modified  []string
}

type flight struct {
	id   uint32
	buf  []byte
	snap []byte
}

func (k *fakeKernel) send(p []byte, id uint32) (int, error) {
	if len(k.inflight) >= k.limit {
		k.enobufs++
		return 0, syscall.ENOBUFS
	}
	if id != k.id {
		return 0, fmt.Errorf("send call numbered %d, the kernel's counter is at %d", id, k.id)
	}
	n := len(p)
	if k.rng.Float64() < k.shortProb {
		n = 1 + k.rng.IntN(len(p))
	}
	k.inflight = append(k.inflight, flight{id: k.id, buf: p[:n], snap: slices.Clone(p[:n])})
	k.stream = append(k.stream, p[:n]...)
	k.id++
	return n, nil
}

// progress completes a random run of consecutive outstanding calls.
func (k *fakeKernel) progress() {
	if len(k.inflight) == 0 {
		return
	}
	slices.SortFunc(k.inflight, func(a, b flight) int { return int(int32(a.id - b.id)) })
	start := k.rng.IntN(len(k.inflight))
	end := start + 1
	for end < len(k.inflight) && k.inflight[end].id == k.inflight[end-1].id+1 && k.rng.IntN(3) > 0 {
		end++
	}
	copied := k.rng.Float64() < k.copyProb
	for _, f := range k.inflight[start:end] {
		if !bytes.Equal(f.buf, f.snap) {
			k.modified = append(k.modified, fmt.Sprintf("call %d", f.id))
		}
		if copied {
			k.copied += int64(len(f.buf))
		}
	}
	c := completion{lo: k.inflight[start].id, hi: k.inflight[end-1].id, copied: copied}
	k.inflight = slices.Delete(k.inflight, start, end)
	// The kernel extends the range queued last when the new one follows it.
	if n := len(k.queue); n > 0 && k.queue[n-1].hi+1 == c.lo && k.queue[n-1].copied == c.copied {
		k.queue[n-1].hi = c.hi
		return
	}
	k.queue = append(k.queue, c)
}

func (k *fakeKernel) recv() (completion, bool, error) {
	if k.rng.IntN(2) == 0 {
		k.progress()
	}
	if len(k.queue) == 0 {
		return completion{}, false, nil
	}
	c := k.queue[0]
	k.queue = k.queue[1:]
	return c, true, nil
}

func (k *fakeKernel) wait() error {
	if len(k.inflight) == 0 && len(k.queue) == 0 {
		return fmt.Errorf("wait with nothing in flight: would block forever")
	}
	for len(k.queue) == 0 {
		k.progress()
	}
	return nil
}

func newFake(seed uint64, firstID uint32) *fakeKernel {
	return &fakeKernel{rng: rand.New(rand.NewPCG(seed, 1)), id: firstID, limit: 1 << 30}
}

func newSender(k *fakeKernel, nbuf, size, maxCalls int) *zcSender {
	bufs := make([][]byte, nbuf)
	for i := range bufs {
		bufs[i] = make([]byte, size)
	}
	return &zcSender{pool: newPool(bufs, maxCalls, k.id), what: "fake send", send: k.send, recv: k.recv, wait: k.wait}
}

// No buffer is handed out, refilled and sent while the kernel still holds
// it, whatever order and grouping completions come in; short sends and
// ENOBUFS are carried through; the counter wraps; and the stream that went
// out is exactly the pattern, in order.
func TestZCSenderReuseRule(t *testing.T) {
	for seed := range uint64(20) {
		k := newFake(seed, 0xffffffff-uint32(seed*7)) // wraps within the first calls
		k.limit = 2 + int(seed%5)
		k.shortProb = 0.3
		k.copyProb = 0.5
		z := newSender(k, 3, 64, 8)
		p := stream.Pattern{Seed: seed}
		const chunks = 300
		var off int64
		for range chunks {
			if err := z.sendBuf(func(b []byte) { p.Fill(b, off) }); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			off += 64
		}
		if err := z.flush(); err != nil {
			t.Fatalf("seed %d: flush: %v", seed, err)
		}
		if len(k.modified) > 0 {
			t.Fatalf("seed %d: buffers rewritten before their completion: %v", seed, k.modified[:min(5, len(k.modified))])
		}
		if int64(len(k.stream)) != chunks*64 {
			t.Fatalf("seed %d: %d bytes sent, want %d", seed, len(k.stream), chunks*64)
		}
		if bad := p.Check(k.stream, 0); bad >= 0 {
			t.Fatalf("seed %d: stream wrong at byte %d", seed, bad)
		}
		if z.pool.out != 0 || len(k.inflight) != 0 {
			t.Fatalf("seed %d: %d calls outstanding after flush", seed, z.pool.out)
		}
		if z.pool.doneBytes != chunks*64 || z.pool.copyBytes != k.copied {
			t.Errorf("seed %d: accounted %d bytes (%d copied), kernel %d (%d copied)", seed, z.pool.doneBytes, z.pool.copyBytes, chunks*64, k.copied)
		}
		if seed%5 == 0 && k.enobufs == 0 {
			t.Errorf("seed %d: the ENOBUFS path was never taken", seed)
		}
		if z.enobufs != int64(k.enobufs) {
			t.Errorf("seed %d: sender counted %d ENOBUFS, kernel returned %d", seed, z.enobufs, k.enobufs)
		}
	}
}

// The fake does catch a sender that ignores the rule: the test above means
// something.
func TestZCSenderFakeCatchesEarlyReuse(t *testing.T) {
	k := newFake(1, 0)
	z := newSender(k, 2, 64, 64)
	p := stream.Pattern{Seed: 1}
	var off int64
	for range 10 {
		z.pool.busy[z.pool.next] = 0 // break the rule: pretend the buffer is free
		if err := z.sendBuf(func(b []byte) { p.Fill(b, off) }); err != nil {
			t.Fatal(err)
		}
		off += 64
	}
	z.pool.busy = make([]int, 2)
	for len(k.inflight) > 0 {
		k.progress()
	}
	if len(k.modified) == 0 {
		t.Fatal("the fake kernel missed buffers rewritten while in flight")
	}
}

func TestZCSenderENOBUFSWithNothingInFlight(t *testing.T) {
	k := newFake(1, 0)
	k.limit = 0
	z := newSender(k, 2, 64, 8)
	err := z.sendBuf(nil)
	if err == nil || !strings.Contains(err.Error(), "no send in flight") {
		t.Fatalf("err = %v, want the ENOBUFS-with-nothing-in-flight error", err)
	}
}

func TestZCSenderSendError(t *testing.T) {
	k := newFake(1, 0)
	z := newSender(k, 2, 64, 8)
	z.send = func([]byte, uint32) (int, error) { return 0, syscall.ECONNRESET }
	if err := z.sendBuf(nil); !errors.Is(err, syscall.ECONNRESET) || !strings.HasPrefix(err.Error(), "fake send: ") {
		t.Fatalf("err = %v, want the send's ECONNRESET, named", err)
	}
	z.send = func([]byte, uint32) (int, error) { return 0, nil }
	if err := z.sendBuf(nil); !errors.Is(err, errNoProgress) {
		t.Fatalf("err = %v, want errNoProgress", err)
	}
}

func TestPool(t *testing.T) {
	p := newPool([][]byte{make([]byte, 8), make([]byte, 8)}, 3, 0xfffffffe) // table rounds up to 4
	i, ok := p.take()
	if !ok || i != 0 {
		t.Fatal("first take")
	}
	a := p.sent(0, 8)
	b := p.sent(0, 8) // a short send's second call
	j, _ := p.take()
	c := p.sent(j, 8)
	if a != 0xfffffffe || b != 0xffffffff || c != 0 {
		t.Fatalf("ids %#x %#x %#x", a, b, c)
	}
	if _, ok := p.take(); ok {
		t.Fatal("buffer 0 handed out with two calls outstanding")
	}
	if err := p.complete(0xfffffffe, 0xfffffffe, true); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.take(); ok {
		t.Fatal("buffer 0 handed out with one call outstanding")
	}
	if err := p.complete(0xffffffff, 0, false); err != nil { // across the wrap
		t.Fatal(err)
	}
	if i, ok := p.take(); !ok || i != 0 {
		t.Fatal("buffer 0 not handed out after its completions")
	}
	if err := p.complete(0, 0, false); err == nil {
		t.Error("a second completion of call 0 accepted")
	}
	if err := p.complete(5, 9, false); err == nil {
		t.Error("completion of calls never made accepted")
	}
	if p.doneBytes != 24 || p.copyBytes != 8 || p.copiedFraction() != 1.0/3 {
		t.Errorf("accounting: %d done, %d copied", p.doneBytes, p.copyBytes)
	}
	for range 4 {
		p.sent(1, 1)
	}
	if p.room() {
		t.Error("room with the call table full")
	}
}
