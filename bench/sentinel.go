package bench

import (
	"context"
	"errors"
	"slices"
	"time"

	"zbench/results"
)

// The host sentinel: a small fixed workload timed once per round, in a
// worker like any sample, that no change to zbench's benchmarks can move. A
// pure-CPU loop shows the speed of the core (another tenant on it, a lower
// clock); a null system call shows the cost of entering the kernel, which
// hypervisors and mitigations move. When they move during a run, the host
// moved, not the code (docs/design.md, "Host drift").
const sentinelName = "zbench/sentinel"

// Each sample times both parts; a round takes sentinelSamples of them and
// its value is their mean, the total time over the total work, so that
// whatever shares the CPU during any of them counts (a median of short
// samples could fall between a co-runner's time slices). Sized to outlast a
// scheduler time slice (a few ms) in all: about 2 ms of CPU loop and 0.4 to
// 4 ms of system calls a sample, at 2 ns an iteration and 100 to 900 ns a
// call.
const (
	sentinelCPUIters     = 1 << 20
	sentinelSyscallIters = 1 << 12
	sentinelSamples      = 5
)

// sentinelSpec is the sentinel as a benchmark: one run times the CPU loop
// and the null calls and reports each per iteration as a metric.
var sentinelSpec = Spec{Name: sentinelName, Pin: true, Run: func(b *B) error {
	b.StartTimer()
	t0 := time.Now()
	sentinelSink = cpuLoop(sentinelCPUIters)
	cpu := time.Since(t0)
	t1 := time.Now()
	for range sentinelSyscallIters {
		nullCall()
	}
	sys := time.Since(t1)
	b.StopTimer()
	if sentinelSink == 0 { // xorshift never reaches 0 from another state
		return errors.New("the sentinel's CPU loop did not run")
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/sentinelCPUIters, "cpu-ns")
	b.ReportMetric(float64(sys.Nanoseconds())/sentinelSyscallIters, "syscall-ns")
	return nil
}}

var sentinelSink uint64

// cpuLoop is a chain of dependent integer operations (xorshift): no memory
// traffic, no branch the predictor can miss, nothing the compiler can drop
// while its result is stored.
func cpuLoop(n int) uint64 {
	x := uint64(88172645463325252)
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// sentinel times the sentinel for round (0-based) and adds it to the run's,
// unless its worker failed: the sentinel informs, it never fails a run.
func (r *Runner) sentinel(ctx context.Context, sts []*state, round, rounds int, cpu int) {
	r.progress(sts, Progress{Name: sentinelName, Round: round + 1, Rounds: rounds, Total: len(sts), Sentinel: true})
	rep, err := r.runWorker(ctx, job{Name: sentinelName, N: 1, TargetNs: int64(10 * time.Millisecond), Samples: sentinelSamples, CPU: cpu})
	if err != nil || rep.Error != "" || rep.Skipped != "" || len(rep.Samples) == 0 {
		return
	}
	var cpus, calls []float64
	for _, s := range rep.Samples {
		cpus = append(cpus, s.Metrics["cpu-ns"])
		calls = append(calls, s.Metrics["syscall-ns"])
	}
	r.sentinels = append(r.sentinels, results.Sentinel{Round: round, CPUNs: mean(cpus), SyscallNs: mean(calls)})
}

func mean(vs []float64) float64 {
	sum := 0.0
	for _, v := range vs {
		sum += v
	}
	return sum / float64(len(vs))
}

// Sentinels are the host sentinel's values of the last Run, one per round
// (Runner.Sentinel).
func (r *Runner) Sentinels() []results.Sentinel { return slices.Clone(r.sentinels) }
