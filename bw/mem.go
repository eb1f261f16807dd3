package bw

import (
	"fmt"
	"runtime"
	"unsafe"

	"zbench/bench"
	"zbench/name"
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
	{"read", "reads every 64-bit word of the buffer and sums them: a plain scalar loop (8 loads per iteration into 4 " +
		"independent sums, no vector instructions), LMbench's frd (which reads every 4-byte int), not its rd (see " +
		"op=rd). It shows what an ordinary loop that uses every byte can read; vector code can read faster from the " +
		"caches", func(_, src []byte) { runtime.KeepAlive(sumWords(src)) }},
	{"write", "stores a 64-bit value into every word of the buffer: a plain scalar loop (8 stores per iteration, no " +
		"vector or non-temporal stores), LMbench's fwr (which writes every 4-byte int), not its wr (one int every 16 " +
		"bytes)", func(dst, _ []byte) { fillWords(dst, 0x5a5a5a5a5a5a5a5a) }},
	{"rd", "loads one 4-byte int every 16 bytes and sums them, LMbench's rd (32 loads per 512-byte block, into 4 " +
		"independent sums here): every cache line is fetched, a quarter of the loads of op=read are executed, and every " +
		"byte counts. Where op=read is bound by the loads a loop can issue, this is bound by the lines the caches and " +
		"memory can deliver, so it reads higher", func(_, src []byte) { runtime.KeepAlive(sumStride16(src)) }},
}

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

// sumStride16 adds up one 4-byte int every 16 bytes of b (len(b) a
// multiple of 512), LMbench's rd: 32 loads per 512-byte block, into four
// independent sums.
func sumStride16(b []byte) uint32 {
	w := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
	var s0, s1, s2, s3 uint32
	for len(w) >= 128 {
		v := w[:128:128]
		s0 += v[0] + v[16] + v[32] + v[48] + v[64] + v[80] + v[96] + v[112]
		s1 += v[4] + v[20] + v[36] + v[52] + v[68] + v[84] + v[100] + v[116]
		s2 += v[8] + v[24] + v[40] + v[56] + v[72] + v[88] + v[104] + v[120]
		s3 += v[12] + v[28] + v[44] + v[60] + v[76] + v[92] + v[108] + v[124]
		w = w[128:]
	}
	return s0 + s1 + s2 + s3
}
