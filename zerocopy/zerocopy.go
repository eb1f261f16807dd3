// Package zerocopy is a family of the measure stage of zbench's pipeline:
// the ways Linux can send a file or a buffer down a TCP socket, side by
// side, and what the kernel really did. One driver sends the same bytes to
// the same receiver (stream's sink: read(2) into a buffer in a helper process)
// with each method of a table — write, read+write, mmap+write, sendfile,
// splice, vmsplice, MSG_ZEROCOPY, io_uring SEND and SEND_ZC — so that only
// the sending side varies. Results carry throughput, each side's CPU time
// per byte, TCP retransmits, and for the zero-copy methods the fraction of
// bytes the kernel copied anyway, read from its own completion reports.
//
// zerocopy/response is the header-plus-file pattern of the sendfile debates:
// a small header and a file per request, sent five ways (write then
// sendfile, the same under TCP_CORK, the header with MSG_MORE, one writev
// of header and mapped file, one write of a copied buffer), counted in
// responses per second and segments per response.
package zerocopy

import (
	"fmt"
	"os"

	"zbench/bench"
	"zbench/internal/sys"
	"zbench/name"
	"zbench/peer"
	"zbench/stream"
)

// Specs returns the family's benchmarks, in the order reports show them.
func Specs() []bench.Spec {
	return append(sendSpecs(), responseSpecs()...)
}

// sendSizes are the bytes per send call; 128KiB is iperf3's default
// buffer, for the comparison with it.
var sendSizes = []int64{4 << 10, 16 << 10, 64 << 10, 128 << 10, 256 << 10, 1 << 20}

// recvSize is the sink's read(2) buffer for every zerocopy/send benchmark:
// fixed, so only the sender varies, and iperf3's receive length, so the two
// can be compared.
const recvSize = 128 << 10

// sender is one method's state: chunk sends exactly one send call's worth
// of the stream (the bytes at stream offset off), across short sends;
// flush waits until the kernel is done with every buffer.
type sender interface {
	chunk(off int64) error
	flush() error
	close()
}

// sendEnv is what a method is opened with.
type sendEnv struct {
	fd     int // the connected socket: raw, blocking
	size   int // bytes per chunk
	verify bool
	pat    stream.Pattern
	file   *os.File // the file, for file methods
	tr     peer.Transport
}

// sendMethod is one way of sending, and the one place its name is
// written: the table below is the list of methods, their docs, which of
// them the default suite runs, and the function that opens each one's
// sender. file methods send the same file again and again (it is in the
// page cache before timing); the others send from user memory, refilled
// with the stream's pattern for every send under --verify.
type sendMethod struct {
	name string
	doc  string
	file bool
	zc   bool // reports copied-fraction
	def  bool // in the default suite, at 128KiB over loopback
	reqs []func() error
	open func(*sendEnv) (sender, error)
}

var sendMethods = []sendMethod{
	{name: "write", def: true, open: newWrite, doc: "write(2) from one user buffer: the kernel copies every byte into " +
		"socket buffers. The baseline, and what iperf3 does"},
	{name: "readwrite", file: true, open: newReadWrite, doc: "pread(2) of the file into a user buffer, then write(2) of " +
		"it: two copies, the classic file server loop"},
	{name: "mmapwrite", file: true, open: newMmapWrite, doc: "write(2) straight from an mmap of the file: one copy, " +
		"from the page cache into socket buffers"},
	{name: "sendfile", file: true, def: true, open: newSendfile, doc: "sendfile(2) from the file to the socket: the " +
		"socket takes references to the page cache pages, no copy on the send side (iperf3 -Z)"},
	{name: "splice", file: true, open: newSplice, doc: "splice(2) from the file into a pipe (sized to one send with " +
		"F_SETPIPE_SZ), then splice(2) from the pipe to the socket: page references all the way, two calls per send"},
	{name: "vmsplice", open: newVmsplice, doc: "vmsplice(2) of user memory into a pipe (SPLICE_F_GIFT, as the classic " +
		"recipe has it; for a socket it changes nothing), then splice(2) to the socket: the socket holds references to " +
		"the user's pages. vmsplice has no completion, so a page may be rewritten only when nothing can still hold it; " +
		"the sender cycles through a ring as large as the pipe, the most the send queue holds (tcp_wmem max) and the " +
		"most the receiver may queue (tcp_rmem max) together, as a correct vmsplice sender must"},
	{name: "msgzerocopy", zc: true, def: true, open: newMsgZerocopy, doc: "send(2) with MSG_ZEROCOPY on a socket with " +
		"SO_ZEROCOPY: the kernel pins the user pages and posts a completion on the socket's error queue when it is done " +
		"with them. A small pool of buffers, each reused only after its completion; completions read with " +
		"recvmsg(MSG_ERRQUEUE) only when the next buffer is still busy (they coalesce meanwhile); ENOBUFS (optmem or " +
		"locked-memory limit) answered by draining completions and retrying"},
	{name: "uring", reqs: []func() error{sys.ProbeIOUring}, open: newUringSend, doc: "io_uring IORING_OP_SEND from " +
		"one user buffer, one request submitted and reaped per io_uring_enter: write(2) through io_uring, copy included"},
	{name: "uringzc", zc: true, def: true, reqs: []func() error{sys.ProbeIOUring}, open: newUringSendZC, doc: "io_uring " +
		"IORING_OP_SEND_ZC with IORING_SEND_ZC_REPORT_USAGE: one request at a time, buffers from a small pool, each " +
		"reused only after its notification CQE, whose usage flag says whether the kernel copied"},
}

// zcNote is how the docs of the zero-copy methods read copied-fraction.
const zcNote = " copied-fraction is the share of completed bytes the kernel flagged as copied " +
	"(SO_EE_CODE_ZEROCOPY_COPIED, or IORING_NOTIF_USAGE_ZC_COPIED). It is 1.0 over loopback and veth, always: " +
	"packets looped to a local socket get a deferred copy, because a receiver that never read would otherwise " +
	"hold the sender's pages, and its completion, indefinitely (Documentation/networking/msg_zerocopy.rst, " +
	"\"Loopback\"). Only a NIC that sends from the pages (scatter-gather) makes these methods zero-copy."

// grid is the family's specs of every method over every transport at every
// size, in that order (the order reports show them): spec makes one.
func grid[M any](methods []M, sizes []int64, spec func(m M, tr string, size int64) bench.Spec) []bench.Spec {
	var specs []bench.Spec
	for _, m := range methods {
		for _, tr := range peer.AllTransports {
			for _, size := range sizes {
				specs = append(specs, spec(m, tr, size))
			}
		}
	}
	return specs
}

func sendSpecs() []bench.Spec {
	return grid(sendMethods, sendSizes, func(m sendMethod, tr string, size int64) bench.Spec {
		full := fmt.Sprintf("zerocopy/send/method=%s/size=%s/transport=%s", m.name, name.FormatSize(size), tr)
		doc := fmt.Sprintf("one-way TCP stream of %s send calls, %s. The receiver, a helper process on another "+
			"CPU, read(2)s into a %s buffer whatever the method. One op is one send call's %s; the result is bytes "+
			"per second, timed until the last byte is in the receiver's buffer. ",
			name.FormatSize(size), m.doc, name.FormatSize(recvSize), name.FormatSize(size)) + stream.CostDoc +
			" retransmits is the sender socket's tcpi_total_retrans delta." + stream.TCPDoc
		if m.zc {
			doc += zcNote
		}
		reqs := append([]func() error(nil), m.reqs...)
		reqs = append(reqs, peer.Requires(tr)...)
		return bench.Spec{
			Name:      full,
			Doc:       doc,
			Unit:      "B/s",
			Default:   tr == peer.Loopback && size == 128<<10 && m.def,
			Pin:       true,
			Target:    stream.Target,
			PerWorker: stream.PerWorker,
			Requires:  reqs,
			Run:       sendRun(full, m, int(size), tr),
			Child:     stream.SinkChild,
			Remote:    stream.Remote(tr),
		}
	})
}

// The header-plus-file responses.
var (
	responseHeader = int64(200)
	responseFiles  = []int64{4 << 10, 16 << 10, 64 << 10, 1 << 20}
)

// responseMethod is one way of sending a response, and the one place its
// name is written. send sends one response (the header in r.hdr, then the
// file); it is chosen once, when the responder is made, outside the timed
// loop. fileMap and oneBuf say what it needs beside the header: an mmap of
// the file, and a buffer for header and file together.
type responseMethod struct {
	name, doc       string
	fileMap, oneBuf bool
	send            func(r *responder) error
}

var responseMethods = []responseMethod{
	{name: "write+sendfile", send: respondWriteSendfile, doc: "write(2) of the header, then sendfile(2) of the file, " +
		"nothing else: with TCP_NODELAY the header leaves as a segment of its own"},
	{name: "cork", send: respondCork, doc: "TCP_CORK set, write(2) of the header, sendfile(2) of the file, TCP_CORK " +
		"cleared: the kernel holds partial segments until the uncork, at the price of two setsockopt calls"},
	{name: "msgmore", send: respondMsgMore, doc: "send(2) of the header with MSG_MORE (a cork for that one call), then " +
		"sendfile(2) of the file"},
	{name: "writev", fileMap: true, send: respondWritev, doc: "one writev(2) of the header and an mmap of the file: one " +
		"call, both copied into socket buffers"},
	{name: "copy", fileMap: true, oneBuf: true, send: respondCopy, doc: "header and file copied (from an mmap) into one " +
		"user buffer, then one write(2): two copies, one call"},
}

func responseSpecs() []bench.Spec {
	return grid(responseMethods, responseFiles, func(m responseMethod, tr string, file int64) bench.Spec {
		full := fmt.Sprintf("zerocopy/response/method=%s/size=%s/transport=%s", m.name, name.FormatSize(file), tr)
		var reqs []func() error
		reqs = append(reqs, peer.Requires(tr)...)
		return bench.Spec{
			Name: full,
			Doc: fmt.Sprintf("a %d-byte header and a %s file (in the page cache) per request, over TCP with "+
				"TCP_NODELAY, as a web server sends them: %s. A helper process on another CPU writes a one-byte "+
				"request and reads exactly one response, then the next. One op is one response. "+
				"Metrics: segments/response (tcpi_segs_out delta per response: every segment the server's socket "+
				"sent, ACKs of the requests included), sender-cpu-ns/response and receiver-cpu-ns/response "+
				"(each measuring thread's CPU time, user+system: softirq work run on its CPU while it was current "+
				"included, work on other CPUs not), "+
				"retransmits.", responseHeader, name.FormatSize(file), m.doc),
			Unit:      "op/s",
			Pin:       true,
			Target:    stream.Target,
			PerWorker: stream.PerWorker,
			Requires:  reqs,
			Run:       responseRun(full, m, file, tr),
			Child:     stream.SinkChild,
			Remote:    stream.Remote(tr),
		}
	})
}
