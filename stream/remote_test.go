package stream

import (
	"net/netip"
	"testing"

	"zbench/bench"
	"zbench/peer"
)

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
	for _, size := range []int{0, -1, MaxReadSize + 1} {
		p.ReadSize = size
		if _, err := r.Args(p); err == nil {
			t.Errorf("a remote sink with a read size of %d", size)
		}
	}
}
