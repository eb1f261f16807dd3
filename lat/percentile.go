package lat

import "github.com/HdrHistogram/hdrhistogram-go"

// percentiles are p50, p90, p99 and p99.9 of per-op times in ns, from an HDR
// histogram with 3 significant digits (1 ns to 60 s): within 0.1 % of the
// exact order statistics, in constant memory however many ops a sample has.
func percentiles(lats []int64) map[string]float64 {
	h := hdrhistogram.New(1, 60_000_000_000, 3)
	for _, v := range lats {
		h.RecordValue(max(v, 1))
	}
	out := make(map[string]float64, 4)
	for _, q := range []struct {
		name string
		q    float64
	}{{"p50-ns", 50}, {"p90-ns", 90}, {"p99-ns", 99}, {"p99.9-ns", 99.9}} {
		out[q.name] = float64(h.ValueAtQuantile(q.q))
	}
	return out
}
