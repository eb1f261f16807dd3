package lat

import (
	"fmt"
	"net/netip"
	"strconv"

	"zbench/bench"
	"zbench/peer"
)

// echoArgs are the round-trip helper's arguments, one type with one
// encoding for a local run (dial) and a remote end (rttRemote): CPU NETNS
// ADDR [CLIENT].
type echoArgs struct {
	CPU   int    // -1: not pinned
	Netns string // tcp, udp, connect: the namespace to listen in ("": this one)
	Addr  netip.Addr
	// Client, under zbench serve, is the only address served.
	Client netip.Addr
}

// maxCPU bounds a CPU number in the arguments.
const maxCPU = 1 << 16

func (a echoArgs) encode() []string {
	args := []string{strconv.Itoa(a.CPU), a.Netns, peer.FormatAddr(a.Addr)}
	if a.Client.IsValid() {
		args = append(args, a.Client.String())
	}
	return args
}

// parseEchoArgs reads encode's arguments. ADDR may be empty (pipe and unix
// listen nowhere); the addresses given are IPv4.
func parseEchoArgs(args []string) (echoArgs, error) {
	var a echoArgs
	if len(args) != 3 && len(args) != 4 {
		return a, fmt.Errorf("want CPU NETNS ADDR [CLIENT], got %q", args)
	}
	var err error
	if a.CPU, err = strconv.Atoi(args[0]); err != nil || a.CPU < -1 || a.CPU >= maxCPU {
		return a, fmt.Errorf("bad CPU %q: want -1 (not pinned) or 0 … %d", args[0], maxCPU-1)
	}
	a.Netns = args[1]
	if args[2] != "" {
		if a.Addr, err = netip.ParseAddr(args[2]); err != nil || !a.Addr.Is4() {
			return a, fmt.Errorf("bad listening address %q: want an IPv4 address", args[2])
		}
	}
	if len(args) == 4 {
		if a.Client, err = netip.ParseAddr(args[3]); err != nil || !a.Client.Is4() {
			return a, fmt.Errorf("bad client address %q: want an IPv4 address", args[3])
		}
	}
	return a, nil
}

// rttRemote is the server side of a transport=peer round trip (nil for
// other transports): the same helper, listening on the server's address for
// that client only.
func rttRemote(transport string) *bench.Remote {
	if transport != peer.Remote {
		return nil
	}
	return &bench.Remote{Args: func(p bench.RemoteParams) ([]string, error) {
		return echoArgs{CPU: p.CPU, Addr: p.Local, Client: p.Client}.encode(), nil
	}}
}
