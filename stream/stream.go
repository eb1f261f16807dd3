// Package stream is the stream library of zbench's measure stage: the
// sending side of a one-way stream or of request/response traffic (Conn,
// Dial), the sink helper process that receives it (SinkChild) and its
// job/report protocol, the verification pattern and checksums (--verify),
// page-aligned buffers, the readings of each side's CPU time, and Reused,
// the Run of a benchmark whose set-up outlasts a sample. The bw and
// zerocopy families both measure against this one receiver, so that copy
// and zero-copy sends differ only in the sending side. It imports no
// family.
package stream

import (
	"fmt"
	"time"
)

// CostDoc says what the per-byte costs of a stream count; the docs of the
// stream benchmarks of bw and zerocopy end with it.
const CostDoc = "Metrics: sender-cpu-ns/B and receiver-cpu-ns/B are each side's measuring thread's CPU time " +
	"(user+system, the figure getrusage(RUSAGE_THREAD) reports) over the timed region, per byte. They include softirq " +
	"work the kernel ran on that CPU while the thread was current, and nothing else: softirq work in ksoftirqd or on " +
	"other CPUs is in neither. Over loopback and veth the receive side of TCP (protocol processing, queueing to the " +
	"receiving socket, and for MSG_ZEROCOPY or SEND_ZC the deferred copy) mostly runs in the sender's context, as " +
	"softirq work when its transmit returns, so the sender's figure carries much of the receive path and the " +
	"receiver's is little more than its copy to user space."

// TCPDoc says what a TCP stream runs with; the docs of the TCP stream
// benchmarks of bw and zerocopy carry it.
const TCPDoc = " The sockets keep the host's defaults, as iperf3 does: autotuned buffers and the default congestion " +
	"control (net.ipv4.tcp_congestion_control). A congestion control that paces (bbr) has TCP pace its own sends " +
	"where no fq qdisc does it, as on loopback and veth: a pacing timer and its softirq work for every few segments, " +
	"in the sender's figures, and throughput and cost per byte that can settle at different levels on different " +
	"connections. Compare with a peer under the same congestion control."

// A stream's set-up (a receiving helper, a connection) costs more than a
// sample, and gigabytes per second settle within tens of milliseconds: a
// worker takes several short samples. These are the Spec.Target and
// Spec.PerWorker of every stream benchmark; --time and --per-worker apply
// to every benchmark when given.
const (
	Target    = 25 * time.Millisecond
	PerWorker = 4
)

// warmBytes is how much one warm-up phase of a new connection sends: it
// starts with a small congestion window and receive buffer, and reaches
// its steady state only after some megabytes.
func warmBytes(chunk int) int64 {
	n := max(int64(8<<20), 4*int64(chunk))
	return (n + int64(chunk) - 1) / int64(chunk) * int64(chunk)
}

// WarmTime is how long a new stream is warmed up, at the least, before its
// first timed phase. A few megabytes settle the connection, but a worker
// that has just started, with a new socket, sends at a higher CPU cost per
// byte for its first tens of milliseconds (fresh socket memory, cold
// per-CPU caches in the kernel): with 25 ms samples and four to a worker,
// every sample fell within that start (docs/design.md, measuring rules).
const WarmTime = 100 * time.Millisecond

// WarmUp runs warm-up phases of warmBytes(chunk) each, through phase, until
// WarmTime has passed since the first began. phase streams n bytes,
// untimed, as a phase of its own (job, data, report), and returns every
// error: a failed warm-up fails the benchmark.
func WarmUp(chunk int, phase func(n int64) error) error {
	start := time.Now()
	for {
		if err := phase(warmBytes(chunk)); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		if time.Since(start) >= WarmTime {
			return nil
		}
	}
}
