package sys

import (
	"math"
	"unsafe"
)

// io_uring ABI constants. golang.org/x/sys/unix (v0.49.0) defines the system
// call numbers but none of the io_uring structures or constants, so they are
// spelled out here from include/uapi/linux/io_uring.h. They are part of the
// kernel ABI and never change value.
const (
	// Opcodes (enum io_uring_op).
	OpNop    uint8 = 0  // IORING_OP_NOP
	OpSend   uint8 = 26 // IORING_OP_SEND (Linux 5.6)
	OpSendZC uint8 = 47 // IORING_OP_SEND_ZC (Linux 6.0)

	// SQE flags (IOSQE_*), for SQE.Flags.
	SQEFixedFile      uint8 = 1 << 0 // IOSQE_FIXED_FILE
	SQEIODrain        uint8 = 1 << 1 // IOSQE_IO_DRAIN
	SQEIOLink         uint8 = 1 << 2 // IOSQE_IO_LINK
	SQEIOHardlink     uint8 = 1 << 3 // IOSQE_IO_HARDLINK
	SQEAsync          uint8 = 1 << 4 // IOSQE_ASYNC
	SQEBufferSelect   uint8 = 1 << 5 // IOSQE_BUFFER_SELECT
	SQECQESkipSuccess uint8 = 1 << 6 // IOSQE_CQE_SKIP_SUCCESS

	// Send/recv flags carried in SQE.IoPrio (IORING_RECVSEND_*, and the
	// SEND_ZC-only IORING_SEND_ZC_REPORT_USAGE), the zcFlags of PrepSendZC.
	RecvSendPollFirst uint16 = 1 << 0 // IORING_RECVSEND_POLL_FIRST
	RecvSendFixedBuf  uint16 = 1 << 2 // IORING_RECVSEND_FIXED_BUF
	// SendZCReportUsage asks the kernel to report in the notification CQE's
	// Res whether the data was copied after all (NotifUsageZCCopied). Without
	// it the notification's Res is always 0. Linux 6.2.
	SendZCReportUsage uint16 = 1 << 3 // IORING_SEND_ZC_REPORT_USAGE

	// CQE flags (IORING_CQE_F_*), for CQE.Flags.
	CQEFMore  uint32 = 1 << 1 // IORING_CQE_F_MORE: more CQEs follow for this request (SEND_ZC: the notification)
	CQEFNotif uint32 = 1 << 3 // IORING_CQE_F_NOTIF: this CQE is a zero-copy notification

	// NotifUsageZCCopied (IORING_NOTIF_USAGE_ZC_COPIED) is set in the
	// notification CQE's Res (read it as uint32(cqe.Res)) when the request
	// used SendZCReportUsage and the kernel copied the data instead of
	// sending from the user pages (always the case over loopback).
	NotifUsageZCCopied uint32 = 1 << 31
)

// SQE is struct io_uring_sqe (64 bytes) with its unions flattened to the
// member names used by the operations this package prepares. GetSQE returns
// pointers straight into the kernel-shared SQE array, so every store here is
// a store into the ring.
type SQE struct {
	Opcode      uint8  // opcode: OpNop, OpSend, OpSendZC, ...
	Flags       uint8  // flags: IOSQE_* (SQEIOLink, ...)
	IoPrio      uint16 // ioprio; send/recv flags (RecvSend*, SendZCReportUsage) for SEND/SEND_ZC
	Fd          int32  // fd
	Off         uint64 // off / addr2
	Addr        uint64 // addr: buffer address
	Len         uint32 // len: buffer length
	OpFlags     uint32 // rw_flags / msg_flags / ... (per-opcode union)
	UserData    uint64 // user_data: returned unchanged in the CQE
	BufIndex    uint16 // buf_index / buf_group
	Personality uint16 // personality
	SpliceFdIn  int32  // splice_fd_in / file_index / addr_len
	Addr3       uint64 // addr3
	_           uint64 // __pad2[1]
}

// CQE is struct io_uring_cqe (16 bytes; rings are never set up with
// IORING_SETUP_CQE32). Res is the operation's return value, negative errno on
// failure.
type CQE struct {
	UserData uint64
	Res      int32
	Flags    uint32
}

// ZCCopied reports whether c, a SEND_ZC notification CQE of a request
// prepared with SendZCReportUsage, says the kernel copied the data.
func (c CQE) ZCCopied() bool { return uint32(c.Res)&NotifUsageZCCopied != 0 }

// Compile-time ABI size checks: each array length goes negative (a compile
// error) if the Go struct is larger or smaller than the kernel's.
var (
	_ [64 - unsafe.Sizeof(SQE{})]byte
	_ [unsafe.Sizeof(SQE{}) - 64]byte
	_ [16 - unsafe.Sizeof(CQE{})]byte
	_ [unsafe.Sizeof(CQE{}) - 16]byte
)

// The Prep methods overwrite the whole SQE (so they are correct on an SQE
// that was not freshly zeroed) and set only what the opcode needs; set
// SQE.Flags afterwards for IOSQE_* behaviour. They do not allocate.
//
// Buffers handed to the kernel (PrepSend, PrepSendZC) are recorded as raw
// addresses, which the Go garbage collector cannot see. The caller must keep
// the buffer reachable (runtime.KeepAlive) until the completion arrives — for
// SEND_ZC until the notification CQE — and the buffer must not live on a
// goroutine stack, which may move: use heap memory that escapes, or better,
// memory from unix.Mmap, which never moves and is page-aligned for zero-copy.

// PrepNop prepares an IORING_OP_NOP, which completes with Res 0.
func (s *SQE) PrepNop(userData uint64) {
	*s = SQE{Opcode: OpNop, UserData: userData}
}

// PrepSend prepares IORING_OP_SEND of buf on socket fd, like
// send(fd, buf, len(buf), msgFlags). len(buf) is clamped to MaxUint32 (the
// kernel caps a send far lower anyway; the CQE reports what was sent).
func (s *SQE) PrepSend(fd int, buf []byte, msgFlags uint32, userData uint64) {
	*s = SQE{
		Opcode:   OpSend,
		Fd:       int32(fd),
		Addr:     bufAddr(buf),
		Len:      bufLen(buf),
		OpFlags:  msgFlags,
		UserData: userData,
	}
}

// PrepSendZC prepares IORING_OP_SEND_ZC of buf on socket fd. zcFlags go in
// the SQE's ioprio field (RecvSendPollFirst, RecvSendFixedBuf,
// SendZCReportUsage). The request completes with two CQEs carrying
// userData: first the send result with CQEFMore set, then, once the kernel no
// longer references buf, a notification with CQEFNotif set (and, with
// SendZCReportUsage, NotifUsageZCCopied in Res if the data was copied).
// Only after the notification may buf be reused.
func (s *SQE) PrepSendZC(fd int, buf []byte, msgFlags uint32, zcFlags uint16, userData uint64) {
	*s = SQE{
		Opcode:   OpSendZC,
		IoPrio:   zcFlags,
		Fd:       int32(fd),
		Addr:     bufAddr(buf),
		Len:      bufLen(buf),
		OpFlags:  msgFlags,
		UserData: userData,
	}
}

// bufAddr is the address of buf's first byte as the kernel ABI wants it
// (0 for an empty slice). unsafe.SliceData does not allocate.
func bufAddr(buf []byte) uint64 {
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
}

func bufLen(buf []byte) uint32 {
	if uint64(len(buf)) > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(len(buf))
}
