package stream

import (
	"fmt"
	"net/netip"
	"strconv"

	"zbench/bench"
	"zbench/peer"
)

// SinkArgs are the sink helper's arguments, one type with one encoding for a
// local stream (Dial) and a remote end (Remote).
type SinkArgs struct {
	Kind     string // "pipe", "unix" or "tcp"
	CPU      int    // the sink's CPU; -1 leaves it to the scheduler
	ReadSize int    // its read(2) buffer
	// For tcp: the network namespace to listen in ("": this one), the
	// address, and, under zbench serve, the only client address served.
	Netns  string
	Addr   netip.Addr
	Client netip.Addr
}

// maxSinkRead bounds the sink's read buffer: far above every chunk a
// benchmark reads with, and below what a helper could not allocate.
const maxSinkRead = 1 << 30

// Encode is KIND CPU READSIZE NETNS ADDR [CLIENT].
func (a SinkArgs) Encode() []string {
	args := []string{a.Kind, strconv.Itoa(a.CPU), strconv.Itoa(a.ReadSize), a.Netns, addrString(a.Addr)}
	if a.Client.IsValid() {
		args = append(args, a.Client.String())
	}
	return args
}

// ParseSinkArgs is Encode's inverse, refusing what no stream asks for.
func ParseSinkArgs(args []string) (SinkArgs, error) {
	if len(args) != 5 && len(args) != 6 {
		return SinkArgs{}, fmt.Errorf("want KIND CPU READSIZE NETNS ADDR [CLIENT], got %q", args)
	}
	a := SinkArgs{Kind: args[0], Netns: args[3]}
	var err error
	if a.CPU, err = strconv.Atoi(args[1]); err != nil || a.CPU < -1 {
		return SinkArgs{}, fmt.Errorf("bad CPU %q", args[1])
	}
	if a.ReadSize, err = strconv.Atoi(args[2]); err != nil || a.ReadSize <= 0 || a.ReadSize > maxSinkRead {
		return SinkArgs{}, fmt.Errorf("bad read size %q (1 to %d)", args[2], maxSinkRead)
	}
	switch a.Kind {
	case "pipe", "unix":
		if len(args) != 5 {
			return SinkArgs{}, fmt.Errorf("a %s sink serves no client address: %q", a.Kind, args)
		}
		return SinkArgs{Kind: a.Kind, CPU: a.CPU, ReadSize: a.ReadSize}, nil // no socket: no address
	case "tcp":
	default:
		return SinkArgs{}, fmt.Errorf("unknown stream kind %q", a.Kind)
	}
	if a.Addr, err = netip.ParseAddr(args[4]); err != nil || !a.Addr.Is4() {
		return SinkArgs{}, fmt.Errorf("bad listening address %q", args[4])
	}
	if len(args) == 6 {
		if a.Client, err = netip.ParseAddr(args[5]); err != nil || !a.Client.Is4() {
			return SinkArgs{}, fmt.Errorf("bad client address %q", args[5])
		}
	}
	return a, nil
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// Remote is the server side of a stream benchmark for transport (nil but
// for transport=peer): zbench serve runs SinkChild on TCP, listening on its
// own address for that client only, and relays its pipes.
func Remote(transport string) *bench.Remote {
	if transport != peer.Remote {
		return nil
	}
	return &bench.Remote{Relayed: true, Args: func(p bench.RemoteParams) ([]string, error) {
		if p.ReadSize <= 0 || p.ReadSize > maxSinkRead {
			return nil, fmt.Errorf("a stream needs a read size of 1 to %d bytes, not %d", maxSinkRead, p.ReadSize)
		}
		return SinkArgs{Kind: "tcp", CPU: p.CPU, ReadSize: p.ReadSize, Addr: p.Local, Client: p.Client}.Encode(), nil
	}}
}
