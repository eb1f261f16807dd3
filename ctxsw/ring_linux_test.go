package ctxsw

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/benchtest"
	"zbench/internal/sys"
)

// The test binary doubles as zbench: the runner re-executes it as a worker,
// and rings re-execute it as their helper processes.
func TestMain(m *testing.M) { benchtest.Main(m, Specs) }

func spec(t *testing.T, name string) bench.Spec {
	t.Helper()
	specs, err := bench.Named(Specs(), name)
	if err != nil {
		t.Fatal(err)
	}
	return specs[0]
}

// TestDefaultSuite runs every benchmark of the default suite through the
// real worker path at a tiny budget and checks that what comes back is a
// context switch: a finite, positive time, with its overhead below the hop.
func TestDefaultSuite(t *testing.T) {
	var specs []bench.Spec
	for _, s := range Specs() {
		if s.Default {
			specs = append(specs, s)
		}
	}
	res := benchtest.Run(t, specs, benchtest.Options{Count: 3, Target: 3 * time.Millisecond})
	for _, x := range res {
		if x.Skipped != "" {
			t.Logf("%s: skipped: %s", x.Name, x.Skipped)
			continue
		}
		if strings.Contains(x.Error, errOverhead.Error()) { // crossed a process boundary as text
			// Something else ran during a sample's overhead slices: the
			// benchmark refuses to report a switch time, as it must. A
			// busy machine, not a defect.
			t.Logf("%s: %s", x.Name, x.Error)
			continue
		}
		if x.Error != "" {
			t.Errorf("%s: %s", x.Name, x.Error)
			continue
		}
		hop, over := x.Metrics["hop-ns"], x.Metrics["overhead-ns"]
		t.Logf("%s: %.0f ns/op per switch (hop %.0f, overhead %.0f, cross-cpu %v)", x.Name, x.Median, hop, over, x.Metrics["cross-cpu"])
		for what, v := range map[string]float64{"hop": hop, "switch": x.Median} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
				t.Errorf("%s: %v ns per %s: not a time", x.Name, v, what)
			}
		}
		if sw := x.Median; sw >= hop {
			t.Errorf("%s: a switch (%.0f ns) is not less than a hop (%.0f ns): the overhead was not subtracted", x.Name, sw, hop)
		}
		if !(over > 0 && over < hop) {
			t.Errorf("%s: overhead %.0f ns, hop %.0f ns: want 0 < overhead < hop", x.Name, over, hop)
		}
		// Placement is checked where it was enforced: pinned members were
		// found where they were pinned.
		if want, ok := map[string]float64{"same": 0, "spread": 1}[cpuOf(x.Name)]; ok {
			if got, found := x.Metrics["cross-cpu"]; !found || got != want {
				t.Errorf("%s: cross-cpu %v (reported %v), want %v", x.Name, got, found, want)
			}
		}
	}
}

func cpuOf(name string) string {
	for _, p := range (&bench.Spec{Name: name}).Params() {
		if p[0] == "cpu" {
			return p[1]
		}
	}
	return ""
}

// TestDirectRun calls Spec.Run as a test would, outside a worker: the ring
// places itself, and gives the thread its affinity back afterwards.
func TestDirectRun(t *testing.T) {
	for _, name := range []string{
		"ctxsw/ring/procs=4/ws=4KiB/cpu=same/kind=thread",
		"ctxsw/ring/procs=4/ws=4KiB/cpu=spread/kind=process",
		"ctxsw/ring/procs=2/ws=0KiB/cpu=free/kind=thread",
	} {
		t.Run(name, func(t *testing.T) {
			s := spec(t, name)
			if err := s.Probe(); err != nil {
				if errors.Is(err, bench.ErrNotSupported) {
					t.Skip(bench.SkipReason(err))
				}
				t.Fatal(err)
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			before, err := sys.AllowedCPUs()
			if err != nil {
				t.Fatal(err)
			}
			b := &bench.B{N: 200}
			switch err := s.Run(b); {
			case errors.Is(err, errOverhead):
				// The ring ran, but something else ran during the overhead
				// slices and the benchmark refused to report a switch time,
				// as it must: a busy machine, not a defect.
				t.Log(err)
			case err != nil:
				t.Fatal(err)
			default:
				// 200 hops, each a switch and two system calls: faster than 100 ns
				// a hop means the ring did not run; no upper bound, since a loaded
				// machine may be as slow as it likes.
				if per := b.Elapsed().Nanoseconds() / 200; per < 100 {
					t.Errorf("%d ns per hop, implausible", per)
				}
			}
			after, err := sys.AllowedCPUs()
			if err != nil || len(after) != len(before) {
				t.Errorf("thread mask %v after the run, %v before: not restored", after, before)
			}
		})
	}
}

// TestMemberArgs checks that a helper started wrongly says so instead of
// waiting on descriptors it was never given.
func TestMemberArgs(t *testing.T) {
	for _, args := range [][]string{nil, {"1", "0"}, {"1", "x", "0"}} {
		if err := serveMember(args); err == nil {
			t.Errorf("serveMember(%q): no error", args)
		}
	}
}

// TestOverhead checks the overhead loop on its own: a write and a read of
// one byte cost at least two kernel entries, far more than 20 ns, and a
// 64 KiB working set adds to it.
func TestOverhead(t *testing.T) {
	tok := newToken()
	// The least of three runs: other programs only ever add time.
	measure := func(size int) float64 {
		ov, err := newOverhead()
		if err != nil {
			t.Fatal(err)
		}
		defer ov.close()
		ws := newWorkingSet(size)
		best := math.Inf(1)
		for range 3 {
			ov.reset()
			if err := ov.run(1000, tok, ws); err != nil {
				t.Fatal(err)
			}
			best = min(best, ov.perIter())
		}
		return best
	}
	none, big := measure(0), measure(64<<10)
	if none < 20 || big <= none {
		t.Errorf("overhead %.0f ns without a working set, %.0f ns with 64 KiB", none, big)
	}
	// A ring whose last member is gone: the token goes out, and the read
	// sees end-of-file, which is an error, never a fast hop.
	var out, in [2]int
	if err := unix.Pipe2(out[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := unix.Pipe2(in[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	unix.Close(in[1])
	defer unix.Close(in[0])
	defer unix.Close(out[0])
	defer unix.Close(out[1])
	if _, err := laps(1, out[1], in[0], tok, nil); err == nil || !strings.Contains(err.Error(), "end of file") {
		t.Errorf("laps on a broken ring: %v, want end of file", err)
	}
}
