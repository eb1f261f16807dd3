package bw

import (
	"testing"

	"zbench/stream"
)

func TestMem(t *testing.T) {
	src, dst := make([]byte, 4096), make([]byte, 4096)
	stream.Pattern{Seed: 1}.Fill(src, 0)
	var want uint64
	for i := 0; i < len(src); i += 8 {
		want += uint64(src[i]) | uint64(src[i+1])<<8 | uint64(src[i+2])<<16 | uint64(src[i+3])<<24 |
			uint64(src[i+4])<<32 | uint64(src[i+5])<<40 | uint64(src[i+6])<<48 | uint64(src[i+7])<<56
	}
	if got := sumWords(src); got != want {
		t.Errorf("sumWords = %#x, want %#x", got, want)
	}
	var want16 uint32
	for i := 0; i < len(src); i += 16 {
		want16 += uint32(src[i]) | uint32(src[i+1])<<8 | uint32(src[i+2])<<16 | uint32(src[i+3])<<24
	}
	if got := sumStride16(src); got != want16 {
		t.Errorf("sumStride16 = %#x, want %#x", got, want16)
	}
	fillWords(dst, 0x0102030405060708)
	for i := 0; i < len(dst); i += 8 {
		if dst[i] != 8 || dst[i+7] != 1 {
			t.Fatalf("fillWords: word at %d is % x", i, dst[i:i+8])
		}
	}
}
