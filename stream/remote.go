package stream

import (
	"fmt"

	"zbench/bench"
	"zbench/peer"
)

// Remote is the server side of a stream benchmark for transport (nil but
// for transport=peer): zbench serve runs SinkChild on TCP, listening on its
// own address for that client only, and relays its pipes.
func Remote(transport string) *bench.Remote {
	if transport != peer.Remote {
		return nil
	}
	return &bench.Remote{Relayed: true, Args: func(p bench.RemoteParams) ([]string, error) {
		if p.ReadSize <= 0 || p.ReadSize > MaxReadSize {
			return nil, fmt.Errorf("a stream needs a read size of 1 to %d bytes, not %d", MaxReadSize, p.ReadSize)
		}
		return SinkArgs{Kind: "tcp", CPU: p.CPU, ReadSize: p.ReadSize, Addr: p.Local, Client: p.Client}.Encode(), nil
	}}
}
