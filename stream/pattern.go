package stream

import (
	"encoding/binary"
	"fmt"
	"hash/crc64"
)

// Pattern is the known content of a verified stream (--verify). The 8-byte
// word at stream offset o (a multiple of 8) is a mix of o's word index and
// the seed, so every byte's value depends on where in the stream it is: a
// byte sent twice, skipped, shifted by a mishandled short write, or
// overwritten by a buffer reused too early cannot land where the pattern
// expects it without changing a value.
//
// Period > 0 repeats the pattern every Period bytes (a multiple of 8): data
// sent again and again from one file of that length. 0 never repeats: data
// the sender writes afresh into its buffers for every offset.
type Pattern struct {
	Seed   uint64
	Period int64
}

func (p Pattern) word(o int64) uint64 {
	if p.Period > 0 {
		o %= p.Period
	}
	x := (uint64(o>>3) + p.Seed + 1) * 0x9e3779b97f4a7c15
	return x ^ x>>29
}

// Fill writes the pattern of stream offsets off … off+len(buf) into buf.
func (p Pattern) Fill(buf []byte, off int64) {
	for len(buf) > 0 && off&7 != 0 {
		buf[0] = byte(p.word(off&^7) >> (8 * (off & 7)))
		buf, off = buf[1:], off+1
	}
	for len(buf) >= 8 {
		binary.LittleEndian.PutUint64(buf, p.word(off))
		buf, off = buf[8:], off+8
	}
	for i := range buf {
		buf[i] = byte(p.word(off) >> (8 * i))
	}
}

// Check compares buf with the pattern at stream offset off and returns the
// offset of the first byte that differs, or -1.
func (p Pattern) Check(buf []byte, off int64) int64 {
	for len(buf) > 0 && off&7 != 0 {
		if buf[0] != byte(p.word(off&^7)>>(8*(off&7))) {
			return off
		}
		buf, off = buf[1:], off+1
	}
	for len(buf) >= 8 {
		if binary.LittleEndian.Uint64(buf) != p.word(off) {
			for i := range 8 {
				if buf[i] != byte(p.word(off)>>(8*i)) {
					return off + int64(i)
				}
			}
		}
		buf, off = buf[8:], off+8
	}
	for i := range buf {
		if buf[i] != byte(p.word(off)>>(8*i)) {
			return off + int64(i)
		}
	}
	return -1
}

// Mismatch describes the first wrong byte Check found.
func (p Pattern) Mismatch(buf []byte, bufOff, bad int64) error {
	var want [8]byte
	binary.LittleEndian.PutUint64(want[:], p.word(bad&^7))
	return fmt.Errorf("stream byte %d is %#02x, want %#02x", bad, buf[bad-bufOff], want[bad&7])
}

// crcTable is the running checksum of verified streams: the receiver sums
// what it read, the sender what it meant to send, and the two must agree.
var crcTable = crc64.MakeTable(crc64.ECMA)

// CRC is the checksum of n bytes of pattern p from stream offset off:
// what the sender meant to send, computed after the timed region.
func CRC(p Pattern, off, n int64) uint64 {
	var crc uint64
	buf := make([]byte, min(n, 1<<20))
	for n > 0 {
		k := min(n, int64(len(buf)))
		p.Fill(buf[:k], off)
		crc = crc64.Update(crc, crcTable, buf[:k])
		off, n = off+k, n-k
	}
	return crc
}

// updateCRC extends a running checksum with p.
func updateCRC(crc uint64, p []byte) uint64 { return crc64.Update(crc, crcTable, p) }
