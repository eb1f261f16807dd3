package bw

import (
	"runtime"
	"strings"
	"testing"

	"zbench/internal/benchtest"
	"zbench/peer"
	"zbench/results"
)

// The test binary is zbench for this family: worker and helper processes
// re-execute it.
func TestMain(m *testing.M) { benchtest.Main(m, Specs) }

func run(t *testing.T, tr peer.Transport, verify bool, names ...string) []results.Result {
	t.Helper()
	return benchtest.Run(t, Specs(), benchtest.Options{Transport: tr, Verify: verify}, names...)
}

// Memory bandwidth is a positive rate, below any machine's, at a cache size and at a memory size
// (a lower bound would be a timed assertion: a loaded machine is slow).
func TestMemSmoke(t *testing.T) {
	for _, x := range run(t, peer.Transport{}, false, "bw/mem/op=copy/size=32KiB", "bw/mem/op=read/size=2MiB", "bw/mem/op=write/size=16MiB") {
		if x.Error != "" {
			t.Errorf("%s: %s", x.Name, x.Error)
			continue
		}
		if !(x.Median > 0) || x.Median > 10e12 {
			t.Errorf("%s = %.3g B/s: not a positive rate below the physical bound (a load can slow a sample, never make it faster than the machine)", x.Name, x.Median)
		}
	}
}

// Every stream kind moves verified bytes, and reports both sides' CPU.
func TestStreams(t *testing.T) {
	names := []string{"bw/pipe/chunk=4KiB", "bw/pipe/chunk=1MiB", "bw/unix/chunk=64KiB",
		"bw/tcp/chunk=4KiB/transport=loopback", "bw/tcp/chunk=1MiB/transport=loopback"}
	checkStreams(t, run(t, peer.Transport{}, true, names...))
}

func checkStreams(t *testing.T, res []results.Result) {
	t.Helper()
	for _, x := range res {
		if !benchtest.Measured(t, x) {
			continue
		}
		if !(x.Median > 0) || x.Median > 1e12 {
			t.Errorf("%s = %.3g B/s: not a positive rate below the physical bound (a load can slow a sample, never make it faster than the machine)", x.Name, x.Median)
		}
		if x.Metrics["sender-cpu-ns/B"] <= 0 || x.Metrics["receiver-cpu-ns/B"] <= 0 {
			t.Errorf("%s: CPU per byte missing: %v", x.Name, x.Metrics)
		}
		if _, ok := x.Metrics["retransmits"]; ok != strings.HasPrefix(x.Name, "bw/tcp") {
			t.Errorf("%s: retransmits metric present = %v", x.Name, ok)
		}
	}
}

func TestStreamsVeth(t *testing.T) {
	pair := benchtest.Veth(t)
	checkStreams(t, run(t, pair.Transport(), true, "bw/tcp/chunk=64KiB/transport=veth"))
}

// A warm-up that fails is the benchmark's error, not dropped (a shadowed
// err once dropped it): here the sink is gone before the warm-up.
func TestWarmUpErrors(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	st, err := openStream("bw/pipe/chunk=4KiB", "pipe", 4096, peer.Transport{}, -1, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.warmUp(); err != nil {
		t.Fatalf("warm-up of a sound stream: %v", err)
	}
	st.s.Close()
	if err := st.warmUp(); err == nil || !strings.Contains(err.Error(), "warm-up") {
		t.Errorf("warm-up with the receiver gone: %v, want a warm-up error", err)
	}
	st.Close()
}
