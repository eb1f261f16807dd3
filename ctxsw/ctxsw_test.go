package ctxsw

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPerSwitch(t *testing.T) {
	for _, tc := range []struct {
		ringNs     float64
		hops       int
		overheadNs float64
		want       float64
	}{
		// 2-member ring, 1000 laps = 2000 hops in 13.3 ms: 6650 ns per hop;
		// a write, a read and no working set cost 2250 ns without a switch.
		{13.3e6, 2000, 2250, 4400},
		{1000, 1, 0, 1000},
		{8 * 12000, 8, 11999.5, 0.5},
	} {
		got, err := perSwitch(tc.ringNs, tc.hops, tc.overheadNs)
		if err != nil || math.Abs(got-tc.want) > 1e-9*tc.want {
			t.Errorf("perSwitch(%v, %d, %v) = %v, %v; want %v", tc.ringNs, tc.hops, tc.overheadNs, got, err, tc.want)
		}
	}
}

func TestPerSwitchRefuses(t *testing.T) {
	for _, tc := range []struct {
		ringNs     float64
		hops       int
		overheadNs float64
		overhead   bool // the error is errOverhead
	}{
		{2000, 2, 1000, true},  // overhead equals the hop: no switch left
		{2000, 2, 1500, true},  // overhead above the hop: never a negative switch
		{2000, 0, 100, false},  // nothing timed
		{0, 10, 100, false},    // no time
		{2000, 2, -1, false},   // a negative overhead is a bug, not a bonus
		{-5000, 2, 100, false}, // a clock going backwards
	} {
		got, err := perSwitch(tc.ringNs, tc.hops, tc.overheadNs)
		if err == nil {
			t.Errorf("perSwitch(%v, %d, %v) = %v, want an error", tc.ringNs, tc.hops, tc.overheadNs, got)
			continue
		}
		if errors.Is(err, errOverhead) != tc.overhead {
			t.Errorf("perSwitch(%v, %d, %v): error %q, errOverhead %v", tc.ringNs, tc.hops, tc.overheadNs, err, tc.overhead)
		}
	}
}

func TestSpecs(t *testing.T) {
	specs := Specs()
	if want := len(ringProcs) * len(ringWS) * len(placements) * len(kinds); len(specs) != want {
		t.Fatalf("%d specs, want the whole sweep of %d", len(specs), want)
	}
	seen := map[string]bool{}
	var defaults []string
	for _, s := range specs {
		if seen[s.Name] {
			t.Errorf("duplicate name %s", s.Name)
		}
		seen[s.Name] = true
		if !strings.HasPrefix(s.Name, "ctxsw/ring/procs=") || s.Run == nil || !strings.Contains(s.Doc, "One op is one context switch: the time per hop") {
			t.Errorf("%s: malformed spec (doc %q)", s.Name, s.Doc)
		}
		free := strings.Contains(s.Name, "/cpu=free/")
		if s.Pin == free {
			t.Errorf("%s: Pin %v; only cpu=free leaves the measuring thread unpinned", s.Name, s.Pin)
		}
		if proc := strings.HasSuffix(s.Name, "/kind=process"); proc != (s.Child != nil) {
			t.Errorf("%s: helper processes need Spec.Child", s.Name)
		}
		if strings.Contains(s.Name, "/cpu=spread/") != (len(s.Requires) == 1) {
			t.Errorf("%s: only spread placement has a prerequisite", s.Name)
		}
		if s.Default {
			defaults = append(defaults, s.Name)
		}
	}
	for _, want := range []string{
		"ctxsw/ring/procs=2/ws=0KiB/cpu=same/kind=process",
		"ctxsw/ring/procs=2/ws=0KiB/cpu=free/kind=process",
		"ctxsw/ring/procs=2/ws=0KiB/cpu=same/kind=thread",
	} {
		if !slices.Contains(defaults, want) {
			t.Errorf("%s is not in the default suite", want)
		}
	}
	// The whole tool's default suite must finish in about a minute.
	if len(defaults) > 3 {
		t.Errorf("%d benchmarks in the default suite, want at most 3: %v", len(defaults), defaults)
	}
}

// recorder keeps what a sample reports, as the worker's B does.
type recorder map[string]float64

func (r recorder) ReportMetric(v float64, unit string) { r[unit] = v }

// A sample whose overhead swallowed the switch is measured again, from the
// start, and the final measurement is the one reported, with the count of
// redos beside it; the times are injected, so nothing here depends on the
// machine.
func TestSampleRedoes(t *testing.T) {
	good := timing{ring: 2000 * time.Nanosecond, hops: 2, overheadNs: 400, cross: 0.5}
	bad := timing{ring: 2000 * time.Nanosecond, hops: 2, overheadNs: 1500, cross: 1}
	for _, tc := range []struct {
		seq    []timing // what each measurement gives, in order
		redone int      // want: metric redone, and len(seq)-1 calls beyond the first
		err    bool
	}{
		{[]timing{good}, 0, false},
		{[]timing{bad, good}, 1, false},
		{[]timing{bad, bad, bad, good}, maxRedo, false},
		{[]timing{bad, bad, bad, bad}, maxRedo, true}, // keeps happening: the benchmark fails
	} {
		calls := 0
		var warned []string
		rec := recorder{}
		err := sample(rec, func(w string) { warned = append(warned, w) }, func() (timing, error) {
			calls++
			if calls > len(tc.seq) {
				t.Fatalf("measured %d times, the sequence has %d", calls, len(tc.seq))
			}
			return tc.seq[calls-1], nil
		})
		if calls != len(tc.seq) {
			t.Errorf("%d measurements, want %d", calls, len(tc.seq))
		}
		if rec["redone"] != float64(tc.redone) {
			t.Errorf("redone = %v, want %d", rec["redone"], tc.redone)
		}
		if tc.err {
			if !errors.Is(err, errOverhead) {
				t.Errorf("after %d bad measurements: error %v, want errOverhead", calls, err)
			}
			if _, ok := rec["ns/op"]; ok {
				t.Errorf("a failed sample reported a switch time %v", rec["ns/op"])
			}
			continue
		}
		if err != nil {
			t.Errorf("sequence of %d: %v", len(tc.seq), err)
			continue
		}
		// The last measurement's figures, never a mix: hop 1000, overhead
		// 400, switch 600, cross-cpu 0.5.
		want := recorder{"hop-ns": 1000, "overhead-ns": 400, "ns/op": 600, "cross-cpu": 0.5, "redone": float64(tc.redone)}
		for k, v := range want {
			if rec[k] != v {
				t.Errorf("sequence of %d: %s = %v, want %v", len(tc.seq), k, rec[k], v)
			}
		}
		if (tc.redone > 0) != (len(warned) == 1) || len(warned) > 1 {
			t.Errorf("redone %d: warnings %q", tc.redone, warned)
		}
	}
}

// Only an overhead that swallowed the switch is measured again: any other
// error (here, nothing timed) ends the sample at once.
func TestSampleOtherErrors(t *testing.T) {
	calls := 0
	rec := recorder{}
	err := sample(rec, func(string) {}, func() (timing, error) {
		calls++
		return timing{ring: 1000, hops: 0, overheadNs: 10}, nil
	})
	if err == nil || errors.Is(err, errOverhead) || calls != 1 {
		t.Errorf("no hops timed: %d measurements, error %v; want one, and not errOverhead", calls, err)
	}
	failed := errors.New("ring read: end of file")
	calls = 0
	err = sample(rec, func(string) {}, func() (timing, error) {
		calls++
		return timing{}, failed
	})
	if !errors.Is(err, failed) || calls != 1 {
		t.Errorf("a broken ring: %d measurements, error %v; want one and the ring's error", calls, err)
	}
}
