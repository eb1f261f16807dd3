package zerocopy

import (
	"errors"
	"fmt"
	"syscall"
)

// completion is one MSG_ZEROCOPY notification: send calls lo … hi are done.
type completion struct {
	lo, hi uint32
	copied bool
}

// zcSender drives MSG_ZEROCOPY sends through a pool. The three system
// operations are fields so that tests can put a fake kernel behind them:
//
//   - send is send(fd, p, MSG_ZEROCOPY): bytes sent, or an errno;
//   - recv reads one completion from the error queue without blocking
//     (ok false: none queued);
//   - wait blocks until a completion may be read.
type zcSender struct {
	pool *pool
	send func(p []byte) (int, syscall.Errno)
	recv func() (c completion, ok bool, err error)
	wait func() error

	enobufs int64 // sends refused with ENOBUFS, each retried
}

// errNoProgress is a send that returned 0 bytes on a blocking socket.
var errNoProgress = errors.New("send(MSG_ZEROCOPY) sent nothing")

// chunk sends one whole pool buffer: the next in turn, once the kernel is
// done with it, after fill (nil: leave the contents) has written it.
//
// Short sends go on from where they stopped, from the same buffer: each
// call is a call of its own to the kernel's counter, and the buffer stays
// busy until all of them complete. ENOBUFS means the socket's option-memory
// limit (net.core.optmem_max, which pays for the pending notifications) or
// the locked-memory limit (the pinned pages) is reached: completions are
// drained, which frees both, and the send is tried again.
func (z *zcSender) chunk(fill func([]byte)) error {
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
		n, e := z.send(buf[sent:])
		switch e {
		case 0:
			if n <= 0 {
				return errNoProgress
			}
			z.pool.sent(i, int64(n))
			sent += n
		case syscall.EINTR:
		case syscall.ENOBUFS:
			z.enobufs++
			if z.pool.out == 0 {
				return fmt.Errorf("send(MSG_ZEROCOPY): ENOBUFS with no send in flight: the locked-memory limit "+
					"(ulimit -l) or net.core.optmem_max is too small for one %d-byte send", len(buf)-sent)
			}
			if err := z.reap(true); err != nil {
				return err
			}
		default:
			return fmt.Errorf("send(MSG_ZEROCOPY): %w", e)
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
		if err := z.pool.complete(c.lo, c.hi, c.copied); err != nil {
			return err
		}
	}
}

// flush waits until every send call has completed.
func (z *zcSender) flush() error {
	for z.pool.out > 0 {
		if err := z.reap(true); err != nil {
			return err
		}
	}
	return nil
}
