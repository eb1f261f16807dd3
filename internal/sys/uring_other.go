//go:build !linux

package sys

import (
	"errors"
	"fmt"
	"time"
)

// Ring is an io_uring instance; io_uring exists only on Linux, so here every
// constructor fails with an error wrapping ErrNotSupported.
type Ring struct{}

var errNoUring = fmt.Errorf("%w: io_uring is Linux-only", ErrNotSupported)

// ErrWaitTimeout is wrapped by the error of a bounded wait that timed out.
var ErrWaitTimeout = errors.New("io_uring: no completion within the timeout")

// NewRing fails: io_uring is Linux-only.
func NewRing(entries uint32) (*Ring, error) { return nil, errNoUring }

// ProbeIOUring fails: io_uring is Linux-only.
func ProbeIOUring() error { return errNoUring }

func (r *Ring) Close() error                                     { return nil }
func (r *Ring) Fd() int                                          { return -1 }
func (r *Ring) Entries() uint32                                  { return 0 }
func (r *Ring) GetSQE() *SQE                                     { return nil }
func (r *Ring) Submit(toSubmit, minComplete uint32) (int, error) { return 0, errNoUring }
func (r *Ring) SubmitWait(toSubmit, minComplete uint32, timeout time.Duration) (int, error) {
	return 0, errNoUring
}
func (r *Ring) CQReady() uint32         { return 0 }
func (r *Ring) PeekCQE() (CQE, bool)    { return CQE{}, false }
func (r *Ring) SeenCQE()                {}
func (r *Ring) AdvanceCQ(n uint32)      {}
func (r *Ring) NopBatch(n uint32) error { return errNoUring }
