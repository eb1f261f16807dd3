package stream

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
)

// Fill and Check agree at every alignment, and Check finds a changed
// byte, a shifted chunk and a repeated chunk.
func TestPattern(t *testing.T) {
	for _, p := range []Pattern{{Seed: 1}, {Seed: 7, Period: 64}} {
		for _, off := range []int64{0, 1, 5, 8, 63, 64, 1000} {
			for _, n := range []int{0, 1, 7, 8, 9, 100, 4096} {
				buf := make([]byte, n)
				p.Fill(buf, off)
				if bad := p.Check(buf, off); bad != -1 {
					t.Fatalf("%+v off %d len %d: own fill fails at %d", p, off, n, bad)
				}
				if n == 0 {
					continue
				}
				buf[n/2] ^= 0x10
				if bad := p.Check(buf, off); bad != off+int64(n/2) {
					t.Errorf("%+v off %d len %d: flipped byte at %d, Check says %d", p, off, n, off+int64(n/2), bad)
				}
			}
		}
	}
	p := Pattern{Seed: 3}
	a := make([]byte, 256)
	p.Fill(a, 0)
	if p.Check(a, 8) == -1 || p.Check(a, 1) == -1 || p.Check(a, 256) == -1 {
		t.Error("data checked at the wrong offset passes")
	}
	// Periodic: the same bytes one period on are right, anywhere else not.
	q := Pattern{Seed: 3, Period: 128}
	b := make([]byte, 128)
	q.Fill(b, 0)
	if q.Check(b, 128) != -1 || q.Check(b, 1280) != -1 {
		t.Error("periodic pattern fails one period on")
	}
	if q.Check(b, 64) == -1 {
		t.Error("periodic pattern passes half a period off")
	}
	c := make([]byte, 128)
	q.Fill(c, 128)
	if !bytes.Equal(b, c) {
		t.Error("periodic fill differs one period on")
	}
}

func TestJobReportRoundTrip(t *testing.T) {
	var m [msgSize]byte
	for _, j := range []Job{
		{Bytes: 1 << 40, Offset: 77 << 20, Verify: true, Pattern: Pattern{Seed: 0xfeed, Period: 4096}},
		{Responses: 1000, Header: 200, File: 4096, FirstSeq: 12, Pattern: Pattern{Seed: 3, Period: 4096}},
	} {
		j.encode(&m)
		got, err := decodeJob(&m, 1<<20)
		if err != nil || got != j {
			t.Fatalf("job round trip: %+v, %v; want %+v", got, err, j)
		}
	}
	r := Report{Bytes: 12345, CPU: 987654321, CRC: 0xdeadbeef, Err: "stream byte 9 is 0x00, want 0x01"}
	r.encode(&m, statusFailed)
	gr, status := decodeReport(&m)
	if gr != r || status != statusFailed {
		t.Fatalf("report round trip: %+v %d", gr, status)
	}
}

// Every job the sink cannot carry out within its buffer, or whose sizes
// overflow, is refused with a message that says what is wrong.
func TestDecodeJobRefuses(t *testing.T) {
	const buf = 64 << 10
	var m [msgSize]byte
	for _, c := range []struct {
		job  Job
		want string
	}{
		{Job{Bytes: -1}, "negative"},
		{Job{Responses: 1, Header: 4}, "cannot carry the response number"},
		{Job{Pattern: Pattern{Period: 12}}, "multiple of 8"},
		// The 1.06 GB helper: a response sized by the client, far
		// beyond the sink's buffer.
		{Job{Responses: 1, Header: 200, File: 1 << 30}, "does not fit the receiver's 65536-byte buffer"},
		{Job{Responses: 1, Header: buf, File: 1}, "does not fit"},
		// Header+File overflowing int64 panicked the helper.
		{Job{Responses: 1, Header: 1 << 62, File: 1 << 62}, "does not fit"},
		{Job{Responses: 1, Header: math.MaxInt64, File: math.MaxInt64}, "does not fit"},
		{Job{Bytes: math.MaxInt64, Offset: 1}, "overflow"},
		{Job{Responses: math.MaxInt64, FirstSeq: 1, Header: 8}, "overflow"},
		{Job{Responses: math.MaxInt64 / 8, Header: 16}, "overflow the byte count"},
		{Job{Bytes: 1, Header: 8}, "stream job with a response's"},
		{Job{Responses: 1, Header: 8, Bytes: 1}, "response job with stream bytes"},
	} {
		c.job.encode(&m)
		_, err := decodeJob(&m, buf)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("job %+v: %v, want an error saying %q", c.job, err, c.want)
		}
	}
	Job{Bytes: 1}.encode(&m)
	m[64] = 7
	if _, err := decodeJob(&m, buf); err == nil {
		t.Error("verify flag 7 accepted")
	}
}

func TestParseSinkArgs(t *testing.T) {
	good := [][]string{
		{"pipe", "-1", "4096", "", ""},
		{"unix", "3", "65536", "", ""},
		{"tcp", "0", "131072", "", "127.0.0.1"},
		{"tcp", "1", "16777216", "/run/netns/x", "198.18.0.2"},
	}
	for _, args := range good {
		a, err := ParseSinkArgs(args)
		if err != nil {
			t.Errorf("%q: %v", args, err)
			continue
		}
		if got := a.Encode(); !slices.Equal(got, args) {
			t.Errorf("%q: encodes back as %q", args, got)
		}
	}
	for _, args := range [][]string{
		{"tcp", "0", "4096", ""},
		{"udp", "0", "4096", "", ""},
		{"pipe", "x", "4096", "", ""},
		{"pipe", "-2", "4096", "", ""},
		{"pipe", "99999999", "4096", "", ""},
		{"pipe", "0", "0", "", ""},
		{"pipe", "0", "16777217", "", ""},
		{"pipe", "0", "4611686018427387904", "", ""},
		{"pipe", "0", "-5", "", ""},
		{"pipe", "0", "4096", "/run/netns/x", ""},
		{"tcp", "0", "4096", "", "::1"},
		{"tcp", "0", "4096", "", "localhost"},
		{"tcp", "0", "4096", "netns", "127.0.0.1"},
	} {
		if _, err := ParseSinkArgs(args); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
func TestResponseCheck(t *testing.T) {
	const hdr, file = 200, 1000
	fp := Pattern{Seed: 9, Period: 1000}
	resp := make([]byte, hdr+file)
	FillHeader(resp[:hdr], 42)
	fp.Fill(resp[hdr:], 0)
	if err := checkResponse(resp, hdr, 42, fp); err != nil {
		t.Fatal(err)
	}
	if err := checkResponse(resp, hdr, 43, fp); err == nil {
		t.Error("wrong response number passes")
	}
	resp[hdr+500] ^= 1
	if err := checkResponse(resp, hdr, 42, fp); err == nil {
		t.Error("corrupted file byte passes")
	}
	resp[hdr+500] ^= 1
	resp[100] ^= 1
	if err := checkResponse(resp, hdr, 42, fp); err == nil {
		t.Error("corrupted header byte passes")
	}
}
