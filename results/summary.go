package results

import (
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
)

// Confidence is the level of the intervals zbench reports.
const Confidence = 0.95

// Summarize computes the median, its confidence interval (benchmath's
// distribution-free order-statistic interval, as benchstat reports), the
// minimum and maximum from r.Samples, and adds benchmath's warnings and a
// warning when the samples split into two clusters (see Clusters).
func (r *Result) Summarize() {
	if len(r.Samples) == 0 {
		return
	}
	// benchmath sorts in place; the record keeps samples in the order they
	// were taken, which shows drift over the run.
	s := benchmath.NewSample(slices.Clone(r.Samples), &benchmath.DefaultThresholds)
	sum := benchmath.AssumeNothing.Summary(s, Confidence)
	r.Median = sum.Center
	r.Confidence = sum.Confidence
	r.CILow, r.CIHigh = nil, nil
	if !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) {
		lo, hi := sum.Lo, sum.Hi
		r.CILow, r.CIHigh = &lo, &hi
	}
	r.Min = s.Values[0]
	r.Max = s.Values[len(s.Values)-1]
	for _, w := range sum.Warnings {
		r.AddWarning(w.Error())
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
