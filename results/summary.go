package results

import (
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
)

// Confidence is the level of the intervals zbench reports.
const Confidence = 0.95

// Summary is what zbench says about one set of samples, the headline's or a
// metric's: the median with its confidence interval (benchmath's
// distribution-free order-statistic interval, as benchstat reports), the
// minimum and maximum, and benchmath's warnings. Lo and Hi are nil where
// there are too few samples for a finite interval at Confidence.
type Summary struct {
	Median, Min, Max float64
	Lo, Hi           *float64
	Confidence       float64
	Warnings         []string
}

// Summarize is the one summary of samples (in any order; they are not
// modified). It is the zero Summary for no samples.
func Summarize(samples []float64) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	// benchmath sorts in place; records keep samples in the order they were
	// taken, which shows drift over the run.
	s := benchmath.NewSample(slices.Clone(samples), &benchmath.DefaultThresholds)
	sum := benchmath.AssumeNothing.Summary(s, Confidence)
	out := Summary{Median: sum.Center, Confidence: sum.Confidence, Min: s.Values[0], Max: s.Values[len(s.Values)-1]}
	if !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) {
		lo, hi := sum.Lo, sum.Hi
		out.Lo, out.Hi = &lo, &hi
	}
	for _, w := range sum.Warnings {
		out.Warnings = append(out.Warnings, w.Error())
	}
	return out
}

// Summarize computes the median, its confidence interval, the minimum and
// maximum from r.Samples (see the function Summarize), and adds benchmath's
// warnings and a warning when the samples split into two clusters (see
// Clusters).
func (r *Result) Summarize() {
	if len(r.Samples) == 0 {
		return
	}
	sum := Summarize(r.Samples)
	r.Median = sum.Median
	r.Confidence = sum.Confidence
	r.CILow, r.CIHigh = sum.Lo, sum.Hi
	r.Min, r.Max = sum.Min, sum.Max
	for _, w := range sum.Warnings {
		r.AddWarning(w)
	}
	if w, ok := bimodalWarning(r); ok {
		r.AddWarning(w)
	}
}

// Best is the best sample in the unit's direction: the minimum for times (the
// most robust estimator of a sub-microsecond cost on a noisy host), the
// maximum for rates.
func (r *Result) Best() float64 {
	if r.Better == Higher {
		return r.Max
	}
	return r.Min
}

// AddWarning appends w unless it is already there.
func (r *Result) AddWarning(w string) {
	if !slices.Contains(r.Warnings, w) {
		r.Warnings = append(r.Warnings, w)
	}
}
