package zerocopy

import (
	"errors"
	"fmt"
	"syscall"

	"zbench/stream"
)

// completion is one zero-copy notification: send calls lo … hi are done
// with their buffers. release marks a call that gets no notification (an
// io_uring SEND, whose buffer is free at its result): it frees the buffer
// without counting as a zero-copy completion.
type completion struct {
	lo, hi  uint32
	copied  bool
	release bool
}

// zcSender is the send loop of every method that sends from a pool of
// buffers and learns from completions when the kernel is done with each:
// MSG_ZEROCOPY, and io_uring SEND and SEND_ZC. The three system operations
// are fields, set by each method (and by tests, which put a fake kernel
// behind them):
//
//   - send makes one send call of p, numbered id (the number the pool gives
//     it: MSG_ZEROCOPY's kernel counter, io_uring's user data), and returns
//     the bytes sent, or an error; EINTR and ENOBUFS (as syscall.Errno) are
//     retried;
//   - recv reads one completion without blocking (ok false: none queued);
//   - wait blocks until a completion may be read, for at most
//     completionTimeout: a lost completion is an error, never a hang.
type zcSender struct {
	pool *pool
	what string // the send call, for errors: "send(MSG_ZEROCOPY)"
	send func(p []byte, id uint32) (int, error)
	recv func() (c completion, ok bool, err error)
	wait func() error

	// verify refills each buffer with pat at its stream offset (fillOff,
	// read by fill, made once so that a chunk allocates nothing).
	verify  bool
	pat     stream.Pattern
	fillOff int64
	fill    func([]byte)

	enobufs int64 // sends refused with ENOBUFS, each retried
}

// chunk sends the stream's bytes at offset off: the next pool buffer,
// refilled with the pattern under --verify.
func (z *zcSender) chunk(off int64) error {
	if !z.verify {
		return z.sendBuf(nil)
	}
	if z.fill == nil {
		z.fill = func(b []byte) { z.pat.Fill(b, z.fillOff) }
	}
	z.fillOff = off
	return z.sendBuf(z.fill)
}

// errNoProgress is a send that returned 0 bytes on a blocking socket.
var errNoProgress = errors.New("sent nothing")

// sendBuf sends one whole pool buffer: the next in turn, once the kernel is
// done with it, after fill (nil: leave the contents) has written it.
//
// Short sends go on from where they stopped, from the same buffer: each
// call is a call of its own to the kernel's counter, and the buffer stays
// busy until all of them complete. ENOBUFS means the socket's option-memory
// limit (net.core.optmem_max, which pays for the pending notifications) or
// the locked-memory limit (the pinned pages) is reached: completions are
// drained, which frees both, and the send is tried again.
func (z *zcSender) sendBuf(fill func([]byte)) error {
	i, ok := z.pool.take()
	for !ok {
		if err := z.reap(true); err != nil {
			return err
		}
		i, ok = z.pool.take()
	}
	buf := z.pool.bufs[i]
	if fill != nil {
		fill(buf)
	}
	for sent := 0; sent < len(buf); {
		for !z.pool.room() {
			if err := z.reap(true); err != nil {
				return err
			}
		}
		n, err := z.send(buf[sent:], z.pool.id)
		switch {
		case err == nil:
			if n <= 0 {
				return fmt.Errorf("%s: %w", z.what, errNoProgress)
			}
			z.pool.sent(i, int64(n))
			sent += n
		case err == syscall.EINTR:
		case err == syscall.ENOBUFS:
			z.enobufs++
			if z.pool.out == 0 {
				return fmt.Errorf("%s: ENOBUFS with no send in flight: the locked-memory limit "+
					"(ulimit -l) or net.core.optmem_max is too small for one %d-byte send", z.what, len(buf)-sent)
			}
			if err := z.reap(true); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: %w", z.what, err)
		}
	}
	return nil
}

// reap takes every completion queued; with block, it first waits for one
// when none is.
func (z *zcSender) reap(block bool) error {
	got := false
	for {
		c, ok, err := z.recv()
		if err != nil {
			return err
		}
		if !ok {
			if got || !block {
				return nil
			}
			if err := z.wait(); err != nil {
				return err
			}
			continue
		}
		got = true
		if c.release {
			err = z.pool.release(c.lo)
		} else {
			err = z.pool.complete(c.lo, c.hi, c.copied)
		}
		if err != nil {
			return err
		}
	}
}

// stats is the pool whose accounting gives copied-fraction.
func (z *zcSender) stats() *pool { return z.pool }

// flush waits until every send call has completed.
func (z *zcSender) flush() error {
	for z.pool.out > 0 {
		if err := z.reap(true); err != nil {
			return err
		}
	}
	return nil
}
