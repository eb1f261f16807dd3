package stream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"zbench/peer"
)

// The sink is the receiving end of every stream benchmark in bw and
// zerocopy: a helper process that reads the stream with read(2) into a
// buffer of its own and does nothing else, so that only the sending side
// varies between methods. The measuring thread drives it over two pipes:
// a job (what the next phase of the stream is) goes down the control pipe
// before the sender's timer starts; the sink reads exactly that much, and
// sends back a report (bytes read, its own thread's CPU time over the
// phase, the checksum of what it read, or what went wrong). The sender stops
// its timer only when the report is in, so the time covers every byte's
// arrival in the receiver's buffer, not only its departure.

// Job describes one phase of the stream to the sink.
type Job struct {
	// Bytes of one-way stream to read, starting at stream offset Offset
	// (stream mode, Responses == 0).
	Bytes, Offset int64
	// Responses > 0 selects request/response mode: that many times, the
	// sink writes a one-byte request and reads exactly Header+File bytes.
	// The first 8 bytes of response i carry FirstSeq+i.
	Responses, Header, File, FirstSeq int64
	// Verify asks the sink to check every byte against Pattern (stream
	// mode: the stream's; response mode: the file's) and the header
	// pattern, and to keep the running checksum.
	Verify  bool
	Pattern Pattern
}

// Report is the sink's account of one phase.
type Report struct {
	Bytes int64 // stream bytes read in the phase
	// CPU is the sink's reading thread's CPU time (user+system) from the
	// job's arrival to the last byte of the phase.
	CPU time.Duration
	CRC uint64 // checksum of the bytes read (with Verify)
	Err string // what went wrong, when the sink failed
}

// Messages on the pipes have one fixed size, below PIPE_BUF, so each is
// written and read whole.
const msgSize = 256

const (
	statusOK = iota
	statusFailed
	statusHello // the TCP sink's listening port, in Bytes
)

func (j Job) encode(m *[msgSize]byte) {
	le := binary.LittleEndian
	for i, v := range []int64{j.Bytes, j.Offset, j.Responses, j.Header, j.File, j.FirstSeq, int64(j.Pattern.Seed), j.Pattern.Period} {
		le.PutUint64(m[8*i:], uint64(v))
	}
	m[64] = 0
	if j.Verify {
		m[64] = 1
	}
}

// MaxReadSize bounds the sink's read buffer, the one allocation a client
// sizes: the serve protocol's bound on the read size a remote client may
// ask for, and the sink's own, whatever starts it.
const MaxReadSize = peer.MaxReadSize

// decodeJob reads a job the sender wrote and refuses, with a message, any
// the sink cannot carry out within its means: negative or overflowing sizes
// and counts, a response larger than the sink's read buffer of bufSize
// bytes (the sink never allocates for a job), a header that cannot carry the
// response number, a pattern period that is not whole words, or fields of
// the other mode.
func decodeJob(m *[msgSize]byte, bufSize int) (Job, error) {
	le := binary.LittleEndian
	v := func(i int) int64 { return int64(le.Uint64(m[8*i:])) }
	j := Job{Bytes: v(0), Offset: v(1), Responses: v(2), Header: v(3), File: v(4), FirstSeq: v(5),
		Pattern: Pattern{Seed: uint64(v(6)), Period: v(7)}, Verify: m[64] == 1}
	switch {
	case j.Bytes < 0 || j.Offset < 0 || j.Responses < 0 || j.Header < 0 || j.File < 0 || j.FirstSeq < 0 || j.Pattern.Period < 0:
		return j, fmt.Errorf("bad job: a negative size, offset or count in %+v", j)
	case m[64] > 1:
		return j, fmt.Errorf("bad job: verify flag %d", m[64])
	case j.Pattern.Period%8 != 0:
		return j, fmt.Errorf("bad job: pattern period %d is not a multiple of 8", j.Pattern.Period)
	case j.Responses == 0 && (j.Header != 0 || j.File != 0 || j.FirstSeq != 0):
		return j, fmt.Errorf("bad job: a stream job with a response's header %d, file %d or number %d", j.Header, j.File, j.FirstSeq)
	case j.Responses == 0 && j.Bytes > math.MaxInt64-j.Offset:
		return j, fmt.Errorf("bad job: %d bytes from stream offset %d overflow the offset", j.Bytes, j.Offset)
	case j.Responses == 0:
		return j, nil
	case j.Bytes != 0 || j.Offset != 0:
		return j, fmt.Errorf("bad job: a response job with stream bytes %d at offset %d", j.Bytes, j.Offset)
	case j.Header < 8:
		return j, fmt.Errorf("bad job: a %d-byte header cannot carry the response number", j.Header)
	case j.Header > int64(bufSize) || j.File > int64(bufSize) || j.Header+j.File > int64(bufSize):
		return j, fmt.Errorf("bad job: a response of a %d-byte header and a %d-byte file does not fit the receiver's "+
			"%d-byte buffer", j.Header, j.File, bufSize)
	case j.Responses > math.MaxInt64-j.FirstSeq:
		return j, fmt.Errorf("bad job: %d responses from number %d overflow the number", j.Responses, j.FirstSeq)
	case j.Responses > math.MaxInt64/(j.Header+j.File):
		return j, fmt.Errorf("bad job: %d responses of %d bytes overflow the byte count", j.Responses, j.Header+j.File)
	}
	return j, nil
}

func (r Report) encode(m *[msgSize]byte, status uint64) {
	le := binary.LittleEndian
	le.PutUint64(m[0:], status)
	le.PutUint64(m[8:], uint64(r.Bytes))
	le.PutUint64(m[16:], uint64(r.CPU))
	le.PutUint64(m[24:], r.CRC)
	n := copy(m[34:], r.Err)
	le.PutUint16(m[32:], uint16(n))
}

func decodeReport(m *[msgSize]byte) (r Report, status uint64) {
	le := binary.LittleEndian
	r = Report{Bytes: int64(le.Uint64(m[8:])), CPU: time.Duration(le.Uint64(m[16:])), CRC: le.Uint64(m[24:])}
	n := min(int(le.Uint16(m[32:])), msgSize-34)
	r.Err = string(m[34 : 34+n])
	return r, le.Uint64(m[0:])
}

// ErrSink marks a failure the sink found and reported (a verification
// mismatch, a short stream).
var ErrSink = errors.New("receiver")

// The header of a response: its number in the first 8 bytes, then a
// pattern of its own, so that a header sent twice, cut short or mixed
// with the file is found.
var headerPattern = Pattern{Seed: 0x4845414445520000}

// FillHeader writes the header of response seq into h.
func FillHeader(h []byte, seq int64) {
	binary.LittleEndian.PutUint64(h, uint64(seq))
	headerPattern.Fill(h[8:], 8)
}

// checkResponse checks one response: header of response seq, then the
// file (pattern file, from its start).
func checkResponse(resp []byte, header int64, seq int64, file Pattern) error {
	if got := int64(binary.LittleEndian.Uint64(resp)); got != seq {
		return fmt.Errorf("response %d carries number %d", seq, got)
	}
	if bad := headerPattern.Check(resp[8:header], 8); bad >= 0 {
		return fmt.Errorf("response %d: header byte %d is wrong", seq, bad)
	}
	if bad := file.Check(resp[header:], 0); bad >= 0 {
		return fmt.Errorf("response %d: file byte %d is %#02x, not the file's", seq, bad, resp[header+bad])
	}
	return nil
}

// ResponsesCRC is the checksum of n responses from number first: what the
// sender meant to send.
func ResponsesCRC(header, file int64, first, n int64, fp Pattern) uint64 {
	resp := make([]byte, header+file)
	fp.Fill(resp[header:], 0)
	var crc uint64
	for i := range n {
		FillHeader(resp[:header], first+i)
		crc = updateCRC(crc, resp)
	}
	return crc
}

// SinkArgs are the sink helper's arguments, one type with one encoding for
// a local stream (Dial) and a remote end (Remote): KIND CPU READSIZE NETNS
// ADDR [CLIENT].
type SinkArgs struct {
	Kind     string // "pipe", "unix" or "tcp"
	CPU      int    // -1: not pinned
	ReadSize int    // the read buffer: 1 … MaxReadSize bytes
	// For tcp: the network namespace to listen in ("": this one), the
	// address, and, under zbench serve, the only client address served.
	Netns  string
	Addr   netip.Addr
	Client netip.Addr
}

// Encode writes the arguments as ParseSinkArgs reads them.
func (a SinkArgs) Encode() []string {
	args := []string{a.Kind, strconv.Itoa(a.CPU), strconv.Itoa(a.ReadSize), a.Netns, peer.FormatAddr(a.Addr)}
	if a.Client.IsValid() {
		args = append(args, a.Client.String())
	}
	return args
}

// ParseSinkArgs reads and bounds the sink's arguments: whoever starts it
// (a worker, or zbench serve for a remote client), the sink allocates no
// more than MaxReadSize and listens only on an IPv4 address it was given.
func ParseSinkArgs(args []string) (SinkArgs, error) {
	var a SinkArgs
	if len(args) != 5 && len(args) != 6 {
		return a, fmt.Errorf("want KIND CPU READSIZE NETNS ADDR [CLIENT], got %d arguments", len(args))
	}
	a.Kind, a.Netns = args[0], args[3]
	var err error
	switch a.Kind {
	case "pipe", "unix", "tcp":
	default:
		return a, fmt.Errorf("unknown stream kind %q", a.Kind)
	}
	if a.CPU, err = peer.ParseCPU(args[1]); err != nil {
		return a, err
	}
	if a.ReadSize, err = strconv.Atoi(args[2]); err != nil || a.ReadSize <= 0 || a.ReadSize > MaxReadSize {
		return a, fmt.Errorf("bad read size %q: want 1 … %d bytes", args[2], MaxReadSize)
	}
	if a.Kind != "tcp" {
		if a.Netns != "" || args[4] != "" || len(args) == 6 {
			return a, fmt.Errorf("a %s stream takes no network namespace or address, got %q", a.Kind, args[3:])
		}
		return a, nil
	}
	if a.Netns != "" && !strings.HasPrefix(a.Netns, "/") {
		return a, fmt.Errorf("network namespace %q: want an absolute path", a.Netns)
	}
	if a.Addr, err = peer.ParseIPv4("listening", args[4]); err != nil {
		return a, err
	}
	if len(args) == 6 {
		if a.Client, err = peer.ParseIPv4("client", args[5]); err != nil {
			return a, err
		}
	}
	return a, nil
}
