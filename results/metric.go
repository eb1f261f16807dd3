package results

import (
	"slices"
	"strings"
)

// Metric is one extra figure of a benchmark with every sample's value and
// the summary the headline gets (schema 2). Its median is in
// Result.Metrics under the same name.
type Metric struct {
	// Better is the direction of the metric (MetricBetter of its name):
	// Lower, Higher, or "" where neither is better.
	Better string `json:"better"`
	// Samples holds one value per sample of the benchmark that reported the
	// metric, in the order the samples were taken.
	Samples    []float64 `json:"samples"`
	CILow      *float64  `json:"ci_low,omitempty"`
	CIHigh     *float64  `json:"ci_high,omitempty"`
	Confidence float64   `json:"confidence,omitempty"`
}

// MetricBetter is the direction of a metric, read from the unit its name
// ends in:
//
//   - a time is better lower: "ns", a name whose part before the first "/"
//     ends in "-ns" ("p99-ns", "hop-ns"), and per-unit times ("ns/enter",
//     "sender-cpu-ns/B", "receiver-cpu-ns/response");
//   - a rate, a name ending in "/s" ("B/s", "op/s"), is better higher;
//   - "retransmits" (a count of resent segments) is better lower;
//   - anything else has no direction (""): counts such as
//     "segments/response", and fractions such as "copied-fraction" (the
//     share of bytes the kernel copied although zero-copy was asked for)
//     and "cross-cpu" (the share of switches that crossed CPUs). A fraction
//     describes which path the kernel or the scheduler took, not how well it
//     went: its cost shows in the time and CPU metrics beside it. Reports
//     show such a metric's change but never call it a regression or an
//     improvement, and the gate does not gate on it.
func MetricBetter(name string) string {
	if b, ok := Better(name); ok {
		return b
	}
	num, _, _ := strings.Cut(name, "/")
	switch {
	case strings.HasSuffix(name, "/s"):
		return Higher
	case num == "ns" || strings.HasSuffix(num, "-ns"):
		return Lower
	case name == "retransmits":
		return Lower
	}
	return ""
}

// SummarizeMetric is the metric called name with the given per-sample
// values, summarised as the headline is (see Summarize), and its median.
func SummarizeMetric(name string, samples []float64) (Metric, float64) {
	sum := Summarize(samples)
	return Metric{
		Better:     MetricBetter(name),
		Samples:    slices.Clone(samples),
		CILow:      sum.Lo,
		CIHigh:     sum.Hi,
		Confidence: sum.Confidence,
	}, sum.Median
}

// SetMetric records the metric called name from its per-sample values: the
// summary in r.MetricStats and the median in r.Metrics.
func (r *Result) SetMetric(name string, samples []float64) {
	if len(samples) == 0 {
		return
	}
	m, median := SummarizeMetric(name, samples)
	if r.Metrics == nil {
		r.Metrics = make(map[string]float64)
	}
	if r.MetricStats == nil {
		r.MetricStats = make(map[string]Metric)
	}
	r.Metrics[name] = median
	r.MetricStats[name] = m
}

// MetricResult is the metric called name of r as a result of its own, so
// that whatever compares, gates or exports results does the same with
// metrics: the benchmark's name, the metric's name as the unit, its
// direction (possibly ""), samples, median, interval, minimum and maximum.
// It is false where r has no per-sample values of the metric (a schema-1
// record keeps only the median) and where r is not measured.
func (r *Result) MetricResult(name string) (Result, bool) {
	m, ok := r.MetricStats[name]
	if !ok || len(m.Samples) == 0 || r.Skipped != "" {
		return Result{}, false
	}
	sum := Summarize(m.Samples)
	x := Result{
		Name: r.Name, Unit: name, Better: m.Better, CPU: r.CPU,
		Samples: slices.Clone(m.Samples),
		Median:  sum.Median, CILow: sum.Lo, CIHigh: sum.Hi, Confidence: sum.Confidence,
		Min: sum.Min, Max: sum.Max,
		Error: r.Error,
	}
	return x, true
}

// MetricNames are the names of r's metrics, sorted.
func (r *Result) MetricNames() []string {
	names := make([]string, 0, len(r.Metrics))
	for k := range r.Metrics {
		names = append(names, k)
	}
	for k := range r.MetricStats {
		if _, ok := r.Metrics[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}
