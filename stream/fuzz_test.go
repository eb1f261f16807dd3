package stream

import (
	"math"
	"strings"
	"testing"
	"zbench/peer"
)

// FuzzDecodeJob: whatever a client writes down the sink's control pipe (a
// remote client's reaches it through zbench serve), decoding neither panics
// nor accepts a job the sink cannot carry out in its buffer without
// overflow; and an accepted job encodes back to itself.
func FuzzDecodeJob(f *testing.F) {
	var m [msgSize]byte
	for _, j := range []Job{
		{Bytes: 8 << 20, Verify: true, Pattern: Pattern{Seed: 0x6277}},
		{Bytes: 1 << 20, Offset: 1 << 40, Pattern: Pattern{Seed: 1, Period: 4096}},
		{Responses: 32, Header: 200, File: 4096, FirstSeq: 5, Verify: true, Pattern: Pattern{Seed: 2, Period: 4096}},
		{Responses: 1, Header: 1 << 62, File: 1 << 62},
		{Bytes: math.MaxInt64, Offset: math.MaxInt64},
	} {
		j.encode(&m)
		f.Add(m[:], 1<<20)
	}
	f.Fuzz(func(t *testing.T, b []byte, bufSize int) {
		if bufSize <= 0 || bufSize > MaxReadSize {
			bufSize = 1 << 20
		}
		var m [msgSize]byte
		copy(m[:], b)
		j, err := decodeJob(&m, bufSize)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "bad job") {
				t.Fatalf("refusal without the message: %v", err)
			}
			return
		}
		if j.Responses > 0 {
			size := j.Header + j.File
			if j.Header < 8 || size > int64(bufSize) || size < 0 || j.FirstSeq+j.Responses < 0 || j.Responses*size/size != j.Responses {
				t.Fatalf("accepted %+v with a %d-byte buffer", j, bufSize)
			}
		} else if j.Offset+j.Bytes < 0 {
			t.Fatalf("accepted %+v: the end offset overflows", j)
		}
		var back [msgSize]byte
		j.encode(&back)
		if got, err := decodeJob(&back, bufSize); err != nil || got != j {
			t.Fatalf("%+v encodes to a job decoded as %+v, %v", j, got, err)
		}
	})
}

// FuzzParseSinkArgs: the helper's arguments (zbench serve passes a remote
// client's read size) never panic, never give a buffer beyond MaxReadSize,
// and an accepted set encodes back to itself.
func FuzzParseSinkArgs(f *testing.F) {
	f.Add("tcp", "1", "131072", "", "127.0.0.1")
	f.Add("pipe", "-1", "4096", "", "")
	f.Add("tcp", "0", "4611686018427387904", "", "198.18.0.2")
	f.Add("unix", "0", "-1", "x", "::1")
	f.Fuzz(func(t *testing.T, kind, cpu, size, netns, addr string) {
		args := []string{kind, cpu, size, netns, addr}
		a, err := ParseSinkArgs(args)
		if err != nil {
			return
		}
		if a.ReadSize <= 0 || a.ReadSize > MaxReadSize || a.CPU < -1 || a.CPU >= peer.MaxCPU {
			t.Fatalf("%q accepted as %+v", args, a)
		}
		b, err := ParseSinkArgs(a.Encode())
		if err != nil || b != a {
			t.Fatalf("%q: %+v encodes to %q, parsed back as %+v, %v", args, a, a.Encode(), b, err)
		}
	})
}

// FuzzDecodeReport: a report (a remote server's sink writes it) never
// panics the reader, and its message stays within the frame.
func FuzzDecodeReport(f *testing.F) {
	var m [msgSize]byte
	Report{Bytes: 1, CPU: 2, CRC: 3, Err: "stream byte 9 is 0x00, want 0x01"}.encode(&m, statusFailed)
	f.Add(m[:])
	f.Add(make([]byte, msgSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m [msgSize]byte
		copy(m[:], b)
		r, _ := decodeReport(&m)
		if len(r.Err) > msgSize-34 {
			t.Fatalf("a %d-byte message from a %d-byte frame", len(r.Err), msgSize)
		}
	})
}
