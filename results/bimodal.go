package results

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Thresholds of the two-cluster test. A split is reported when both groups
// hold at least a fifth of the samples (and two), the gap between them is at
// least 25 % of the lower value, and the gap is more than twice the spread
// inside either group: tight clusters far apart, not a long tail or noise.
const (
	minGapRatio   = 1.25
	gapOverSpread = 2.0
)

// Clusters looks for two clusters in samples. It returns the split (sorted
// lower and upper groups) and whether the samples are bimodal by the rule
// above. Comparisons are on a log scale, since the modes that matter (a
// same-CPU against a cross-CPU wake-up) differ by factors.
func Clusters(samples []float64) (lower, upper []float64, ok bool) {
	n := len(samples)
	minSize := max(2, (n+4)/5)
	if n < 2*minSize {
		return nil, nil, false
	}
	s := slices.Sorted(slices.Values(samples))
	if s[0] <= 0 {
		return nil, nil, false
	}
	best, gap := -1, 0.0
	for k := minSize; k <= n-minSize; k++ {
		if g := math.Log(s[k] / s[k-1]); g > gap {
			best, gap = k, g
		}
	}
	if best < 0 || gap < math.Log(minGapRatio) {
		return nil, nil, false
	}
	spread := max(math.Log(s[best-1]/s[0]), math.Log(s[n-1]/s[best]))
	if gap <= gapOverSpread*spread {
		return nil, nil, false
	}
	return s[:best], s[best:], true
}

// bimodalWarning is the note for a result whose samples split in two.
func bimodalWarning(r *Result) (string, bool) {
	lo, hi, ok := Clusters(r.Samples)
	if !ok {
		return "", false
	}
	ml, mh := median(lo), median(hi)
	msg := fmt.Sprintf("samples split into two clusters: %d near %s and %d near %s (%.1f× apart), so the median stands for neither",
		len(lo), fmtUnit(ml, r.Unit), len(hi), fmtUnit(mh, r.Unit), mh/ml)
	if strings.Contains(r.Name, "cpu=free") {
		msg += "; where the scheduler places the processes decides the number: compare the cpu=same and cpu=spread variants"
	} else {
		msg += "; the machine ran in two states during the run (placement, clock speed or interference)"
	}
	return msg, true
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func fmtUnit(v float64, unit string) string {
	if unit == "ns/op" {
		switch {
		case v >= 1e6:
			return fmt.Sprintf("%.3g ms", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.3g µs", v/1e3)
		}
		return fmt.Sprintf("%.3g ns", v)
	}
	return fmt.Sprintf("%.4g %s", v, unit)
}
