package main

import (
	"net/netip"
	"strconv"
	"testing"

	"zbench/bench"
	"zbench/name"
	"zbench/stream"
)

// Every benchmark declared for transport=peer has a server side, and no
// other benchmark does.
func TestRemoteEndsDeclared(t *testing.T) {
	n := 0
	for _, s := range registry() {
		peerSpec := name.Parse(s.Name).Transport() == name.Peer
		if peerSpec != (s.Remote != nil) {
			t.Errorf("%s: transport=peer %v, server side declared %v", s.Name, peerSpec, s.Remote != nil)
		}
		if peerSpec {
			n++
			if remoteSpec(s.Name) == nil {
				t.Errorf("%s: not served", s.Name)
			}
		}
	}
	if n == 0 {
		t.Fatal("no transport=peer benchmarks")
	}
}

// FuzzRemoteArgs: what a client sends to start a remote end (a benchmark
// name and a read size) reaches a helper only for a declared transport=peer
// benchmark, and only as arguments its helper parses back to what the
// server decided.
func FuzzRemoteArgs(f *testing.F) {
	f.Add("lat/tcp/size=1B/cpu=same/transport=peer", 0)
	f.Add("bw/tcp/chunk=64KiB/transport=peer", 65536)
	f.Add("zerocopy/send/method=msg_zerocopy/size=64KiB/transport=peer", 1<<24)
	f.Add("bw/tcp/chunk=64KiB/transport=loopback", 65536)
	f.Add("bw/mem/op=copy/size=4KiB", 0)
	f.Add("lat/tcp/size=1B/cpu=same/transport=peer/../../x", -1)
	local, client := netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.1")
	f.Fuzz(func(t *testing.T, bench_ string, readSize int) {
		spec := remoteSpec(bench_)
		if spec == nil {
			return
		}
		if spec.Name != bench_ || name.Parse(bench_).Transport() != name.Peer || spec.Child == nil {
			t.Fatalf("%q served as %q", bench_, spec.Name)
		}
		p := bench.RemoteParams{CPU: 1, Local: local, Client: client, ReadSize: readSize}
		args, err := spec.Remote.Args(p)
		if err != nil {
			return
		}
		if spec.Remote.Relayed {
			a, err := stream.ParseSinkArgs(args)
			if err != nil || a.Kind != "tcp" || a.CPU != 1 || a.ReadSize != readSize || a.Addr != local || a.Client != client {
				t.Fatalf("%s, read size %d: sink args %q parse as %+v, %v", bench_, readSize, args, a, err)
			}
			return
		}
		if len(args) != 4 || args[0] != strconv.Itoa(1) || args[1] != "" || args[2] != local.String() || args[3] != client.String() {
			t.Fatalf("%s: echo args %q", bench_, args)
		}
	})
}
