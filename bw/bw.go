// Package bw is a family of the measure stage of zbench's pipeline:
// bandwidth through the copy path. Memory bandwidth (copy, read, write over
// sizes from inside L1 to far beyond the last-level cache) is the baseline
// every other copy is measured against; one-way streams through a pipe, an
// AF_UNIX socket and TCP (write(2) on one side, read(2) in a helper process
// on the other) are LMbench's bw_pipe, bw_unix and bw_tcp. Every stream
// result carries the CPU time each side spent per byte.
//
// The stream machinery here (the sink helper process, its job/report
// protocol, the verification pattern, the cost readings) is also the
// receiving end of the zerocopy family, so that copy and zero-copy sends are
// measured against the same receiver.
package bw

import (
	"fmt"
	"zbench/name"

	"zbench/bench"
	"zbench/peer"
	"zbench/stream"
)

// Specs returns the family's benchmarks, in the order reports show them.
func Specs() []bench.Spec {
	return append(memSpecs(), streamSpecs()...)
}

var (
	memSizes    = []int64{4 << 10, 32 << 10, 256 << 10, 2 << 20, 16 << 20, 64 << 20, 256 << 20}
	chunkSizes  = []int64{4 << 10, 64 << 10, 1 << 20}
	streamKinds = []struct{ name, what string }{
		{"pipe", "a pipe (default capacity, 64 KiB on Linux)"},
		{"unix", "an AF_UNIX stream socket pair"},
		{"tcp", "a TCP connection (Nagle on; both socket buffers left to the kernel's autotuning, as iperf3 and most " +
			"programs leave them, where LMbench's bw_tcp fixes SO_SNDBUF and SO_RCVBUF at 1 MiB before connecting)"},
	}
)

func streamSpecs() []bench.Spec {
	var specs []bench.Spec
	for _, k := range streamKinds {
		transports := []string{""}
		if k.name == "tcp" {
			transports = peer.AllTransports
		}
		for _, tr := range transports {
			for _, chunk := range chunkSizes {
				full := fmt.Sprintf("bw/%s/chunk=%s", k.name, name.FormatSize(chunk))
				var reqs []func() error
				if tr != "" {
					full += "/transport=" + tr
					reqs = append(reqs, peer.Requires(tr)...)
				}
				specs = append(specs, bench.Spec{
					Name: full,
					Doc: fmt.Sprintf("one-way stream through %s: the measuring thread write(2)s %s chunks, a helper process "+
						"on another CPU read(2)s them into a %s buffer. One op is one chunk; the result is bytes per second, "+
						"timed until the last byte is in the reader's buffer. ", k.what, name.FormatSize(chunk), name.FormatSize(chunk)) +
						stream.CostDoc + tcpDoc(k.name),
					Unit:      "B/s",
					Default:   false, // the default suite's stream is zerocopy/send/method=write
					Pin:       true,
					Target:    stream.Target,
					PerWorker: stream.PerWorker,
					Requires:  reqs,
					Run:       streamRun(full, k.name, int(chunk), tr),
					Child:     stream.SinkChild,
					Remote:    stream.Remote(tr),
				})
			}
		}
	}
	return specs
}

func tcpDoc(kind string) string {
	if kind != "tcp" {
		return ""
	}
	return " retransmits is the sender socket's tcpi_total_retrans delta over the timed region." + stream.TCPDoc
}
