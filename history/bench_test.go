package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"zbench/internal/host"
	"zbench/results"
)

const (
	benchRuns       = 1000
	benchBenchmarks = 300
)

// benchSeries is 300 series of 1,000 runs with ±5% noise; every tenth has
// a +10% step at a run of its own.
func benchSeries() []Series {
	rng := rand.New(rand.NewPCG(42, 42))
	m := Machine{ID: "bench", CPUModel: "CPU X", CPUs: 2}
	out := make([]Series, benchBenchmarks)
	for b := range out {
		at := benchRuns
		if b%10 == 0 {
			at = 100 + rng.IntN(800)
		}
		s := Series{Benchmark: fmt.Sprintf("lat/bench/n=%d", b), Unit: "ns/op", Better: results.Lower, Machine: m}
		for i := range benchRuns {
			lvl := 100.0
			if i >= at {
				lvl = 110
			}
			s.Points = append(s.Points, Point{Started: fmt.Sprint(i), Median: lvl * (1 + 0.05*(2*rng.Float64()-1))})
		}
		out[b] = s
	}
	return out
}

// BenchmarkChanges is `history changes` over 1,000 runs × 300 benchmarks,
// without the store: the change-point detection alone.
func BenchmarkChanges(b *testing.B) {
	series := benchSeries()
	var n int
	cpu := cpuTime()
	for b.Loop() {
		n = len(Changes(series, Detector{}))
	}
	b.ReportMetric(float64(n), "changes")
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkChangesSQLite is `history changes` over a SQLite store of 1,000
// runs × 300 benchmarks: loading every series, then the detection. Building
// the store is not timed.
func BenchmarkChangesSQLite(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(43, 43))
	for i := range benchRuns {
		run := &results.Run{Schema: results.Schema, Zbench: results.Version{Version: "(devel)"},
			Started: t0.Add(time.Duration(i) * time.Minute), Finished: t0.Add(time.Duration(i)*time.Minute + time.Second),
			Host: host.Env{Hostname: "h", CPUModel: "CPU X", CPUsOnline: 2, Kernel: "6.18", Virtualization: "kvm"}}
		for k := range benchBenchmarks {
			r := results.Result{Name: fmt.Sprintf("lat/bench/n=%d", k), Unit: "ns/op", Better: results.Lower}
			for range 6 {
				r.Samples = append(r.Samples, 100*(1+0.05*(2*rng.Float64()-1)))
			}
			r.Summarize()
			run.Results = append(run.Results, r)
		}
		if err := s.Add(ctx, run); err != nil {
			b.Fatal(err)
		}
	}
	var n int
	cpu := cpuTime()
	for b.Loop() {
		series, err := s.Series(ctx, Filter{MediansOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		n = len(Changes(series, Detector{}))
	}
	b.ReportMetric(float64(n), "changes")
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the CPU time (user and system) this process has used: on a
// shared machine, wall time per op includes waiting for a CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
