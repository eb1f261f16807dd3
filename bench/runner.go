package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"zbench/internal/sys"
	"zbench/results"
)

// Runner measures specs in worker processes and collects their samples.
type Runner struct {
	// Count is the number of samples per benchmark (default 10).
	Count int
	// Target is the length of one sample, for every benchmark (0: each
	// benchmark's Spec.Target, else 100ms); N is chosen so that one timed
	// run of N operations lasts about this long.
	Target time.Duration
	// PerWorker is the number of samples one worker process takes, for
	// every benchmark (0: each benchmark's Spec.PerWorker, else 1: a fresh
	// process per sample, so that the between-process variance that
	// placement, page layout and ASLR cause is inside the interval).
	PerWorker int
	// CPU pins benchmarks with Spec.Pin to this CPU; -1 picks the last CPU
	// this process may run on (CPU 0 tends to take more interrupts).
	CPU int
	// WarmUp is the length of a discarded worker run before the first
	// sample of the run (default 500ms; negative: none). On a machine fresh
	// from idle or from other programs, the first few hundred milliseconds
	// of system calls can be much slower than the steady state (measured on
	// a 2-vCPU VM: +40 % for ~250 ms); later workers follow workers and do
	// not see it, so without this only the run's first samples would.
	WarmUp time.Duration
	// WorkerTimeout bounds one worker process (0: 30 s plus 20 × the sample
	// time of its samples). A worker past it is killed with its process
	// group and the benchmark becomes an error.
	WorkerTimeout time.Duration
	// Exe and Args start a worker: the job is appended to Args. Defaults:
	// /proc/self/exe and [WorkerCommand].
	Exe  string
	Args []string
	// Verify is passed to every benchmark (B.Verify).
	Verify bool
	// Env is added to the worker's environment.
	Env []string
	// Progress, when set, is called in the parent before each worker starts,
	// never while one is measuring.
	Progress func(Progress)
}

// Progress says what the runner is about to measure.
type Progress struct {
	Name         string
	Index, Total int // benchmark k of n (1-based)
	Round        int // 1-based; 0 for the warm-up
	Rounds       int
	WarmUp       bool // a discarded warm-up worker
}

func (r *Runner) count() int { return cmp(r.Count, 10) }

// minWorkers is the fewest worker processes a benchmark's samples come from
// when a spec asks for several samples per worker (DESIGN.md §4).
const minWorkers = 3

// perWorker is the samples per worker for s: the run's, else the spec's,
// else 1; a spec's own choice never leaves fewer than minWorkers workers.
func (r *Runner) perWorker(s *Spec) int {
	if r.PerWorker > 0 {
		return r.PerWorker
	}
	if s.PerWorker > 1 {
		return max(1, min(s.PerWorker, r.count()/minWorkers))
	}
	return 1
}

// target is the sample length for s: the run's, else the spec's, else 100ms.
func (r *Runner) target(s *Spec) time.Duration {
	switch {
	case r.Target > 0:
		return r.Target
	case s.Target > 0:
		return s.Target
	}
	return 100 * time.Millisecond
}

func (r *Runner) warmUp() time.Duration {
	switch {
	case r.WarmUp < 0:
		return 0
	case r.WarmUp == 0:
		return 500 * time.Millisecond
	}
	return r.WarmUp
}

func cmp(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// PinCPU returns the CPU that pinned benchmarks run on.
func (r *Runner) PinCPU() (int, error) {
	if r.CPU >= 0 {
		return r.CPU, nil
	}
	cpus, err := sys.AllowedCPUs()
	if err != nil {
		return -1, err
	}
	if len(cpus) == 0 {
		return -1, errors.New("no CPU in this process's affinity mask")
	}
	return cpus[len(cpus)-1], nil
}

// Run measures specs and returns one result per spec, in order. Benchmarks
// are interleaved: each round takes the next samples of every benchmark in
// turn, so slow drift of the machine spreads over all of them instead of
// biasing one. A benchmark that is skipped or fails is left out of later
// rounds; the others go on. When ctx is cancelled the worker in flight is
// killed, and Run returns what was measured with ctx's error.
func (r *Runner) Run(ctx context.Context, specs []Spec) ([]results.Result, error) {
	res := make([]results.Result, len(specs))
	done := make([]bool, len(specs))
	iters := make([][]int64, len(specs))
	workers := make([]int, len(specs))
	ns := make([]int, len(specs)) // chosen N per benchmark, from its first worker
	metrics := make([]map[string][]float64, len(specs))

	pinCPU, pinErr := r.PinCPU()
	for i := range specs {
		s := &specs[i]
		res[i] = results.Result{Name: s.Name, Doc: s.Doc, Unit: s.unit(), CPU: -1, SampleTargetNs: int64(r.target(s))}
		better, ok := results.Better(s.unit())
		switch {
		case !ok:
			res[i].Error = fmt.Sprintf("unknown unit %q", s.unit())
		case s.Run == nil:
			res[i].Error = "no Run function"
		case s.Pin && pinErr != nil:
			res[i].Error = fmt.Sprintf("choosing a CPU to pin to: %v", pinErr)
		}
		res[i].Better = better
		if s.Pin {
			res[i].CPU = pinCPU
		}
		if res[i].Error == "" {
			if err := s.Probe(); err != nil {
				if errors.Is(err, ErrNotSupported) {
					res[i].Skipped = SkipReason(err)
				} else {
					res[i].Error = fmt.Sprintf("probing prerequisites: %v", err)
				}
			}
		}
		done[i] = res[i].Error != "" || res[i].Skipped != ""
	}

	count := r.count()
	rounds := 0
	for i := range specs {
		per := r.perWorker(&specs[i])
		rounds = max(rounds, (count+per-1)/per)
	}
	if w := r.warmUp(); w > 0 {
		for i := range specs {
			if !done[i] {
				if r.Progress != nil {
					r.Progress(Progress{Name: specs[i].Name, Index: i + 1, Total: len(specs), Rounds: rounds, WarmUp: true})
				}
				// Its outcome is discarded: a failure shows in the rounds.
				r.runWorker(ctx, job{Name: specs[i].Name, TargetNs: int64(w), Samples: 1, CPU: res[i].CPU, Verify: r.Verify})
				break
			}
		}
	}
	var interrupted error
rounds:
	for round := range rounds {
		for i := range specs {
			if done[i] {
				continue
			}
			if err := ctx.Err(); err != nil {
				interrupted = err
				break rounds
			}
			k := min(r.perWorker(&specs[i]), count-len(res[i].Samples))
			if k <= 0 {
				continue
			}
			if r.Progress != nil {
				r.Progress(Progress{Name: specs[i].Name, Index: i + 1, Total: len(specs), Round: round + 1, Rounds: rounds})
			}
			j := job{Name: specs[i].Name, N: ns[i], TargetNs: int64(r.target(&specs[i])), Samples: k, CPU: res[i].CPU, Verify: r.Verify}
			rep, err := r.runWorker(ctx, j)
			workers[i]++
			if err != nil {
				if ctx.Err() != nil {
					interrupted = ctx.Err()
					res[i].Error = "interrupted"
					done[i] = true
					break rounds
				}
				res[i].Error = err.Error()
				done[i] = true
				continue
			}
			for _, w := range rep.Warnings {
				res[i].AddWarning(w)
			}
			for _, s := range rep.Samples {
				v, err := value(res[i].Unit, s)
				if err != nil {
					rep.Error = err.Error()
					break
				}
				res[i].Samples = append(res[i].Samples, v)
				iters[i] = append(iters[i], int64(s.N))
				for m, mv := range s.Metrics {
					if m == res[i].Unit {
						continue // it is the sample itself
					}
					if metrics[i] == nil {
						metrics[i] = make(map[string][]float64)
					}
					metrics[i][m] = append(metrics[i][m], mv)
				}
			}
			switch {
			case rep.Skipped != "":
				res[i].Skipped = rep.Skipped
				res[i].Samples, iters[i], metrics[i] = nil, nil, nil
				done[i] = true
			case rep.Error != "":
				res[i].Error = rep.Error
				done[i] = true
			}
			if ns[i] == 0 {
				ns[i] = rep.N
			}
		}
	}
	for i := range res {
		res[i].Iterations = iters[i]
		res[i].Workers = workers[i]
		if len(res[i].Samples) > 0 {
			res[i].Summarize()
		}
		for m, vs := range metrics[i] {
			res[i].SetMetric(m, vs) // the median in Metrics, every sample in MetricStats
		}
		if interrupted != nil && res[i].Error == "" && res[i].Skipped == "" && len(res[i].Samples) < count {
			res[i].Error = fmt.Sprintf("interrupted after %d of %d samples", len(res[i].Samples), count)
		}
	}
	return res, interrupted
}

// value converts one timed run into the unit of the result. A benchmark
// that computed its op's value itself (ctxsw subtracts the ring's overhead
// from the time per hop) reports it as the metric named after the unit,
// which then stands for the timed value, as in the testing package.
func value(unit string, s sample) (float64, error) {
	if v, ok := s.Metrics[unit]; ok {
		if !(v > 0) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("the benchmark reported %v %s", v, unit)
		}
		return v, nil
	}
	if s.N <= 0 || s.Ns <= 0 {
		return 0, fmt.Errorf("worker reported an empty sample (n=%d, %d ns)", s.N, s.Ns)
	}
	switch unit {
	case "ns/op":
		return float64(s.Ns) / float64(s.N), nil
	case "B/s":
		if s.Bytes <= 0 {
			return 0, errors.New("a B/s benchmark did not call SetBytes")
		}
		return float64(s.Bytes) * float64(s.N) / (float64(s.Ns) / 1e9), nil
	case "op/s":
		return float64(s.N) / (float64(s.Ns) / 1e9), nil
	}
	return 0, fmt.Errorf("unit %q cannot be computed from a timed run", unit)
}

// runWorker starts one worker for j and returns its report. A worker that
// crashes, exits without a report, or outlives its time limit is an error
// whose message says which, with the start of what it printed.
func (r *Runner) runWorker(ctx context.Context, j job) (*report, error) {
	exe := r.Exe
	if exe == "" {
		exe = "/proc/self/exe"
	}
	args := r.Args
	if args == nil {
		args = []string{WorkerCommand}
	}
	jb, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("worker pipe: %w", err)
	}
	defer pr.Close()
	var out headBuffer
	cmd := exec.Command(exe, append(append([]string{}, args...), string(jb))...)
	cmd.ExtraFiles = []*os.File{pw} // descriptor 3 in the worker
	cmd.Stdout, cmd.Stderr = &out, &out
	// GC off from the first instruction; no asynchronous preemption signals
	// (SIGURG every 10 ms at a long-running goroutine) landing in a sample.
	cmd.Env = append(append(os.Environ(), "GOGC=off", "GODEBUG=asyncpreemptoff=1"), r.Env...)
	// A process group of its own, so that the worker and anything it forks
	// can be killed together; and killed outright if the parent dies.
	cmd.SysProcAttr = procAttr(true)
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		pw.Close()
		return nil, fmt.Errorf("starting worker: %w", err)
	}
	pw.Close()
	pgid := cmd.Process.Pid
	// killGroup kills the worker with everything it started and returns
	// when none of them runs any more (bounded), so that nothing outlives a
	// benchmark, least of all a run that is ending.
	killGroup := func() {
		// ESRCH: nothing of the group is left, not even a zombie, which is
		// the usual case once the worker has been reaped; only otherwise
		// is /proc searched for members still running.
		if syscall.Kill(-pgid, syscall.SIGKILL) == syscall.ESRCH {
			return
		}
		for deadline := time.Now().Add(2 * time.Second); groupAlive(pgid) && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}

	type read struct {
		data []byte
		err  error
	}
	reportc := make(chan read, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(pr, 64<<20))
		reportc <- read{data, err}
	}()
	waitc := make(chan error, 1)
	go func() { waitc <- cmd.Wait() }()

	limit := r.WorkerTimeout
	if limit <= 0 {
		limit = 30*time.Second + 20*time.Duration(j.TargetNs)*time.Duration(max(1, j.Samples))
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
	var waitErr error
	select {
	case waitErr = <-waitc:
	case <-timer.C:
		killGroup()
		<-waitc
		return nil, fmt.Errorf("worker exceeded its time limit of %v and was killed%s", limit, out.excerpt())
	case <-ctx.Done():
		killGroup()
		<-waitc
		return nil, ctx.Err()
	}
	// Whatever the worker left running (a forked peer) goes with it.
	killGroup()
	var rd read
	select {
	case rd = <-reportc:
	case <-time.After(2 * time.Second):
		return nil, errors.New("worker exited but its report pipe stayed open")
	}
	if waitErr != nil {
		return nil, fmt.Errorf("worker failed (%v)%s", waitErr, out.excerpt())
	}
	if rd.err != nil {
		return nil, fmt.Errorf("reading worker report: %w", rd.err)
	}
	if len(bytes.TrimSpace(rd.data)) == 0 {
		return nil, fmt.Errorf("worker exited without reporting a result%s", out.excerpt())
	}
	var rep report
	if err := json.Unmarshal(rd.data, &rep); err != nil {
		return nil, fmt.Errorf("worker sent a malformed report: %v", err)
	}
	return &rep, nil
}

// headBuffer keeps the first 8 KiB a worker prints: a panic's message and the
// frames that locate it come first.
type headBuffer struct{ b []byte }

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := 8<<10 - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *headBuffer) excerpt() string {
	var keep []string
	for _, l := range strings.Split(string(h.b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			keep = append(keep, l)
		}
		if len(keep) == 4 {
			break
		}
	}
	if len(keep) == 0 {
		return ""
	}
	return ": " + strings.Join(keep, " | ")
}
