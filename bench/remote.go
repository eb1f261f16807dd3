package bench

import "net/netip"

// Remote declares a benchmark's server side: how `zbench serve` runs its
// helper (Spec.Child) for a client on another host. Only benchmarks that
// declare one are served, and the server chooses every argument but the
// read size, which it bounds.
type Remote struct {
	// Relayed says the helper talks to its worker over a request pipe (fd
	// 3) and a report pipe (fd 4), which the serve session carries (stream
	// sinks, which send their port on the report pipe). Otherwise the
	// helper writes its data port on fd 3 (peer.WriteReady).
	Relayed bool
	// Args are the helper's arguments for one remote end.
	Args func(RemoteParams) ([]string, error)
}

// RemoteParams are what the server decides for one remote end.
type RemoteParams struct {
	// CPU is the helper's CPU (-1: unpinned), chosen by the server.
	CPU int
	// Local is the server's address the data port listens on: the one the
	// client's control connection arrived on.
	Local netip.Addr
	// Client is the only address the data port may serve.
	Client netip.Addr
	// ReadSize is the receive buffer a stream client asked for, bounded by
	// the control protocol; 0 for others.
	ReadSize int
}
