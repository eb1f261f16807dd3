package history

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"
)

// The synthetic series: n runs around 100, each with independent noise drawn
// uniformly within ±5% of its level ("5 % noise"), and the level given per run.
func synth(rng *rand.Rand, n int, level func(i int) float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = 100 * level(i) * (1 + 0.05*(2*rng.Float64()-1))
	}
	return xs
}

func flat(int) float64 { return 1 }

func steps(at ...float64) func(i int) float64 {
	// at: pairs of (run, factor): from run on, the level is multiplied by factor.
	return func(i int) float64 {
		l := 1.0
		for k := 0; k+1 < len(at); k += 2 {
			if float64(i) >= at[k] {
				l *= at[k+1]
			}
		}
		return l
	}
}

// TestBestSplitMatchesDefinition checks the incremental statistic against
// the energy divergence computed pair by pair, ties included.
func TestBestSplitMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		m := 6 + trial
		x := make([]float64, m)
		for i := range x {
			x[i] = math.Round(rng.NormFloat64()*10) + float64(i/4)
		}
		w := newWork(m)
		gotT, gotQ := w.bestSplit(x, segmentRanks(x, []int{0, m}), 2)
		bestT, bestQ := -1, math.Inf(-1)
		for tau := 2; tau <= m-2; tau++ {
			l, r := x[:tau], x[tau:]
			var cross, wl, wr float64
			for _, a := range l {
				for _, b := range r {
					cross += math.Abs(a - b)
				}
			}
			for i := range l {
				for j := i + 1; j < len(l); j++ {
					wl += math.Abs(l[i] - l[j])
				}
			}
			for i := range r {
				for j := i + 1; j < len(r); j++ {
					wr += math.Abs(r[i] - r[j])
				}
			}
			n1, n2 := float64(len(l)), float64(len(r))
			e := 2/(n1*n2)*cross - wl/(n1*(n1-1)/2) - wr/(n2*(n2-1)/2)
			if q := n1 * n2 / (n1 + n2) * e; q > bestQ+1e-9 {
				bestT, bestQ = tau, q
			}
		}
		if gotT != bestT || math.Abs(gotQ-bestQ) > 1e-9*math.Max(1, math.Abs(bestQ)) {
			t.Errorf("m=%d: bestSplit = (%d, %g), by definition (%d, %g)", m, gotT, gotQ, bestT, bestQ)
		}
	}
}

// run100 runs the detector on 100 seeded series of 60 runs made by level and
// returns every series' change points.
func run100(level func(int) float64, tweak func(xs []float64)) [][]Split {
	out := make([][]Split, 100)
	for s := range uint64(100) {
		rng := rand.New(rand.NewPCG(s, 0x5eed))
		xs := synth(rng, 60, level)
		if tweak != nil {
			tweak(xs)
		}
		out[s] = Detector{}.Detect(xs, rng)
	}
	return out
}

func near(cps []Split, at int) bool {
	for _, c := range cps {
		if c.Index >= at-2 && c.Index <= at+2 {
			return true
		}
	}
	return false
}

// TestDetectStep: a +4% step at run 30 of 60 with ±5% noise. One series
// (seed 0) must show it within two runs; over 100 seeded series the rate is
// asserted, because with this little signal the best location of a step is
// itself uncertain (see the report's numbers).
func TestDetectStep(t *testing.T) {
	all := run100(steps(30, 1.04), nil)
	if !near(all[0], 30) || len(all[0]) != 1 {
		t.Errorf("seed 0: change points %+v, want one within two runs of 30", all[0])
	}
	found, within, elsewhere := 0, 0, 0
	for _, cps := range all {
		if len(cps) > 0 {
			found++
		}
		if near(cps, 30) {
			within++
		}
		for _, c := range cps {
			if c.Index < 28 || c.Index > 32 {
				elsewhere++
			}
			if c.P > 0.01 {
				t.Errorf("change point %+v has p above 0.01", c)
			}
		}
	}
	t.Logf("+4%% step at 30 (±5%% noise): found in %d of 100 series, within two runs in %d; %d change points elsewhere", found, within, elsewhere)
	// Measured: found in 91, within two runs in 58. Even the best split by
	// means (optimal for this noise) lands within two runs in only about
	// three series of four at this signal-to-noise ratio.
	if found < 80 || within < 50 {
		t.Errorf("found in %d of 100 series (want >= 80), within two runs of 30 in %d (want >= 50)", found, within)
	}
}

func TestDetectStationary(t *testing.T) {
	total := 0
	for _, cps := range run100(flat, nil) {
		total += len(cps)
	}
	t.Logf("100 stationary series: %d false change points", total)
	if total > 5 {
		t.Errorf("100 stationary series gave %d change points, want at most 5", total)
	}
}

func TestDetectTwoSteps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level func(int) float64
	}{
		{"up then down", steps(20, 1.10, 40, 1/1.10)},
		{"up then up", steps(20, 1.08, 40, 1.08)},
	} {
		both := 0
		for _, cps := range run100(tc.level, nil) {
			if near(cps, 20) && near(cps, 40) {
				both++
			}
		}
		t.Logf("%s (runs 20 and 40): both found within two runs in %d of 100 series", tc.name, both)
		if both < 70 {
			t.Errorf("%s: both steps found in %d of 100 series, want >= 70", tc.name, both)
		}
	}
	// One clear case: 20% steps.
	rng := rand.New(rand.NewPCG(7, 7))
	cps := Detector{}.Detect(synth(rng, 60, steps(20, 1.2, 40, 1/1.2)), rng)
	if len(cps) != 2 || !near(cps[:1], 20) || !near(cps[1:], 40) {
		t.Errorf("20%% steps at 20 and 40: change points %+v", cps)
	}
}

func TestDetectOutlier(t *testing.T) {
	for _, at := range []int{30, 59, 0} {
		total := 0
		for _, cps := range run100(flat, func(xs []float64) { xs[at] *= 1.5 }) {
			total += len(cps)
		}
		t.Logf("one run 50%% slower at %d: %d change points in 100 series", at, total)
		if total > 5 {
			t.Errorf("a single outlier at run %d gave %d change points in 100 series, want at most 5", at, total)
		}
	}
}

func TestDetectShortAndConstant(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	if cps := (Detector{}).Detect([]float64{1, 2, 3, 4, 5}, rng); cps != nil {
		t.Errorf("5 values: %+v, want none (fewer than two segments of 3)", cps)
	}
	same := make([]float64, 40)
	for i := range same {
		same[i] = 7
	}
	if cps := (Detector{}).Detect(same, rng); cps != nil {
		t.Errorf("a constant series: %+v, want none", cps)
	}
	// A clear step in a short series is found: 12 values have 924 ways to
	// fall into two halves, enough for p <= 0.01. (8 values have 70: no
	// permutation test of them can reach 0.01.)
	xs := []float64{10, 10.1, 9.9, 10, 10.2, 9.8, 20, 20.2, 19.8, 20, 20.1, 19.9}
	cps := Detector{}.Detect(xs, rng)
	if len(cps) != 1 || cps[0].Index != 6 {
		t.Errorf("step 10 → 20 at 6 in 12 values: %+v", cps)
	}
}

func TestShiftInterval(t *testing.T) {
	x := []float64{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	y := []float64{20, 21, 22, 23, 24, 25, 26, 27, 28, 29}
	shift, lo, hi := ShiftInterval(x, y)
	if shift != 10 {
		t.Errorf("shift = %g, want 10", shift)
	}
	if !(lo < 10 && hi > 10 && lo > 0) {
		t.Errorf("interval [%g, %g] should hold 10 and exclude 0", lo, hi)
	}
	_, lo, hi = ShiftInterval(x, x)
	if !(lo < 0 && hi > 0) {
		t.Errorf("no shift: interval [%g, %g] should hold 0", lo, hi)
	}
}

// TestChangesDeterministic: the same series give the same change points
// whatever the parallelism, because each series seeds its own permutations.
func TestChangesDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	var series []Series
	for b := range 12 {
		s := Series{Benchmark: fmt.Sprintf("b%d", b), Unit: "ns/op", Better: "lower", Machine: Machine{ID: "m"}}
		for i, v := range synth(rng, 40, steps(float64(10+b), 1.15)) {
			s.Points = append(s.Points, Point{Started: fmt.Sprint(i), Median: v})
		}
		series = append(series, s)
	}
	a := Changes(series, Detector{})
	prev := runtime.GOMAXPROCS(1)
	b := Changes(series, Detector{})
	runtime.GOMAXPROCS(prev)
	if len(a) < 10 || !reflect.DeepEqual(a, b) {
		t.Errorf("%d change points in parallel, %d serially; want the same, at least 10 of the 12 steps", len(a), len(b))
	}
}
