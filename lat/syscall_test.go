package lat

import (
	"errors"
	"testing"
	"time"

	"zbench/bench"
)

// measure runs spec in this process at n iterations, best of three, and
// returns ns/op. Smoke tests assert only what holds on any machine: values
// in a plausible range and orderings with wide margins.
func measure(t *testing.T, name string, n int) float64 {
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
		return float64(best.Nanoseconds()) / float64(n)
	}
	t.Fatalf("no benchmark %s", name)
	return 0
}

func TestSmoke(t *testing.T) {
	for _, s := range syscallSpecs() {
		t.Run(s.Name, func(t *testing.T) {
			ns := measure(t, s.Name, 2000)
			lo, hi := 10.0, 10000.0 // a system call: 10 ns to 10 µs
			switch s.Name {
			case "lat/syscall/vdso":
				lo = 1 // no kernel entry: a few ns
			case "lat/syscall/openclose", "lat/syscall/batch/size=1":
				hi = 100000
			}
			if ns < lo || ns > hi {
				t.Errorf("%s = %.1f ns/op, want between %v and %v", s.Name, ns, lo, hi)
			}
		})
	}
}

func TestOrderings(t *testing.T) {
	const n = 20000
	inline := measure(t, "lat/syscall/null/path=inline", n)
	call := measure(t, "lat/syscall/null", n)
	raw := measure(t, "lat/syscall/null/path=raw", n)
	vdso := measure(t, "lat/syscall/vdso", n)
	// Margins wide enough never to flake on a noisy host: the orderings
	// below differ by tens of percent or more where they hold at all.
	if inline > 2*raw {
		t.Errorf("inline %.1f ns > 2 × raw %.1f ns: the bare instruction cannot cost twice Go's wrapper", inline, raw)
	}
	if inline > 2*call {
		t.Errorf("inline %.1f ns > 2 × call %.1f ns", inline, call)
	}
	if vdso > call {
		t.Errorf("vdso %.1f ns > null syscall %.1f ns: a clock read through the vDSO should not enter the kernel", vdso, call)
	}
	b1 := measure(t, "lat/syscall/batch/size=1", n)
	b64 := measure(t, "lat/syscall/batch/size=64", n)
	if b64 > b1 {
		t.Errorf("64 NOPs per enter cost %.1f ns each, more than 1 per enter (%.1f ns)", b64, b1)
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
