package lat

import (
	"errors"
	"math"
	"testing"
	"time"

	"zbench/bench"
)

// measure runs spec in this process at n iterations, best of three, and
// returns ns/op. It asserts only what holds on any machine, loaded or not:
// the benchmark ran, timed something, and the result is finite and positive.
func measure(t testing.TB, name string, n int) float64 {
	t.Helper()
	for _, s := range Specs() {
		if s.Name != name {
			continue
		}
		if err := s.Probe(); err != nil {
			if errors.Is(err, bench.ErrNotSupported) {
				t.Skipf("%s: %s", name, bench.SkipReason(err))
			}
			t.Fatalf("%s: probe: %v", name, err)
		}
		best := time.Duration(1 << 62)
		for range 3 {
			b := &bench.B{N: n}
			if err := s.Run(b); err != nil {
				if errors.Is(err, bench.ErrNotSupported) {
					t.Skipf("%s: %s", name, bench.SkipReason(err))
				}
				t.Fatalf("%s: %v", name, err)
			}
			if b.Elapsed() <= 0 {
				t.Fatalf("%s: measured nothing", name)
			}
			best = min(best, b.Elapsed())
		}
		ns := float64(best.Nanoseconds()) / float64(n)
		if math.IsNaN(ns) || math.IsInf(ns, 0) || ns <= 0 {
			t.Fatalf("%s = %v ns/op: not a time", name, ns)
		}
		return ns
	}
	t.Fatalf("no benchmark %s", name)
	return 0
}

// Every system-call benchmark runs its N calls, each checked (a failing
// call is an error), and times them. How long they take is the
// benchmark's answer, not the test's: no bound on it holds on every machine.
func TestSmoke(t *testing.T) {
	for _, s := range syscallSpecs() {
		t.Run(s.Name, func(t *testing.T) {
			measure(t, s.Name, 2000)
		})
	}
}

// BenchmarkSyscall is where speed is looked at: `go test -bench Syscall
// ./lat` gives each system-call benchmark's timed ns/op, for comparing the
// paths (inline, call, raw, go) on a quiet machine.
func BenchmarkSyscall(b *testing.B) {
	for _, s := range syscallSpecs() {
		b.Run(s.Name, func(b *testing.B) {
			b.ReportMetric(measure(b, s.Name, max(b.N, 1000)), "timed-ns/op")
		})
	}
}

func TestNames(t *testing.T) {
	// Names are unique across the whole family.
	seen := map[string]bool{}
	for _, s := range Specs() {
		if seen[s.Name] {
			t.Errorf("duplicate name %s", s.Name)
		}
		seen[s.Name] = true
		if s.Doc == "" || s.Run == nil {
			t.Errorf("%s: needs a Doc saying what one op is, and a Run", s.Name)
		}
	}
	if !seen["lat/syscall/null"] || !seen["lat/syscall/batch/size=64"] {
		t.Errorf("headline benchmarks missing: %v", seen)
	}
}
