package history

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"zbench/results"
)

// Change is one change point of a series: the runs on either side, how much
// the value moved and how sure the test is.
type Change struct {
	Benchmark   string `json:"benchmark"`
	Metric      string `json:"metric,omitempty"`
	Unit        string `json:"unit"`
	Better      string `json:"better,omitempty"`
	Machine     string `json:"machine"`
	MachineDesc string `json:"machine_desc"`
	// Before and After are the start times of the last run before the change
	// and the first run after it, with their commits.
	Before       string `json:"before"`
	BeforeCommit string `json:"before_commit,omitempty"`
	After        string `json:"after"`
	AfterCommit  string `json:"after_commit,omitempty"`
	// Index is the position of the After run in the series (from 0), Runs
	// the length of the series; BeforeRuns and AfterRuns the runs of the
	// segments on either side (up to the neighbouring change points).
	Index      int `json:"index"`
	Runs       int `json:"runs"`
	BeforeRuns int `json:"before_runs"`
	AfterRuns  int `json:"after_runs"`
	// BeforeMedian and AfterMedian are the medians of the segments' run
	// medians, in Unit.
	BeforeMedian float64 `json:"before_median"`
	AfterMedian  float64 `json:"after_median"`
	// Change is the shift between the segments (the Hodges–Lehmann estimate
	// over their run medians) as a fraction of BeforeMedian, with its 95%
	// distribution-free interval (Moses); 0 where BeforeMedian is 0.
	Change     float64 `json:"change"`
	ChangeLow  float64 `json:"change_low"`
	ChangeHigh float64 `json:"change_high"`
	// P is the permutation test's p-value.
	P float64 `json:"p"`
	// Verdict is "regression" or "improvement" in the unit's direction, or
	// "change" for a metric with no direction.
	Verdict string `json:"verdict"`
	// SentinelChange is the relative change of the host sentinel's null
	// system call time (SentinelCPUChange: its CPU loop) between the same
	// segments, where both sides recorded one: a change of the host rather
	// than of the code shows here as well.
	SentinelChange    *float64 `json:"sentinel_change,omitempty"`
	SentinelCPUChange *float64 `json:"sentinel_cpu_change,omitempty"`
}

// Changes finds the change points of every series, in parallel; the answer
// does not depend on the order or the parallelism (each series seeds its own
// permutations from its key). Changes are sorted by benchmark, metric,
// machine and position.
func Changes(series []Series, d Detector) []Change {
	per := make([][]Change, len(series))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				per[i] = SeriesChanges(&series[i], d)
			}
		}()
	}
	for i := range series {
		next <- i
	}
	close(next)
	wg.Wait()
	var out []Change
	for _, c := range per {
		out = append(out, c...)
	}
	return out
}

// Seed is the permutation seed of a series: a hash of its key.
func Seed(s *Series) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s.Key()))
	return h.Sum64()
}

// Splits runs the detector on the run medians of s.
func Splits(s *Series, d Detector) []Split {
	xs := make([]float64, len(s.Points))
	for i, p := range s.Points {
		xs[i] = p.Median
	}
	seed := Seed(s)
	return d.Detect(xs, rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)))
}

// SeriesChanges finds the change points of one series.
func SeriesChanges(s *Series, d Detector) []Change {
	splits := Splits(s, d)
	if len(splits) == 0 {
		return nil
	}
	bounds := []int{0}
	for _, sp := range splits {
		bounds = append(bounds, sp.Index)
	}
	bounds = append(bounds, len(s.Points))
	out := make([]Change, 0, len(splits))
	for k, sp := range splits {
		before := s.Points[bounds[k]:sp.Index]
		after := s.Points[sp.Index:bounds[k+2]]
		c := Change{
			Benchmark: s.Benchmark, Metric: s.Metric, Unit: s.Unit, Better: s.Better,
			Machine: s.Machine.ID, MachineDesc: s.Machine.String(),
			Before: before[len(before)-1].Started, BeforeCommit: before[len(before)-1].Commit,
			After: after[0].Started, AfterCommit: after[0].Commit,
			Index: sp.Index, Runs: len(s.Points), BeforeRuns: len(before), AfterRuns: len(after),
			P: sp.P,
		}
		bx, ax := medians(before), medians(after)
		c.BeforeMedian, c.AfterMedian = median(bx), median(ax)
		shift, lo, hi := ShiftInterval(bx, ax)
		if c.BeforeMedian != 0 {
			b := math.Abs(c.BeforeMedian)
			c.Change, c.ChangeLow, c.ChangeHigh = shift/b, lo/b, hi/b
		}
		c.Verdict = verdict(s.Better, c.Change)
		c.SentinelChange = relChange(before, after, func(p Point) float64 { return p.SentinelSyscallNs })
		c.SentinelCPUChange = relChange(before, after, func(p Point) float64 { return p.SentinelCPUNs })
		out = append(out, c)
	}
	return out
}

func verdict(better string, change float64) string {
	switch {
	case better == results.Lower && change > 0, better == results.Higher && change < 0:
		return "regression"
	case better == results.Lower && change < 0, better == results.Higher && change > 0:
		return "improvement"
	}
	return "change"
}

func medians(ps []Point) []float64 {
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = p.Median
	}
	return out
}

func relChange(before, after []Point, f func(Point) float64) *float64 {
	var b, a []float64
	for _, p := range before {
		if v := f(p); v > 0 {
			b = append(b, v)
		}
	}
	for _, p := range after {
		if v := f(p); v > 0 {
			a = append(a, v)
		}
	}
	if len(a) == 0 || len(b) == 0 {
		return nil
	}
	r := median(a)/median(b) - 1
	return &r
}

// ShiftInterval is the Hodges–Lehmann estimate of the shift from x to y
// (the median of all differences y_j − x_i) with its 95% distribution-free
// confidence interval (Moses: order statistics of the same differences, at
// the rank the Mann–Whitney statistic's normal approximation gives). With
// too few values for that rank, the interval is the whole range of the
// differences.
func ShiftInterval(x, y []float64) (shift, lo, hi float64) {
	m, n := len(x), len(y)
	if m == 0 || n == 0 {
		return 0, 0, 0
	}
	d := make([]float64, 0, m*n)
	for _, a := range x {
		for _, b := range y {
			d = append(d, b-a)
		}
	}
	sort.Float64s(d)
	N := len(d)
	shift = median(d)
	const z = 1.959963984540054
	fm, fn := float64(m), float64(n)
	k := int(math.Floor(fm*fn/2 - z*math.Sqrt(fm*fn*(fm+fn+1)/12)))
	if k < 1 {
		return shift, d[0], d[N-1]
	}
	return shift, d[k-1], d[N-k]
}

// Segment is the latest stable segment of a series: the runs after its last
// change point (all of it when there is none), the newest MaxRuns at most.
type Segment struct {
	Series *Series
	Points []Point
	// Samples pools the samples of every run of the segment, in run order.
	Samples []float64
}

// LatestStable returns the latest stable segment of s, at most maxRuns runs
// (0: no limit), and nil when s has no runs.
func LatestStable(s *Series, d Detector, maxRuns int) *Segment {
	if len(s.Points) == 0 {
		return nil
	}
	start := 0
	if sp := Splits(s, d); len(sp) > 0 {
		start = sp[len(sp)-1].Index
	}
	if maxRuns > 0 && len(s.Points)-start > maxRuns {
		start = len(s.Points) - maxRuns
	}
	seg := &Segment{Series: s, Points: s.Points[start:]}
	for _, p := range seg.Points {
		seg.Samples = append(seg.Samples, p.Samples...)
	}
	// A metric of schema-1 records kept only its median: no samples to pool.
	return seg
}
