package bw

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"zbench/bench"
	"zbench/internal/benchtest"
	"zbench/internal/sys"
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

// Memory bandwidth is plausible at a cache size and at a memory size.
func TestMemSmoke(t *testing.T) {
	for _, x := range run(t, peer.Transport{}, false, "bw/mem/op=copy/size=32KiB", "bw/mem/op=read/size=2MiB", "bw/mem/op=write/size=16MiB") {
		if x.Error != "" {
			t.Errorf("%s: %s", x.Name, x.Error)
			continue
		}
		if x.Median < 100e6 || x.Median > 10e12 {
			t.Errorf("%s = %.3g B/s: implausible", x.Name, x.Median)
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
		switch {
		case x.Skipped != "":
			t.Logf("%s skipped: %s", x.Name, x.Skipped)
			continue
		case x.Error != "":
			t.Errorf("%s: %s", x.Name, x.Error)
			continue
		}
		if x.Median < 1e6 || x.Median > 1e12 {
			t.Errorf("%s = %.3g B/s: implausible", x.Name, x.Median)
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
	if err := peer.VethSupported(); err != nil {
		t.Skip(bench.SkipReason(err))
	}
	pair, err := peer.SetupVeth()
	if err != nil {
		t.Fatal(err)
	}
	defer pair.Close()
	checkStreams(t, run(t, pair.Transport(), true, "bw/tcp/chunk=64KiB/transport=veth"))
}

// The sink finds a corrupted byte, says where, and the sender learns why
// its next write failed.
func TestSinkCatchesCorruption(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, kind := range []string{"pipe", "tcp"} {
		tr, _ := peer.Lookup(peer.Loopback)
		s, err := Dial("bw/"+kind+"/chunk=4KiB"+map[string]string{"pipe": "", "tcp": "/transport=loopback"}[kind],
			Link{Kind: kind, Transport: tr, CPU: -1, ReadSize: 4096})
		if err != nil {
			t.Fatal(err)
		}
		p := Pattern{Seed: 5}
		buf := make([]byte, 4096)
		if err := s.Expect(Job{Bytes: 4 * 4096, Verify: true, Pattern: p}); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			p.Fill(buf, int64(i)*4096)
			if i == 2 {
				buf[1234] ^= 0x40
			}
			if err := sys.WriteAll(s.Fd, buf); err != nil {
				break
			}
		}
		_, err = s.Report()
		if !errors.Is(err, ErrSink) || !strings.Contains(err.Error(), "stream byte 9426") {
			t.Errorf("%s: report error %v, want the sink to name stream byte 9426", kind, err)
		}
		s.Close()
	}
}
