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
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"zbench/internal/sys"
	"zbench/name"
	"zbench/peer"
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
	// Transport is where network benchmarks' other ends live, set up by
	// the caller (peer.Open) for the whole run; the zero value is
	// loopback. Every worker's job carries it (B.Transport). A benchmark
	// declared for another transport (transport= in its name) is skipped,
	// with the --transport that would run it.
	Transport peer.Transport
	// TempDir is where the run's temporary directory is made (default
	// os.TempDir()). Each run makes one of its own and is the TMPDIR of
	// every worker and helper, so that files a killed worker leaves go
	// with the run: Run removes it on every way out.
	TempDir string
	// Progress, when set, is called in the parent before each worker starts,
	// never while one is measuring.
	Progress func(Progress)
	// Sentinel times the host sentinel at the start of every round (see
	// sentinel.go; Sentinels returns the values).
	Sentinel bool

	tmp       string // this run's temporary directory, while Run runs
	sentinels []results.Sentinel
}

// Progress says what the runner is about to measure, or that a benchmark
// is done.
type Progress struct {
	Name         string
	Index, Total int // benchmark k of n (1-based)
	Round        int // 1-based; 0 for the warm-up
	Rounds       int
	WarmUp       bool // a discarded warm-up worker
	// Started and Planned count worker processes: those started so far,
	// and those the run needs as it stands (a benchmark that is skipped
	// or fails drops the rest of its own), so that Started/Planned is the
	// fraction done.
	Started, Planned int
	// Finished says that the benchmark is done: all its samples taken,
	// skipped or failed. Result is its outcome, summarised.
	Finished bool
	Result   *results.Result
	// Sentinel says that the worker about to start times the host
	// sentinel of round Round (Name is "zbench/sentinel").
	Sentinel bool
}

func (r *Runner) count() int { return orDefault(r.Count, 10) }

// minWorkers is the fewest worker processes a benchmark's samples come from
// when a spec asks for several samples per worker (docs/design.md §5).
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

// orDefault is v, or def where v is not positive.
func orDefault(v, def int) int {
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

// state is one benchmark's way through a run: its result so far and what
// the rounds need to carry from one worker to the next.
type state struct {
	spec    *Spec
	index   int // in the run, 0-based
	res     results.Result
	done    bool // skipped or failed: left out of later rounds
	n       int  // the iteration count its first worker calibrated
	iters   []int64
	workers int
	metrics map[string][]float64 // per metric, one value per sample
}

// Run measures specs and returns one result per spec, in order. Benchmarks
// are interleaved: each round takes the next samples of every benchmark in
// turn, so slow drift of the machine spreads over all of them instead of
// biasing one. A benchmark that is skipped or fails is left out of later
// rounds; the others go on. When ctx is cancelled the worker in flight is
// killed, and Run returns what was measured with ctx's error.
//
// The phases: probe (prerequisites, in this process), warm up (one
// discarded worker), rounds, summarise.
func (r *Runner) Run(ctx context.Context, specs []Spec) ([]results.Result, error) {
	tmp, err := r.makeTempDir()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	r.tmp = tmp
	defer func() { r.tmp = "" }()

	sts := r.probe(specs)
	rounds := r.roundCount(sts)
	for i, st := range sts {
		if st.done {
			r.finished(sts, i, false)
		}
	}
	r.warmUpWorker(ctx, sts, rounds)
	interrupted := r.runRounds(ctx, sts, rounds)
	out := make([]results.Result, len(sts))
	for i, st := range sts {
		out[i] = r.summarize(st, interrupted != nil)
	}
	return out, interrupted
}

// probe makes each benchmark's state and decides, before any worker starts,
// which cannot run: a bad spec, no CPU to pin to, a missing prerequisite.
func (r *Runner) probe(specs []Spec) []*state {
	pinCPU, pinErr := r.PinCPU()
	sts := make([]*state, len(specs))
	for i := range specs {
		s := &specs[i]
		st := &state{spec: s, index: i}
		sts[i] = st
		res := &st.res
		*res = results.Result{Name: s.Name, Doc: s.Doc, Unit: s.unit(), CPU: -1, SampleTargetNs: int64(r.target(s))}
		better, ok := results.Better(s.unit())
		switch {
		case !ok:
			res.Error = fmt.Sprintf("unknown unit %q", s.unit())
		case s.Run == nil:
			res.Error = "no Run function"
		case s.Pin && pinErr != nil:
			res.Error = fmt.Sprintf("choosing a CPU to pin to: %v", pinErr)
		}
		res.Better = better
		if s.Pin {
			res.CPU = pinCPU
		}
		if want, ok := specTransport(s); ok && res.Error == "" && want != r.transportKind() {
			res.Skipped = fmt.Sprintf("runs over transport %s, and this run's is %s (run it with --transport %s)", want, r.transportKind(), want)
		}
		if res.Error == "" && res.Skipped == "" {
			if err := s.Probe(); err != nil {
				if errors.Is(err, ErrNotSupported) {
					res.Skipped = SkipReason(err)
				} else {
					res.Error = fmt.Sprintf("probing prerequisites: %v", err)
				}
			}
		}
		st.done = res.Error != "" || res.Skipped != ""
	}
	return sts
}

// roundCount is the number of rounds the benchmark with the fewest samples
// per worker needs.
func (r *Runner) roundCount(sts []*state) int {
	count, rounds := r.count(), 0
	for _, st := range sts {
		per := r.perWorker(st.spec)
		rounds = max(rounds, (count+per-1)/per)
	}
	return rounds
}

// warmUpWorker runs one discarded worker of the first benchmark that can
// run. Its outcome is discarded: a failure shows in the rounds.
func (r *Runner) warmUpWorker(ctx context.Context, sts []*state, rounds int) {
	w := r.warmUp()
	if w <= 0 {
		return
	}
	for i, st := range sts {
		if st.done {
			continue
		}
		r.progress(sts, Progress{Name: st.spec.Name, Index: i + 1, Total: len(sts), Rounds: rounds, WarmUp: true})
		r.runWorker(ctx, r.job(st, int64(w), 1))
		return
	}
}

// runRounds takes the samples, round by round, and returns ctx's error if
// the run was interrupted.
func (r *Runner) runRounds(ctx context.Context, sts []*state, rounds int) error {
	count := r.count()
	r.sentinels = nil
	pin, err := r.PinCPU()
	if err != nil {
		pin = -1
	}
	for round := range rounds {
		if r.Sentinel && r.pending(sts) {
			if err := ctx.Err(); err != nil {
				return err
			}
			r.sentinel(ctx, sts, round, rounds, pin)
		}
		for i, st := range sts {
			if st.done {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			k := min(r.perWorker(st.spec), count-len(st.res.Samples))
			if k <= 0 {
				continue
			}
			r.progress(sts, Progress{Name: st.spec.Name, Index: i + 1, Total: len(sts), Round: round + 1, Rounds: rounds})
			if err := r.sample(ctx, st, k); err != nil {
				return err
			}
			if st.done || len(st.res.Samples) >= count {
				r.finished(sts, i, false)
			}
		}
	}
	return nil
}

// pending says whether a benchmark still has samples to take.
func (r *Runner) pending(sts []*state) bool {
	for _, st := range sts {
		if !st.done && len(st.res.Samples) < r.count() {
			return true
		}
	}
	return false
}

// sample runs one worker for k samples of st and adds what it reports. It
// returns an error only when ctx ended the worker.
func (r *Runner) sample(ctx context.Context, st *state, k int) error {
	res := &st.res
	j := r.job(st, int64(r.target(st.spec)), k)
	j.N = st.n
	rep, err := r.runWorker(ctx, j)
	st.workers++
	if err != nil {
		st.done = true
		if ctx.Err() != nil {
			res.Error = "interrupted"
			return ctx.Err()
		}
		res.Error = err.Error()
		return nil
	}
	for _, w := range rep.Warnings {
		res.AddWarning(w)
	}
	for _, s := range rep.Samples {
		v, err := value(res.Unit, s)
		if err != nil {
			rep.Error = err.Error()
			break
		}
		res.Samples = append(res.Samples, v)
		st.iters = append(st.iters, int64(s.N))
		for m, mv := range s.Metrics {
			if m == res.Unit {
				continue // it is the sample itself
			}
			if st.metrics == nil {
				st.metrics = make(map[string][]float64)
			}
			st.metrics[m] = append(st.metrics[m], mv)
		}
	}
	switch {
	case rep.Skipped != "":
		res.Skipped = rep.Skipped
		res.Samples, st.iters, st.metrics = nil, nil, nil
		st.done = true
	case rep.Error != "":
		res.Error = rep.Error
		st.done = true
	}
	if st.n == 0 {
		st.n = rep.N
	}
	return nil
}

// summarize turns st into its result: the summary of its samples and
// metrics, and an error for a benchmark an interrupt left short.
func (r *Runner) summarize(st *state, interrupted bool) results.Result {
	res := st.res
	res.Warnings = slices.Clone(res.Warnings) // a copy of a run in progress shares none
	res.Iterations = st.iters
	res.Workers = st.workers
	if len(res.Samples) > 0 {
		res.Summarize()
	}
	res.Metrics, res.MetricStats = nil, nil // a copy of a run in progress shares none
	for m, vs := range st.metrics {
		res.SetMetric(m, vs) // the median in Metrics, every sample in MetricStats
	}
	if count := r.count(); interrupted && res.Error == "" && res.Skipped == "" && len(res.Samples) < count {
		res.Error = fmt.Sprintf("interrupted after %d of %d samples", len(res.Samples), count)
	}
	return res
}

// job is a worker's job for k samples of st, each about targetNs long.
func (r *Runner) job(st *state, targetNs int64, k int) job {
	j := job{Name: st.spec.Name, TargetNs: targetNs, Samples: k, CPU: st.res.CPU, Verify: r.Verify}
	if r.Transport.Name != "" {
		tr := r.Transport
		tr.Token = nil // read from its file in the worker
		j.Transport = &tr
	}
	return j
}

// transportKind is the run's transport.
func (r *Runner) transportKind() name.Transport {
	if r.Transport.Name == "" {
		return name.Loopback
	}
	return r.Transport.Name
}

// specTransport is the transport s is declared for (transport= in its
// name), if any.
func specTransport(s *Spec) (name.Transport, bool) {
	n := name.Parse(s.Name)
	if !n.Has("transport") {
		return "", false
	}
	return n.Transport(), true
}

// tempPrefix starts the name of every run's temporary directory:
// zbench-run-ID-RANDOM, where ID names the process that made it (PID and
// start time), so that a later run removes the directory of a run that was
// killed outright, and never one whose maker still runs.
const tempPrefix = "zbench-run-"

// makeTempDir makes this run's temporary directory, after removing those
// of runs that were killed before they could.
func (r *Runner) makeTempDir() (string, error) {
	root := r.TempDir
	if root == "" {
		root = os.TempDir()
	}
	sweepTempDirs(root)
	id, err := sys.ProcessID(os.Getpid())
	if err != nil {
		id = strconv.Itoa(os.Getpid())
	}
	dir, err := os.MkdirTemp(root, tempPrefix+id+"-")
	if err != nil {
		return "", fmt.Errorf("the run's temporary directory: %w", err)
	}
	return dir, nil
}

// sweepTempDirs removes run directories under root whose maker is gone.
func sweepTempDirs(root string) {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), tempPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		id, _, ok := strings.Cut(rest, "-")
		if !ok {
			continue
		}
		if gone, ok := sys.ProcessGone(id); ok && gone {
			os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}

// progress reports p, with the count of workers started and planned.
func (r *Runner) progress(sts []*state, p Progress) {
	if r.Progress == nil {
		return
	}
	count := r.count()
	for _, st := range sts {
		p.Started += st.workers
		p.Planned += st.workers
		if !st.done {
			per := r.perWorker(st.spec)
			p.Planned += (max(0, count-len(st.res.Samples)) + per - 1) / per
		}
	}
	r.Progress(p)
}

// finished reports that sts[i] is done, with its result so far.
func (r *Runner) finished(sts []*state, i int, interrupted bool) {
	if r.Progress == nil {
		return
	}
	res := r.summarize(sts[i], interrupted)
	r.progress(sts, Progress{Name: sts[i].spec.Name, Index: i + 1, Total: len(sts), Finished: true, Result: &res})
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
	if r.tmp != "" {
		// Files a worker or its helpers make go into the run's directory.
		cmd.Env = append(cmd.Env, "TMPDIR="+r.tmp)
	}
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
