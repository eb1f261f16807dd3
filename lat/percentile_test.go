package lat

import (
	"math"
	"testing"
)

func TestPercentiles(t *testing.T) {
	// 1..100000 ns: the exact quantiles are the values themselves.
	lats := make([]int64, 100000)
	for i := range lats {
		lats[i] = int64(i + 1)
	}
	// A tail: one op in a thousand takes 1 ms.
	tail := make([]int64, 10000)
	for i := range tail {
		tail[i] = 20000
		if i%1000 == 999 {
			tail[i] = 1_000_000
		}
	}
	for _, tc := range []struct {
		name string
		lats []int64
		want map[string]float64
	}{
		{"uniform", lats, map[string]float64{"p50-ns": 50000, "p90-ns": 90000, "p99-ns": 99000, "p99.9-ns": 99900}},
		{"tail", tail, map[string]float64{"p50-ns": 20000, "p90-ns": 20000, "p99-ns": 20000, "p99.9-ns": 20000}},
		{"tail beyond p99.9", append(tail, 1_000_000, 1_000_000), map[string]float64{"p50-ns": 20000, "p99.9-ns": 1_000_000}},
	} {
		got := percentiles(tc.lats)
		for k, want := range tc.want {
			if math.Abs(got[k]-want) > want*0.001+1 {
				t.Errorf("%s: %s = %v, want %v (within 0.1%%)", tc.name, k, got[k], want)
			}
		}
	}
}
