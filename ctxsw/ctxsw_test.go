package ctxsw

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
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
