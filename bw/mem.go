package bw

import (
	"fmt"
	"unsafe"
	"zbench/name"

	"zbench/bench"
	"zbench/stream"
)

// Memory bandwidth: one op is one pass over a buffer of the named size.
var memOps = []struct {
	name string
	doc  string
	run  func(dst, src []byte)
}{
	{"copy", "copies the buffer into a second one with Go's copy (the runtime's memmove: AVX moves, or rep movs where " +
		"the CPU prefers it, with non-temporal stores from 1 MiB up), as memcpy does in C. Each byte counts once, " +
		"though it is read and written", func(dst, src []byte) { copy(dst, src) }},
	{"read", "reads the buffer as 64-bit words and sums them: a plain scalar loop (8 loads per iteration into 4 " +
		"independent sums, no vector instructions), LMbench's rd. It shows what an ordinary loop can read; vector " +
		"code can read faster from the caches", func(_, src []byte) { memSink += sumWords(src) }},
	{"write", "fills the buffer with a 64-bit value: a plain scalar loop (8 stores per iteration, no vector or " +
		"non-temporal stores), LMbench's wr", func(dst, _ []byte) { fillWords(dst, 0x5a5a5a5a5a5a5a5a) }},
}

// memSink keeps the sums alive, so the compiler cannot drop the read loop.
var memSink uint64

func memSpecs() []bench.Spec {
	var specs []bench.Spec
	for _, op := range memOps {
		for _, size := range memSizes {
			full := fmt.Sprintf("bw/mem/op=%s/size=%s", op.name, name.FormatSize(size))
			specs = append(specs, bench.Spec{
				Name: full,
				Doc: fmt.Sprintf("memory bandwidth, %s: one op %s over %s. Buffers are written through before timing, so "+
					"every page is faulted in and none is the shared zero page; sizes run from inside L1 to far beyond the "+
					"last-level cache, so the curve shows each level's bandwidth.", op.name, op.doc, name.FormatSize(size)),
				Unit:    "B/s",
				Default: op.name == "copy" && (size == 256<<10 || size == 64<<20),
				Pin:     true,
				Run:     memRun(op.run, int(size)),
			})
		}
	}
	return specs
}

// memBuffers keeps a worker's buffers across the runs of its one benchmark
// (calibration, warm-up, samples), so that faulting in up to twice 256 MiB
// is paid once per worker, and never inside a timed run.
var memBuffers struct {
	size     int
	src, dst []byte
}

func memRun(op func(dst, src []byte), size int) func(*bench.B) error {
	return func(b *bench.B) error {
		if memBuffers.size != size {
			memBuffers.src, memBuffers.dst = make([]byte, size), make([]byte, size)
			// Go's large allocations are page-aligned fresh mappings: writing
			// every byte faults each page in with real, distinct memory.
			stream.Pattern{Seed: 1}.Fill(memBuffers.src, 0)
			stream.Pattern{Seed: 2}.Fill(memBuffers.dst, 0)
			memBuffers.size = size
		}
		src, dst := memBuffers.src, memBuffers.dst
		b.SetBytes(int64(size))
		for b.Loop() {
			op(dst, src)
		}
		return nil
	}
}

// sumWords adds up b as 64-bit words (len(b) a multiple of 64): eight loads
// per iteration into four independent sums, so the loop is bound by loads,
// not by one long chain of additions.
func sumWords(b []byte) uint64 {
	w := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/8)
	var s0, s1, s2, s3 uint64
	for len(w) >= 8 {
		s0 += w[0] + w[4]
		s1 += w[1] + w[5]
		s2 += w[2] + w[6]
		s3 += w[3] + w[7]
		w = w[8:]
	}
	return s0 + s1 + s2 + s3
}

// fillWords stores v into every 64-bit word of b (len(b) a multiple of 64).
func fillWords(b []byte, v uint64) {
	w := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/8)
	for len(w) >= 8 {
		w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7] = v, v, v, v, v, v, v, v
		w = w[8:]
	}
}
