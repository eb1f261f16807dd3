package ctxsw

import (
	"context"
	"errors"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/benchtest"
	"zbench/internal/sys"
	"zbench/name"
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
			// Something else ran during a sample's overhead slices in
			// every one of its measurements (sample redoes it up to
			// maxRedo times): the benchmark refuses to report a switch
			// time, as it must. A busy machine, not a defect.
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
		p, _ := name.Parse(x.Name).Placement()
		if want, ok := map[name.Placement]float64{name.Same: 0, name.Spread: 1}[p]; ok {
			if got, found := x.Metrics["cross-cpu"]; !found || got != want {
				t.Errorf("%s: cross-cpu %v (reported %v), want %v", x.Name, got, found, want)
			}
		}
	}
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
				if b.Elapsed() <= 0 {
					t.Errorf("200 hops timed as %v", b.Elapsed())
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

// TestOverhead checks the overhead loop on its own: it counts its
// iterations and times them, and its token never crosses a CPU (it goes
// through a pipe back to the thread that sent it, pinned here).
func TestOverhead(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	restore, err := pinSelf(sys.CurrentCPU())
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	tok := newToken()
	for _, size := range []int{0, 64 << 10} {
		ov, err := newOverhead()
		if err != nil {
			t.Fatal(err)
		}
		ws := newWorkingSet(size)
		if err := ov.run(1000, tok, ws); err != nil {
			t.Fatal(err)
		}
		ov.close()
		if ov.iters != 1000 || !(ov.perIter() > 0) || math.IsInf(ov.perIter(), 0) {
			t.Errorf("ws %d: %d iterations, %v ns each", size, ov.iters, ov.perIter())
		}
	}
	if tok.cross != 0 {
		t.Errorf("the overhead loop counted %d cross-CPU hops on a pinned thread", tok.cross)
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

// The working-set sum reads every word, whole turns of eight and the rest.
func TestSumWords(t *testing.T) {
	ws := newWorkingSet(4 << 10)
	var want uint64
	for i := range ws {
		want += uint64(i) | 1
	}
	if got := sumWords(ws); got != want || len(ws) != 512 {
		t.Errorf("sumWords of %d words = %d, want %d", len(ws), got, want)
	}
	for n := range 20 {
		w := make([]uint64, n)
		var want uint64
		for i := range w {
			w[i] = 1 << i
			want |= 1 << i
		}
		if got := sumWords(w); got != want {
			t.Errorf("sumWords of %d words = %#x, want %#x", n, got, want)
		}
	}
}

// A hop is counted as crossing CPUs exactly when the receiver runs on
// another CPU than the sender did.
func TestTokenReceive(t *testing.T) {
	here := uint32(sys.CPUNow())
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	restore, err := pinSelf(int(here))
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	tok := &token{cpu: here}
	tok.receive()
	if tok.cross != 0 || tok.cpu != here {
		t.Errorf("same CPU: %+v", *tok)
	}
	tok.cpu = here + 1
	tok.receive()
	if tok.cross != 1 || tok.cpu != here {
		t.Errorf("from another CPU: %+v, want one cross and cpu %d", *tok, here)
	}
}

// The cross-cpu metric, counted hop by hop: 1 for a ring whose members are
// pinned apart, 0 for one pinned together, for processes and threads.
func TestCrossCPU(t *testing.T) {
	if err := sys.NeedTwoCPUs(); err != nil {
		t.Skip(bench.SkipReason(err))
	}
	want := map[string]float64{}
	var names []string
	for _, kind := range []string{kindProcess, kindThread} {
		for cpu, x := range map[name.Placement]float64{cpuSame: 0, cpuSpread: 1} {
			n := ring{procs: 2, ws: 0, cpu: cpu, kind: kind}.name()
			names = append(names, n)
			want[n] = x
		}
	}
	specs, err := bench.Named(Specs(), names...)
	if err != nil {
		t.Fatal(err)
	}
	r := &bench.Runner{Exe: os.Args[0], Count: 2, Target: 3 * time.Millisecond, WarmUp: -1, CPU: -1, WorkerTimeout: 60 * time.Second}
	res, err := r.Run(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res {
		if x.Error != "" && !strings.Contains(x.Error, errOverhead.Error()) {
			t.Errorf("%s: %s", x.Name, x.Error)
			continue
		}
		got, ok := x.Metrics["cross-cpu"]
		if !ok && x.Error == "" {
			t.Errorf("%s: no cross-cpu metric", x.Name)
			continue
		}
		if ok && got != want[x.Name] {
			t.Errorf("%s: cross-cpu %v, want %v", x.Name, got, want[x.Name])
		}
	}
}
