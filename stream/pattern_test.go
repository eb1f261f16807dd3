package stream

import (
	"bytes"
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
	j := Job{Bytes: 1 << 40, Offset: 77 << 20, Responses: 0, Verify: true, Pattern: Pattern{Seed: 0xfeed, Period: 4096}}
	j.encode(&m)
	got, err := decodeJob(&m)
	if err != nil || got != j {
		t.Fatalf("job round trip: %+v, %v; want %+v", got, err, j)
	}
	r := Report{Bytes: 12345, CPU: 987654321, CRC: 0xdeadbeef, Err: "stream byte 9 is 0x00, want 0x01"}
	r.encode(&m, statusFailed)
	gr, status := decodeReport(&m)
	if gr != r || status != statusFailed {
		t.Fatalf("report round trip: %+v %d", gr, status)
	}
	for _, bad := range []Job{{Bytes: -1}, {Responses: 1, Header: 4}, {Pattern: Pattern{Period: 12}}} {
		bad.encode(&m)
		if _, err := decodeJob(&m); err == nil {
			t.Errorf("job %+v accepted", bad)
		}
	}
}

func TestResponseCheck(t *testing.T) {
	const hdr, file = 200, 1000
	fp := Pattern{Seed: 9, Period: 1000}
	resp := make([]byte, hdr+file)
	FillHeader(resp[:hdr], 42)
	fp.Fill(resp[hdr:], 0)
	if err := CheckResponse(resp, hdr, 42, fp); err != nil {
		t.Fatal(err)
	}
	if err := CheckResponse(resp, hdr, 43, fp); err == nil {
		t.Error("wrong response number passes")
	}
	resp[hdr+500] ^= 1
	if err := CheckResponse(resp, hdr, 42, fp); err == nil {
		t.Error("corrupted file byte passes")
	}
	resp[hdr+500] ^= 1
	resp[100] ^= 1
	if err := CheckResponse(resp, hdr, 42, fp); err == nil {
		t.Error("corrupted header byte passes")
	}
}
