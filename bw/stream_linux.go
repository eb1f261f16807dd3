package bw

import (
	"fmt"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/peer"
)

// streamSeed keys the verification pattern of bw streams.
const streamSeed = 0x6277

// WarmBytes is how much a stream sends before its timed phase: a fresh
// connection starts with a small congestion window and receive buffer, and
// reaches its steady state only after some megabytes.
func WarmBytes(chunk int) int64 {
	n := max(int64(8<<20), 4*int64(chunk))
	return (n + int64(chunk) - 1) / int64(chunk) * int64(chunk)
}

func streamRun(name, kind string, chunk int, transport string) func(*bench.B) error {
	return func(b *bench.B) error {
		l := Link{Kind: kind, CPU: SinkCPU(b), ReadSize: chunk}
		if transport != "" {
			tr, err := peer.Lookup(transport)
			if err != nil {
				return err
			}
			l.Transport = tr
		}
		s, err := Dial(name, l)
		if err != nil {
			return err
		}
		defer s.Close()
		buf, err := Buffer(chunk)
		if err != nil {
			return err
		}
		defer unix.Munmap(buf)

		// With --verify the buffer is refilled with the pattern of its
		// stream offset before every write, so the receiver can tell each
		// chunk from every other.
		p := Pattern{Seed: streamSeed}
		var off int64
		send := func(n int) error {
			for range n {
				if b.Verify() {
					p.Fill(buf, off)
				}
				if err := WriteAll(s.Fd, buf); err != nil {
					return s.Why(err)
				}
				off += int64(chunk)
			}
			return s.Push()
		}
		warm := WarmBytes(chunk)
		if err := s.Expect(Job{Bytes: warm, Verify: b.Verify(), Pattern: p}); err != nil {
			return err
		}
		if err := send(int(warm / int64(chunk))); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
		if _, err := s.Report(); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}

		total := int64(b.N) * int64(chunk)
		start := off
		b.SetBytes(int64(chunk))
		if err := s.Begin(b, Job{Bytes: total, Offset: start, Verify: b.Verify(), Pattern: p}); err != nil {
			return err
		}
		if err := send(b.N); err != nil {
			return err
		}
		c, err := s.End(b)
		if err != nil {
			return err
		}
		if c.Bytes != total {
			return fmt.Errorf("the receiver read %d bytes, want %d", c.Bytes, total)
		}
		if b.Verify() {
			if want := StreamCRC(p, start, total); c.CRC != want {
				return fmt.Errorf("checksum of the stream: receiver %#x, sender %#x", c.CRC, want)
			}
		}
		c.ReportPerByte(b, total, kind == "tcp")
		return nil
	}
}
