package lat

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"zbench/bench"
	"zbench/internal/benchtest"
	"zbench/peer"
)

// The test binary is zbench for this family: worker and helper processes
// re-execute it.
func TestMain(m *testing.M) { benchtest.Main(m, Specs) }

func runSpecs(t *testing.T, tr peer.Transport, names ...string) map[string]float64 {
	t.Helper()
	res := benchtest.Run(t, Specs(), benchtest.Options{Count: 2, Transport: tr, WorkerTimeout: 30 * time.Second}, names...)
	out := map[string]float64{}
	for _, x := range res {
		if benchtest.Measured(t, x) {
			out[x.Name] = x.Median
			for _, p := range []string{"p50-ns", "p99-ns"} {
				if x.Metrics[p] <= 0 {
					t.Errorf("%s: no %s percentile", x.Name, p)
				}
			}
			if x.Metrics["p50-ns"] > x.Metrics["p99-ns"] {
				t.Errorf("%s: p50 %v > p99 %v", x.Name, x.Metrics["p50-ns"], x.Metrics["p99-ns"])
			}
		}
	}
	return out
}

// Every round-trip kind, placement and the largest sizes complete with their
// echoes verified, and report a finite, positive time per round trip.
func TestRoundTrips(t *testing.T) {
	names := []string{
		"lat/pipe/size=1B/cpu=same", "lat/pipe/size=64KiB/cpu=spread", "lat/pipe/size=1B/cpu=free",
		"lat/unix/size=1B/cpu=same", "lat/unix/size=64KiB/cpu=same",
		"lat/tcp/size=1B/cpu=same/transport=loopback", "lat/tcp/size=64KiB/cpu=spread/transport=loopback",
		"lat/udp/size=1B/cpu=same/transport=loopback", "lat/udp/size=63KiB/cpu=same/transport=loopback",
		"lat/tcp/connect/cpu=same/transport=loopback",
	}
	got := runSpecs(t, peer.Transport{}, names...)
	for name, ns := range got {
		if math.IsNaN(ns) || math.IsInf(ns, 0) || ns <= 0 {
			t.Errorf("%s = %v ns: not a time", name, ns)
		}
	}
	if len(got) == 0 {
		t.Error("no round trip measured")
	}
}

// The namespace transports: set up here (as the command does), every
// network kind across each, and nothing left behind.
func TestRoundTripsNamespaces(t *testing.T) {
	type namespaces interface {
		Transport() peer.Transport
		Names() []string
		Close() error
	}
	for _, tc := range []struct {
		transport string
		supported func() error
		setup     func() (namespaces, error)
	}{
		{peer.Veth, peer.VethSupported, func() (namespaces, error) { return peer.SetupVeth() }},
		{peer.NetnsLoop, peer.LoopNamespaceSupported, func() (namespaces, error) { return peer.SetupLoopNamespace() }},
	} {
		t.Run(tc.transport, func(t *testing.T) {
			if err := tc.supported(); err != nil {
				t.Skip(bench.SkipReason(err))
			}
			ns, err := tc.setup()
			if err != nil {
				t.Fatal(err)
			}
			defer ns.Close()
			runSpecs(t, ns.Transport(),
				"lat/tcp/size=1B/cpu=same/transport="+tc.transport, "lat/udp/size=16KiB/cpu=spread/transport="+tc.transport,
				"lat/tcp/connect/cpu=free/transport="+tc.transport)
			if err := ns.Close(); err != nil {
				t.Fatal(err)
			}
			for _, n := range ns.Names() {
				if _, err := os.Stat("/run/netns/" + n); !os.IsNotExist(err) {
					t.Errorf("namespace %s left behind", n)
				}
			}
		})
	}
}

func TestRoundTripNames(t *testing.T) {
	n := 0
	for _, s := range Specs() {
		if !strings.HasPrefix(s.Name, "lat/syscall") {
			n++
			if s.Child == nil {
				t.Errorf("%s has no helper process", s.Name)
			}
		}
	}
	// 5 sizes × 3 placements × (pipe + unix + each transport × (tcp + udp)),
	// plus connect on 3 placements × each transport.
	tr := len(peer.AllTransports)
	if want := 5*3*(2+tr*2) + 3*tr; n != want {
		t.Errorf("%d round-trip benchmarks, want %d", n, want)
	}
}
