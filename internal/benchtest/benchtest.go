// Package benchtest is what the tests of a benchmark family share: the
// TestMain that makes the test binary its own worker and helper processes,
// a runner for tests, and a guard that fails a test which measured nothing.
// docs/design.md describes how a family's tests use it.
package benchtest

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"zbench/bench"
	"zbench/peer"
	"zbench/results"
)

// Main is a family's TestMain: the runner re-executes the test binary as a
// worker or helper of specs (as zbench re-executes itself), and otherwise
// the tests run.
//
//	func TestMain(m *testing.M) { benchtest.Main(m, Specs) }
func Main(m *testing.M, specs func() []bench.Spec) {
	if code, ok := bench.Serve(specs(), os.Args[1:]); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// Options are a test run's settings; the zero value is one sample of 5ms per
// benchmark over loopback.
type Options struct {
	Count     int            // samples per benchmark (default 1)
	Target    time.Duration  // sample length (default 5ms)
	Verify    bool           // B.Verify
	Transport peer.Transport // the run's transport (default loopback)
	// WorkerTimeout bounds one worker (default 60s: a test machine can be
	// busy).
	WorkerTimeout time.Duration
}

// Runner is the runner a test measures with: this test binary as the
// worker, no warm-up, no pinning choice of its own.
func Runner(o Options) *bench.Runner {
	r := &bench.Runner{Exe: os.Args[0], Count: o.Count, Target: o.Target, WarmUp: -1, CPU: -1,
		Verify: o.Verify, Transport: o.Transport, WorkerTimeout: o.WorkerTimeout}
	if r.Count == 0 {
		r.Count = 1
	}
	if r.Target == 0 {
		r.Target = 5 * time.Millisecond
	}
	if r.WorkerTimeout == 0 {
		r.WorkerTimeout = 60 * time.Second
	}
	return r
}

// Run measures the benchmarks of specs with exactly these names, in that
// order (no name: every one of specs), through real worker processes, and
// returns their results. A name
// that is not in specs, or a run that ends early, fails the test at once;
// when every benchmark was skipped (this host cannot run any), the test is
// skipped with their reasons.
//
// Run also arms the guard: a test that ran benchmarks and ends with none of
// them measured (every one skipped or failed) fails, unless it called
// NoSamplesExpected; a test that passes having asserted nothing is worse
// than one that fails.
func Run(t testing.TB, specs []bench.Spec, o Options, names ...string) []results.Result {
	t.Helper()
	picked := specs
	if len(names) > 0 {
		var err error
		if picked, err = bench.Named(specs, names...); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Runner(o).Run(context.Background(), picked)
	if err != nil {
		t.Fatal(err)
	}
	g := guardOf(t)
	skipped := 0
	var reasons []string
	for _, r := range res {
		switch {
		case r.Measured():
			g.add(1, "")
		case r.Skipped != "":
			skipped++
			reasons = append(reasons, r.Name+": "+r.Skipped)
			g.add(0, r.Name+" skipped: "+r.Skipped)
		default:
			g.add(0, r.Name+": "+r.Error)
		}
	}
	if skipped == len(res) && len(res) > 0 {
		t.Skip("every benchmark was skipped: " + strings.Join(reasons, "; "))
	}
	return res
}

// NoSamplesExpected disarms the guard for a test whose benchmarks must fail
// (a corrupted stream that verification catches).
func NoSamplesExpected(t testing.TB) { guardOf(t).disarm() }

type guard struct {
	mu       sync.Mutex
	measured int
	unmeas   []string
	disarmed bool
}

var guards sync.Map // testing.TB → *guard

func guardOf(t testing.TB) *guard {
	if g, ok := guards.Load(t); ok {
		return g.(*guard)
	}
	g := &guard{}
	if prev, loaded := guards.LoadOrStore(t, g); loaded {
		return prev.(*guard)
	}
	t.Cleanup(func() {
		guards.Delete(t)
		if msg, bad := g.verdict(); bad && !t.Failed() && !t.Skipped() {
			t.Error(msg)
		}
	})
	return g
}

func (g *guard) add(measured int, why string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.measured += measured
	if why != "" && len(g.unmeas) < 8 {
		g.unmeas = append(g.unmeas, why)
	}
}

func (g *guard) disarm() {
	g.mu.Lock()
	g.disarmed = true
	g.mu.Unlock()
}

// verdict says whether the test measured nothing, and what happened
// instead.
func (g *guard) verdict() (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.disarmed || g.measured > 0 {
		return "", false
	}
	return "the test measured nothing, so it asserted nothing about a measurement: " + strings.Join(g.unmeas, "; "), true
}

// Measured says whether x holds a measurement to check: a skipped
// benchmark is logged with its reason, an errored one fails the test.
func Measured(t testing.TB, x results.Result) bool {
	t.Helper()
	switch {
	case x.Skipped != "":
		t.Logf("%s skipped: %s", x.Name, x.Skipped)
		return false
	case x.Error != "":
		t.Errorf("%s: %s", x.Name, x.Error)
		return false
	}
	return true
}

// Veth sets up a veth pair between two network namespaces for a test, or
// skips the test where the machine cannot; the pair is removed when the
// test ends.
func Veth(t testing.TB) *peer.VethPair {
	t.Helper()
	if err := peer.VethSupported(); err != nil {
		t.Skip(bench.SkipReason(err))
	}
	pair, err := peer.SetupVeth()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pair.Close() })
	return pair
}
