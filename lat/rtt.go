package lat

import (
	"fmt"

	"zbench/bench"
	"zbench/internal/sys"
	"zbench/name"
	"zbench/peer"
)

// Round trips: request/response ping-pong between the measuring thread and
// a helper process, over a pipe pair, an AF_UNIX stream socket, TCP or UDP.

var (
	rttSizes = []int64{1, 64, 1 << 10, 16 << 10, 64 << 10}
	// UDP stops at 63 KiB: a datagram carries at most 65,507 bytes of data.
	udpSizes = []int64{1, 64, 1 << 10, 16 << 10, 63 << 10}
)

type rttKind struct {
	name    string
	sizes   []int64
	network bool // has a transport dimension
	what    string
}

var rttKinds = []rttKind{
	{"pipe", rttSizes, false, "over a pair of pipes"},
	{"unix", rttSizes, false, "over an AF_UNIX stream socket pair"},
	{"tcp", rttSizes, true, "over a TCP connection (TCP_NODELAY)"},
	{"udp", udpSizes, true, "as UDP datagrams on a connected socket"},
}

// placementDoc says what cpu= means for a round trip.
var placementDoc = map[name.Placement]string{
	name.Same:   "both ends pinned to one CPU: every hand-off is a context switch on that CPU",
	name.Spread: "the ends pinned to two different CPUs: every hand-off wakes the other CPU",
	name.Free:   "nothing pinned: the scheduler places both ends, as for unpinned tools",
}

// remoteDoc replaces the placement on transport=peer: the ends are on two
// hosts, so cpu= is this host's measuring thread only.
const remoteDoc = "over the wire to a zbench serve, which runs the helper; cpu= places this host's end only (same and spread pin it, free does not), the server pins its helper for same and spread"

// rttDefault marks the headline round trips of the default suite: 1-byte
// messages, same CPU against spread for pipes and TCP. (ctxsw's cpu=free ring
// shows the unpinned flip; `zbench run lat` has every size and placement.)
func rttDefault(kind string, size int64, cpu name.Placement) bool {
	switch kind {
	case "pipe", "tcp":
		return size == 1 && cpu != name.Free
	}
	return size == 1 && cpu == name.Same
}

func rttSpecs() []bench.Spec {
	var specs []bench.Spec
	for _, k := range rttKinds {
		transports := []string{""}
		if k.network {
			transports = peer.AllTransports
		}
		for _, tr := range transports {
			for _, size := range k.sizes {
				for _, cpu := range name.Placements {
					full := fmt.Sprintf("lat/%s/size=%s/cpu=%s", k.name, name.FormatSize(size), cpu)
					if tr != "" {
						full += "/transport=" + tr
					}
					where := placementDoc[cpu]
					if tr == peer.Remote {
						where = remoteDoc
					}
					specs = append(specs, bench.Spec{
						Name: full,
						Doc: fmt.Sprintf("round trip of a %s message %s to a helper process that echoes it; %s. "+
							"One op is one round trip (request out, response back), timed per op for percentiles "+
							"(metrics p50-ns … p99.9-ns).", name.FormatSize(size), k.what, where),
						Default:  rttDefault(k.name, size, cpu),
						Pin:      cpu != name.Free,
						Requires: placementRequires(cpu, tr),
						Run:      rttRun(full, k.name, size, cpu, tr),
						Child:    rttChild(k.name, size),
						Remote:   rttRemote(tr),
					})
				}
			}
		}
	}
	for _, tr := range peer.AllTransports {
		for _, cpu := range name.Placements {
			full := fmt.Sprintf("lat/tcp/connect/cpu=%s/transport=%s", cpu, tr)
			where := placementDoc[cpu]
			if tr == peer.Remote {
				where = remoteDoc
			}
			specs = append(specs, bench.Spec{
				Name: full,
				Doc: "TCP connection set-up and tear-down (LMbench lat_connect): socket, connect and close on the " +
					"client while a helper process accepts and closes; " + where + ". One op is one connection.",
				Default:  cpu == "same",
				Pin:      cpu != name.Free,
				Requires: placementRequires(cpu, tr),
				Run:      rttRun(full, "connect", 0, cpu, tr),
				Child:    rttChild("connect", 0),
				Remote:   rttRemote(tr),
			})
		}
	}
	return specs
}

func placementRequires(cpu name.Placement, transport string) []func() error {
	var reqs []func() error
	if cpu == name.Spread {
		reqs = append(reqs, sys.NeedTwoCPUs)
	}
	reqs = append(reqs, peer.Requires(transport)...)
	return reqs
}
