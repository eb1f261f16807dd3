package results

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestClusters(t *testing.T) {
	for _, tc := range []struct {
		name    string
		samples []float64
		want    bool
		nLower  int
	}{
		{"one mode", []float64{2500, 2510, 2490, 2530, 2470, 2505, 2520, 2480, 2515, 2495}, false, 0},
		{"two modes: same-CPU against cross-CPU wake-ups", []float64{2500, 24000, 2600, 2450, 22500, 2550, 25000, 2480, 23000, 2520}, true, 6},
		{"two close but separate modes", []float64{100, 101, 99, 100, 102, 140, 141, 139, 140, 142}, true, 5},
		{"uniform noise", []float64{100, 104, 108, 112, 116, 120, 124, 128, 132, 136}, false, 0},
		{"one outlier is not a mode", []float64{100, 101, 99, 100, 102, 101, 100, 99, 98, 300}, false, 0},
		{"long tail", []float64{100, 102, 105, 110, 120, 135, 150, 180, 220, 300}, false, 0},
		{"too few samples", []float64{100, 300, 100}, false, 0},
		{"two apart but each group wide", []float64{100, 130, 160, 90, 120, 210, 260, 300, 240, 280}, false, 0},
	} {
		lo, hi, ok := Clusters(tc.samples)
		if ok != tc.want {
			t.Errorf("%s: bimodal = %v, want %v (split %v | %v)", tc.name, ok, tc.want, lo, hi)
			continue
		}
		if ok && (len(lo) != tc.nLower || len(lo)+len(hi) != len(tc.samples)) {
			t.Errorf("%s: split %d | %d, want %d below", tc.name, len(lo), len(hi), tc.nLower)
		}
	}
}

// Gaussian noise of a few percent around one value is never two modes.
func TestClustersNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		s := make([]float64, 10)
		for i := range s {
			s[i] = 1000 * (1 + 0.03*rng.NormFloat64())
		}
		if lo, hi, ok := Clusters(s); ok {
			t.Fatalf("trial %d: noise reported as two modes: %v | %v", trial, lo, hi)
		}
	}
}

func TestBimodalWarning(t *testing.T) {
	r := Result{Name: "ctxsw/ring/procs=2/ws=0KiB/cpu=free/kind=process", Unit: "ns/op", Better: Lower,
		Samples: []float64{2500, 24000, 2600, 2450, 22500, 2550, 25000, 2480, 23000, 2520}}
	r.Summarize()
	found := false
	for _, w := range r.Warnings {
		if strings.Contains(w, "6 near 2.51 µs and 4 near 23.5 µs") && strings.Contains(w, "cpu=same and cpu=spread") {
			found = true
		}
	}
	if !found {
		t.Errorf("warnings %q: want the two clusters named and the cpu= variants pointed at", r.Warnings)
	}
	one := Result{Name: "lat/syscall/null", Unit: "ns/op", Better: Lower, Samples: []float64{950, 951, 949, 955, 948, 952, 950, 953, 947, 951}}
	one.Summarize()
	if len(one.Warnings) != 0 {
		t.Errorf("one mode: warnings %q", one.Warnings)
	}
}
