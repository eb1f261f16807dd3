package sys

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// MSG_ZEROCOPY completions (Documentation/networking/msg_zerocopy.rst).
//
// Every send call with MSG_ZEROCOPY that sends data takes the next value of
// a per-socket unsigned 32-bit counter (it counts calls, not bytes, starts
// at 0 and wraps after 2^32 calls). When the kernel no longer holds the
// pages of calls lo..hi it queues one notification on the socket's error
// queue: a cmsg of level SOL_IP/IP_RECVERR (SOL_IPV6/IPV6_RECVERR on IPv6)
// carrying a struct sock_extended_err with ee_origin SO_EE_ORIGIN_ZEROCOPY,
// ee_errno 0, the inclusive range [ee_info, ee_data], and in ee_code the
// flag SO_EE_CODE_ZEROCOPY_COPIED when the kernel copied the data after all
// (a deferred copy). Consecutive notifications are merged into one range
// while the first waits on the queue, and the merged range keeps the first
// one's ee_code.

// sizeofSockExtendedErr is struct sock_extended_err without the offender
// address that may follow it: u32 ee_errno; u8 ee_origin, ee_type,
// ee_code, ee_pad; u32 ee_info; u32 ee_data.
const sizeofSockExtendedErr = 16

// ZerocopyRange is one MSG_ZEROCOPY completion: send calls Lo through Hi,
// inclusive, are done with their buffers.
type ZerocopyRange struct {
	Lo, Hi uint32
	// Copied is SO_EE_CODE_ZEROCOPY_COPIED: the kernel copied the data of
	// (at least the first notification of) this range instead of sending
	// from the caller's pages.
	Copied bool
}

// Len is the number of send calls in the range. The counter wraps, so a
// range may run from 0xfffffffe to 1 (four calls).
func (r ZerocopyRange) Len() uint64 { return uint64(r.Hi-r.Lo) + 1 }

// Contains reports whether send call id is in the range, across the wrap.
func (r ZerocopyRange) Contains(id uint32) bool { return id-r.Lo <= r.Hi-r.Lo }

// ErrNoZerocopyCmsg means the control data held no IP_RECVERR or
// IPV6_RECVERR message at all.
var ErrNoZerocopyCmsg = errors.New("no IP_RECVERR control message")

// ParseZerocopy reads the completion out of the control data of one
// recvmsg(MSG_ERRQUEUE). An extended error of another origin, or with a
// non-zero errno, is a real socket error and comes back as an error that
// says so. It does not allocate on success.
func ParseZerocopy(oob []byte) (ZerocopyRange, error) {
	hdrLen := unix.CmsgLen(0) // header, padded to the alignment of the data
	for len(oob) >= unix.SizeofCmsghdr {
		var h unix.Cmsghdr
		copy((*[unix.SizeofCmsghdr]byte)(unsafe.Pointer(&h))[:], oob)
		msgLen := int(h.Len)
		if msgLen < hdrLen || msgLen > len(oob) {
			return ZerocopyRange{}, fmt.Errorf("malformed control message: length %d of %d bytes", msgLen, len(oob))
		}
		data := oob[hdrLen:msgLen]
		if (h.Level == unix.SOL_IP && h.Type == unix.IP_RECVERR) || (h.Level == unix.SOL_IPV6 && h.Type == unix.IPV6_RECVERR) {
			return parseExtendedErr(data)
		}
		next := unix.CmsgSpace(msgLen - hdrLen) // aligned length: where the next header starts
		if next >= len(oob) {
			break
		}
		oob = oob[next:]
	}
	return ZerocopyRange{}, ErrNoZerocopyCmsg
}

func parseExtendedErr(data []byte) (ZerocopyRange, error) {
	if len(data) < sizeofSockExtendedErr {
		return ZerocopyRange{}, fmt.Errorf("sock_extended_err truncated: %d of %d bytes", len(data), sizeofSockExtendedErr)
	}
	ne := binary.NativeEndian
	errno, origin, code := ne.Uint32(data[0:]), data[4], data[6]
	if origin != unix.SO_EE_ORIGIN_ZEROCOPY {
		return ZerocopyRange{}, fmt.Errorf("socket error on the error queue (origin %d): %w", origin, unix.Errno(errno))
	}
	if errno != 0 {
		return ZerocopyRange{}, fmt.Errorf("zero-copy completion with an error: %w", unix.Errno(errno))
	}
	return ZerocopyRange{
		Lo:     ne.Uint32(data[8:]),
		Hi:     ne.Uint32(data[12:]),
		Copied: code&unix.SO_EE_CODE_ZEROCOPY_COPIED != 0,
	}, nil
}

// ZerocopyOOBSize is enough control-message room for one completion.
var ZerocopyOOBSize = unix.CmsgSpace(sizeofSockExtendedErr + unix.SizeofSockaddrInet6)

// RecvZerocopy reads one completion from socket fd's error queue without
// blocking (reading the error queue never blocks). ok is false when the
// queue is empty. oob is scratch space of at least ZerocopyOOBSize bytes,
// kept by the caller so that the call does not allocate.
func RecvZerocopy(fd int, oob []byte) (r ZerocopyRange, ok bool, err error) {
	if len(oob) < ZerocopyOOBSize {
		return r, false, fmt.Errorf("RecvZerocopy: %d bytes of control space, need %d", len(oob), ZerocopyOOBSize)
	}
	var msg unix.Msghdr
	msg.Control = &oob[0]
	msg.SetControllen(len(oob))
	for {
		// RawSyscall: the call returns at once, and it runs inside timed
		// loops (docs/design.md §5).
		_, _, e := unix.RawSyscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
		switch e {
		case 0:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return r, false, nil
		default:
			return r, false, fmt.Errorf("recvmsg(MSG_ERRQUEUE): %w", e)
		}
		break
	}
	if msg.Flags&unix.MSG_CTRUNC != 0 {
		return r, false, errors.New("recvmsg(MSG_ERRQUEUE): control data truncated")
	}
	r, err = ParseZerocopy(oob[:msg.Controllen])
	return r, err == nil, err
}

// WaitErrqueue blocks until socket fd has something on its error queue
// (poll reports POLLERR whatever events were asked for) or timeout passes.
func WaitErrqueue(fd int, timeout time.Duration) error {
	pfd := unix.PollFd{Fd: int32(fd)}
	ts := unix.NsecToTimespec(timeout.Nanoseconds())
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		switch {
		case e == unix.EINTR:
			continue
		case e != 0:
			return fmt.Errorf("ppoll: %w", e)
		case n == 0:
			return fmt.Errorf("no zero-copy completion within %v", timeout)
		case pfd.Revents&unix.POLLNVAL != 0:
			return errors.New("ppoll: descriptor not open")
		}
		return nil
	}
}
