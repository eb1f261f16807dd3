package report

import (
	"math"
	"slices"
	"strconv"

	"golang.org/x/perf/benchmath"

	"zbench/results"
)

// Delta is the comparison of a result with a baseline result of the same
// benchmark: the change of the median and the Mann–Whitney U test of the two
// sample sets, exactly as benchstat computes them
// (benchmath.AssumeNothing.Compare).
type Delta struct {
	Pct         float64 // (current − baseline) / baseline median, in percent; NaN when the baseline median is 0
	P           float64 // p-value of "both sample sets come from one distribution"
	Alpha       float64 // significance level (0.05)
	Significant bool    // P < Alpha, and benchmath had no warning (e.g. too few samples)
	Warnings    []string
}

// compareResults compares the samples of cur with those of base.
func compareResults(base, cur *results.Result) Delta {
	t := &benchmath.DefaultThresholds
	// benchmath sorts in place; the records keep samples in the order taken.
	c := benchmath.AssumeNothing.Compare(
		benchmath.NewSample(slices.Clone(base.Samples), t),
		benchmath.NewSample(slices.Clone(cur.Samples), t))
	d := Delta{P: c.P, Alpha: c.Alpha, Pct: math.NaN()}
	if base.Median != 0 {
		d.Pct = 100 * (cur.Median - base.Median) / base.Median
	}
	for _, w := range c.Warnings {
		d.Warnings = append(d.Warnings, w.Error())
	}
	d.Significant = c.P < c.Alpha && len(d.Warnings) == 0
	return d
}

// String is benchstat's notation: "+4.1% (p=0.002)", or "~ (p=0.436)" when
// the difference is not significant.
func (d Delta) String() string {
	p := "(p=" + strconv.FormatFloat(d.P, 'f', 3, 64) + ")"
	if !d.Significant {
		return "~ " + p
	}
	return formatPct(d.Pct) + " " + p
}

// formatPct writes a signed percentage: +2.5%, -17.7%, +250%.
func formatPct(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	prec := 1
	if math.Abs(v) >= 100 {
		prec = 0
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if v >= 0 {
		s = "+" + s
	}
	return s + "%"
}

// interval is the 95 % confidence interval of the result's median, or,
// where there are too few samples for a finite one, the range of its
// samples: the interval that no sample contradicts. A single sample is a
// point. It is computed from the samples, never taken from the record.
func interval(r *results.Result) (lo, hi float64) {
	s := results.Summarize(r.Samples)
	if s.Lo != nil && s.Hi != nil {
		return *s.Lo, *s.Hi
	}
	return s.Min, s.Max
}

// formatCell writes a measured result as a compare cell: "943.9 ±4.3%",
// "961.3 ±∞" when there are too few samples for an interval, and
// "1825 (n=1)" for a single value, whose spread is unknown, not infinite.
func formatCell(r *results.Result) string {
	v := FormatValue(r.Median, r.Unit)
	if len(r.Samples) == 1 {
		return v + " (n=1)"
	}
	return v + " " + FormatCI(r)
}

// tidy rounds v to 12 significant digits: exact for what samples carry,
// without the binary noise of a median computed as the mean of two
// (179.89999999999998).
func tidy(v float64) float64 {
	t, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	if err != nil {
		return v
	}
	return t
}

func tidyPtr(v *float64) *float64 {
	if v == nil {
		return nil
	}
	t := tidy(*v)
	return &t
}

// measuredOK reports whether r has samples to show: measured, neither
// skipped nor failed.
func measuredOK(r *results.Result) bool { return r.Measured() && r.Skipped == "" && r.Error == "" }

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
