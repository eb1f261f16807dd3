package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"zbench/internal/sys"
	"zbench/peer"
)

// WorkerCommand is the hidden sub-command that makes zbench a worker.
const WorkerCommand = "__worker"

// resultFD is the descriptor on which a worker writes its report. A pipe of
// its own, not stdout, so that nothing a benchmark or the runtime prints can
// corrupt the report.
const resultFD = 3

// job is what the parent asks of one worker process.
type job struct {
	Name string `json:"name"`
	// N is the iteration count; 0 asks the worker to calibrate it.
	N        int   `json:"n"`
	TargetNs int64 `json:"target_ns"`
	Samples  int   `json:"samples"`
	// CPU to pin the measuring thread to; -1 leaves placement to the kernel.
	CPU int `json:"cpu"`
	// Verify asks the benchmark to check every byte it moves.
	Verify bool `json:"verify,omitempty"`
	// Transport is where network benchmarks' other ends live (nil:
	// loopback), without its token, which the worker reads from its file.
	Transport *peer.Transport `json:"transport,omitempty"`
}

// report is what one worker sends back.
type report struct {
	N        int      `json:"n"`
	Samples  []sample `json:"samples"`
	Warnings []string `json:"warnings,omitempty"`
	Skipped  string   `json:"skipped,omitempty"`
	Error    string   `json:"error,omitempty"`
}

type sample struct {
	N       int                `json:"n"`
	Ns      int64              `json:"ns"`
	Bytes   int64              `json:"bytes,omitempty"` // per op
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// ServeWorker is the body of `zbench __worker JOB`: it runs one job from specs
// and writes the report on descriptor 3. It returns the process exit status.
func ServeWorker(specs []Spec, args []string) int {
	out := os.NewFile(resultFD, "report")
	if len(args) != 1 || out == nil {
		fmt.Fprintln(os.Stderr, "zbench: the worker sub-command is internal to `zbench run`")
		return 2
	}
	var j job
	if err := json.Unmarshal([]byte(args[0]), &j); err != nil {
		fmt.Fprintf(os.Stderr, "zbench worker: bad job: %v\n", err)
		return 2
	}
	var spec *Spec
	for i := range specs {
		if specs[i].Name == j.Name {
			spec = &specs[i]
		}
	}
	if j.Name == sentinelName {
		spec = &sentinelSpec
	}
	var rep report
	if spec == nil {
		rep.Error = fmt.Sprintf("worker: no benchmark named %q", j.Name)
	} else {
		rep = work(spec, j)
	}
	if err := json.NewEncoder(out).Encode(&rep); err != nil {
		fmt.Fprintf(os.Stderr, "zbench worker: writing report: %v\n", err)
		return 1
	}
	out.Close()
	return 0
}

// work measures in the calling goroutine, locked to its OS thread (affinity
// is per thread, so the pin must follow the lock), with the collector off: a
// timed loop allocates nothing, and a GC cycle started by setup must not land
// in a sample.
func work(spec *Spec, j job) report {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	debug.SetGCPercent(-1)
	defer debug.SetGCPercent(100)

	var rep report
	b := new(B)
	b.allowed, _ = sys.AllowedCPUs()
	b.cpu, b.placed = j.CPU, true
	b.verify = j.Verify
	var tr peer.Transport
	if j.Transport != nil {
		tr = *j.Transport
	}
	tr, err := tr.Load()
	if err != nil {
		rep.Error = fmt.Sprintf("transport: %v", err)
		return rep
	}
	b.transport = tr
	if j.CPU >= 0 {
		if err := sys.PinThread(j.CPU); err != nil {
			rep.Error = fmt.Sprintf("pin to CPU %d: %v", j.CPU, err)
			return rep
		}
	}
	runtime.GC() // start every worker from a clean heap

	target := time.Duration(j.TargetNs)
	n := j.N
	if n <= 0 {
		// Calibrate: grow N until one run reaches the target. These rounds
		// are also the warm-up.
		n = 1
		for {
			if err := measure(spec, b, n); err != nil {
				return fail(rep, err)
			}
			if b.elapsed >= target || n >= maxN {
				break
			}
			n = predictN(target, n, b.elapsed)
		}
	} else {
		// Warm up at a quarter of the sample length: caches, TLB, branch
		// predictors and the CPU's clock settle before the first sample.
		if err := measure(spec, b, max(1, n/4)); err != nil {
			return fail(rep, err)
		}
	}
	rep.N = n
	for range max(1, j.Samples) {
		if err := measure(spec, b, n); err != nil {
			return fail(rep, err)
		}
		rep.Samples = append(rep.Samples, sample{N: n, Ns: int64(b.elapsed), Bytes: b.bytes, Metrics: b.metrics})
		for _, w := range b.warnings {
			if !slices.Contains(rep.Warnings, w) {
				rep.Warnings = append(rep.Warnings, w)
			}
		}
	}
	return rep
}

var errNoTimer = errors.New("the benchmark never started its timer (call b.StartTimer or use b.Loop)")

// measure runs spec once at n iterations, turning a panic into an error.
func measure(spec *Spec, b *B, n int) (err error) {
	b.reset(n)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, stackTop(debug.Stack()))
		}
	}()
	if err := spec.Run(b); err != nil {
		return err
	}
	b.StopTimer()
	if !b.started {
		return errNoTimer
	}
	return nil
}

func fail(rep report, err error) report {
	if errors.Is(err, ErrNotSupported) {
		rep.Skipped = SkipReason(err)
	} else {
		rep.Error = err.Error()
	}
	return rep
}

// stackTop keeps the frames of a panic that matter: those after the panic call.
func stackTop(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			lines = lines[i+2:]
			break
		}
	}
	return strings.Join(lines[:min(len(lines), 8)], "\n")
}
