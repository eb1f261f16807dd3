package lat

import (
	"net/netip"
	"testing"

	"zbench/bench"
	"zbench/peer"
)

func TestEchoArgs(t *testing.T) {
	for _, a := range []echoArgs{
		{CPU: -1},
		{CPU: 2, Netns: "/run/netns/zbench-1-s", Addr: netip.MustParseAddr("198.18.0.2")},
		{CPU: 0, Addr: netip.MustParseAddr("198.18.0.2"), Client: netip.MustParseAddr("198.18.0.1")},
	} {
		got, err := parseEchoArgs(a.encode())
		if err != nil || got != a {
			t.Errorf("%+v: parsed back as %+v, %v", a, got, err)
		}
	}
	for _, bad := range [][]string{
		nil,
		{"x", "", ""},
		{"-2", "", ""},
		{"65536", "", ""},
		{"0", "", "::1"},
		{"0", "", "198.18.0.2", "not-an-address"},
		{"0", "", "198.18.0.2", "198.18.0.1", "extra"},
	} {
		if a, err := parseEchoArgs(bad); err == nil {
			t.Errorf("%q accepted as %+v", bad, a)
		}
	}
}

// The server side of a round trip: only for transport=peer, the helper
// listening on the server's address for the one client.
func TestRTTRemote(t *testing.T) {
	if rttRemote(peer.Loopback) != nil || rttRemote(peer.Veth) != nil {
		t.Error("a local round trip declares a server side")
	}
	r := rttRemote(peer.Remote)
	if r == nil || r.Relayed {
		t.Fatalf("rttRemote(peer) = %+v", r)
	}
	p := bench.RemoteParams{CPU: 1, Local: netip.MustParseAddr("198.18.0.2"), Client: netip.MustParseAddr("198.18.0.1")}
	args, err := r.Args(p)
	if err != nil {
		t.Fatal(err)
	}
	a, err := parseEchoArgs(args)
	if err != nil || a != (echoArgs{CPU: 1, Addr: p.Local, Client: p.Client}) {
		t.Errorf("args %q parse as %+v, %v", args, a, err)
	}
}

// FuzzParseEchoArgs: no arguments make the parser panic, and what it
// accepts encodes back to itself.
func FuzzParseEchoArgs(f *testing.F) {
	f.Add("1", "", "198.18.0.2", "198.18.0.1", true)
	f.Add("-1", "/run/netns/x", "", "", false)
	f.Add("99999999999999999999", "", "1.2.3.4", "", false)
	f.Fuzz(func(t *testing.T, cpu, netns, addr, client string, withClient bool) {
		args := []string{cpu, netns, addr}
		if withClient {
			args = append(args, client)
		}
		a, err := parseEchoArgs(args)
		if err != nil {
			return
		}
		if a.CPU < -1 || a.CPU >= peer.MaxCPU || (a.Addr.IsValid() && !a.Addr.Is4()) || (a.Client.IsValid() && !a.Client.Is4()) {
			t.Fatalf("%q accepted out of bounds: %+v", args, a)
		}
		b, err := parseEchoArgs(a.encode())
		if err != nil || b != a {
			t.Fatalf("%q → %+v → %q → %+v, %v", args, a, a.encode(), b, err)
		}
	})
}
