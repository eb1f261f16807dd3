package stream

import (
	"net/netip"
	"slices"
	"testing"

	"zbench/bench"
	"zbench/peer"
)

func TestSinkArgs(t *testing.T) {
	for _, a := range []SinkArgs{
		{Kind: "pipe", CPU: -1, ReadSize: 4096},
		{Kind: "tcp", CPU: 3, ReadSize: 1 << 20, Netns: "/run/netns/x", Addr: netip.MustParseAddr("198.18.0.2")},
		{Kind: "tcp", CPU: 0, ReadSize: 1, Addr: netip.MustParseAddr("198.18.0.2"), Client: netip.MustParseAddr("198.18.0.1")},
	} {
		got, err := ParseSinkArgs(a.Encode())
		if err != nil || got != a {
			t.Errorf("%+v: parsed back as %+v, %v", a, got, err)
		}
	}
	for _, bad := range [][]string{
		nil,
		{"tcp", "0", "4096", "", "198.18.0.2", "198.18.0.1", "extra"},
		{"udp", "0", "4096", "", "198.18.0.2"},
		{"tcp", "x", "4096", "", "198.18.0.2"},
		{"tcp", "-2", "4096", "", "198.18.0.2"},
		{"tcp", "0", "0", "", "198.18.0.2"},
		{"tcp", "0", "4611686018427387904", "", "198.18.0.2"},
		{"tcp", "0", "4096", "", ""},
		{"tcp", "0", "4096", "", "::1"},
		{"tcp", "0", "4096", "", "198.18.0.2", "not-an-address"},
		{"pipe", "0", "4096", "", "198.18.0.2", "198.18.0.1"},
	} {
		if a, err := ParseSinkArgs(bad); err == nil {
			t.Errorf("%q accepted as %+v", bad, a)
		}
	}
}

// The server side of a stream: only for transport=peer, relayed, a TCP
// sink listening on the server's address for the one client.
func TestRemote(t *testing.T) {
	if Remote(peer.Loopback) != nil || Remote(peer.Veth) != nil {
		t.Error("a local stream declares a server side")
	}
	r := Remote(peer.Remote)
	if r == nil || !r.Relayed {
		t.Fatalf("Remote(peer) = %+v", r)
	}
	p := bench.RemoteParams{CPU: 1, Local: netip.MustParseAddr("198.18.0.2"), Client: netip.MustParseAddr("198.18.0.1"), ReadSize: 65536}
	args, err := r.Args(p)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseSinkArgs(args)
	if err != nil || a.Kind != "tcp" || a.CPU != 1 || a.ReadSize != 65536 || a.Netns != "" || a.Addr != p.Local || a.Client != p.Client {
		t.Errorf("args %q parse as %+v, %v", args, a, err)
	}
	p.ReadSize = 0
	if _, err := r.Args(p); err == nil {
		t.Error("a remote sink without a read size")
	}
}

// FuzzParseSinkArgs: no arguments make the parser panic, and what it
// accepts encodes back to the same arguments.
func FuzzParseSinkArgs(f *testing.F) {
	f.Add("tcp", "0", "65536", "", "198.18.0.2", "198.18.0.1", true)
	f.Add("pipe", "-1", "4096", "", "", "", false)
	f.Add("tcp", "99999999999999999999", "1", "/run/netns/x", "1.2.3.4", "", false)
	f.Fuzz(func(t *testing.T, kind, cpu, size, netns, addr, client string, withClient bool) {
		args := []string{kind, cpu, size, netns, addr}
		if withClient {
			args = append(args, client)
		}
		a, err := ParseSinkArgs(args)
		if err != nil {
			return
		}
		if a.ReadSize <= 0 || a.ReadSize > maxSinkRead || a.CPU < -1 {
			t.Fatalf("%q accepted out of bounds: %+v", args, a)
		}
		b, err := ParseSinkArgs(a.Encode())
		if err != nil || b != a {
			t.Fatalf("%q → %+v → %q → %+v, %v", args, a, a.Encode(), b, err)
		}
	})
}

// FuzzDecodeJob: a job is what a client sends the sink, through zbench
// serve's relay. No message makes the decoder panic, and a job it accepts
// holds what the sink relies on.
func FuzzDecodeJob(f *testing.F) {
	var m [msgSize]byte
	for _, j := range []Job{
		{Bytes: 1 << 20},
		{Bytes: 4096, Offset: 8192, Verify: true, Pattern: Pattern{Seed: 7, Period: 4096}},
		{Responses: 10, Header: 64, File: 4096, FirstSeq: 3},
		{Responses: 1, Header: 1 << 62, File: 1 << 62},
	} {
		j.encode(&m)
		f.Add(m[:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m [msgSize]byte
		copy(m[:], b)
		j, err := decodeJob(&m)
		if err != nil {
			return
		}
		if j.Bytes < 0 || j.Offset < 0 || j.Responses < 0 || j.Header < 0 || j.File < 0 || j.Pattern.Period < 0 || j.Pattern.Period%8 != 0 {
			t.Fatalf("accepted %+v", j)
		}
		if j.Responses > 0 && j.Header < 8 {
			t.Fatalf("accepted a response header of %d bytes", j.Header)
		}
		var m2 [msgSize]byte
		j.encode(&m2)
		if j2, err := decodeJob(&m2); err != nil || !slices.Equal(m2[:72], encoded(j2)) {
			t.Fatalf("%+v does not encode and decode to itself: %+v, %v", j, j2, err)
		}
	})
}

func encoded(j Job) []byte {
	var m [msgSize]byte
	j.encode(&m)
	return m[:72]
}
