package bw

import (
	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/sys"
	"zbench/peer"
	"zbench/stream"
)

// streamSeed keys the verification pattern of bw streams.
const streamSeed = 0x6277

// streamRun measures one stream benchmark. A worker process measures one
// benchmark and calls its Run several times (calibration, warm-up,
// samples). Starting the sink, connecting and warming the connection up
// costs about 20 ms, more than a --quick sample, so the first run sets up
// and the worker's later runs reuse the sink, the connection and the
// buffers; each run is a phase of its own (job, stream, report). A failed
// run drops everything, and the sink dies with the worker.
func streamRun(name, kind string, chunk int, transport string) func(*bench.B) error {
	return stream.Reused(func(b *bench.B) (*streamState, error) {
		return newStreamState(name, kind, chunk, b.Transport(), stream.SinkCPU(b), b.Verify())
	})
}

type streamState struct {
	s      *stream.Conn
	tcp    bool
	buf    []byte
	chunk  int
	verify bool
	pat    stream.Pattern
	off    int64 // stream offset reached
}

func newStreamState(name, kind string, chunk int, tr peer.Transport, sinkCPU int, verify bool) (*streamState, error) {
	st, err := openStream(name, kind, chunk, tr, sinkCPU, verify)
	if err != nil {
		return nil, err
	}
	if err := st.warmUp(); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// openStream starts the sink, connects, and maps the sender's buffer.
// tr is the run's transport; only a tcp stream uses it.
func openStream(name, kind string, chunk int, tr peer.Transport, sinkCPU int, verify bool) (*streamState, error) {
	l := stream.Link{Kind: kind, CPU: sinkCPU, ReadSize: chunk, Transport: tr}
	s, err := stream.Dial(name, l)
	if err != nil {
		return nil, err
	}
	st := &streamState{s: s, tcp: kind == "tcp", chunk: chunk, verify: verify, pat: stream.Pattern{Seed: streamSeed}}
	if st.buf, err = stream.Buffer(chunk); err != nil {
		s.Close()
		return nil, err
	}
	return st, nil
}

// warmUp streams the start of the connection, untimed, in phases of their
// own (stream.WarmUp): the sink reads and, with --verify, checks every
// byte, so a failed warm-up, a mismatch included, fails the benchmark.
func (st *streamState) warmUp() error {
	return stream.WarmUp(st.chunk, func(n int64) error {
		if err := st.s.Expect(stream.Job{Bytes: n, Offset: st.off, Verify: st.verify, Pattern: st.pat}); err != nil {
			return err
		}
		if err := st.send(n / int64(st.chunk)); err != nil {
			return err
		}
		_, err := st.s.Report()
		return err
	})
}

// send writes n chunks. With --verify the buffer is refilled with the
// pattern of its stream offset before every write, so the receiver can
// tell each chunk from every other.
func (st *streamState) send(n int64) error {
	for range n {
		if st.verify {
			st.pat.Fill(st.buf, st.off)
		}
		if err := sys.WriteAll(st.s.Fd, st.buf); err != nil {
			return st.s.Why(err)
		}
		st.off += int64(st.chunk)
	}
	return st.s.Push()
}

func (st *streamState) Measure(b *bench.B) error {
	total, start := int64(b.N)*int64(st.chunk), st.off
	b.SetBytes(int64(st.chunk))
	job := stream.Job{Bytes: total, Offset: start, Verify: st.verify, Pattern: st.pat}
	c, err := st.s.Phase(b, job, func() error { return st.send(int64(b.N)) })
	if err != nil {
		return err
	}
	c.ReportPerByte(b, total, st.tcp)
	return nil
}

func (st *streamState) Close() {
	st.s.Close()
	if st.buf != nil {
		unix.Munmap(st.buf)
	}
}
