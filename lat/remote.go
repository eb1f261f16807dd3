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
	if a.CPU, err = peer.ParseCPU(args[0]); err != nil {
		return a, err
	}
	a.Netns = args[1]
	if args[2] != "" {
		if a.Addr, err = peer.ParseIPv4("listening", args[2]); err != nil {
			return a, err
		}
	}
	if len(args) == 4 {
		if a.Client, err = peer.ParseIPv4("client", args[3]); err != nil {
			return a, err
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
