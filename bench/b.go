package bench

import (
	"fmt"
	"os"
	"time"

	"zbench/peer"
)

// B is the handle a benchmark measures with. The timer is stopped when Run is
// called: setup is never timed unless Run starts the timer before it.
type B struct {
	// N is the number of operations to time. Chosen by the runner.
	N int

	loopI    int
	timerOn  bool
	start    time.Time
	elapsed  time.Duration
	bytes    int64
	metrics  map[string]float64
	warnings []string
	started  bool // the timer was started at least once

	// Placement, set by the worker before Run: the CPU the measuring thread
	// is pinned to (-1: not pinned) and the CPUs the worker may use.
	placed  bool
	cpu     int
	allowed []int

	verify    bool
	transport peer.Transport
}

// Transport is where the other end of a network benchmark lives: the run's
// transport (bench.Runner.Transport), set up by the command for the whole
// run and ready to use here (its token read). Loopback unless the run says
// otherwise; a benchmark declared for another transport never runs.
func (b *B) Transport() peer.Transport { return b.transport }

// TempDir is the run's temporary directory, which the runner removes when
// the run ends however it ends; it is also this process's TMPDIR, so
// os.CreateTemp("", ...) and os.MkdirTemp("", ...) make their files there.
func (b *B) TempDir() string { return os.TempDir() }

// Verify reports whether the run asked for data verification (--verify):
// benchmarks that move bytes then send a known pattern and check, on the
// receiving side, every byte in order, so that a buffer reused too early or
// a mishandled short write is an error and never a fast number. Off by
// default: checking costs time the measurement would include.
func (b *B) Verify() bool { return b.verify }

// CPU is the CPU the measuring thread is pinned to, or -1 when the
// benchmark's placement is left to the scheduler.
func (b *B) CPU() int {
	if !b.placed {
		return -1
	}
	return b.cpu
}

// AllowedCPUs are the CPUs this benchmark may place helpers on: the worker's
// affinity mask before its measuring thread was pinned.
func (b *B) AllowedCPUs() []int { return b.allowed }

// StartTimer starts timing. time.Now reads the vDSO clock (monotonic); its cost
// is paid once per batch of N operations, so it is far below 0.1 % of any
// sample the runner accepts.
func (b *B) StartTimer() {
	if !b.timerOn {
		b.started = true
		b.timerOn = true
		b.start = time.Now()
	}
}

// StopTimer stops timing; StartTimer resumes it.
func (b *B) StopTimer() {
	if b.timerOn {
		b.elapsed += time.Since(b.start)
		b.timerOn = false
	}
}

// ResetTimer zeroes the elapsed time, leaving the timer running or stopped.
func (b *B) ResetTimer() {
	if b.timerOn {
		b.start = time.Now()
	}
	b.elapsed = 0
}

// Elapsed is the time measured so far.
func (b *B) Elapsed() time.Duration {
	if b.timerOn {
		return b.elapsed + time.Since(b.start)
	}
	return b.elapsed
}

// Loop runs the timed loop: `for b.Loop() { op() }`. The first call starts the
// timer and the last stops it, so whatever precedes the loop is setup and
// whatever follows is teardown, by construction. To the benchmark it means
// what testing.B.Loop means (the body is the timed op, setup and teardown
// around it are not timed); two differences: the body runs exactly b.N
// times per call of Run (the runner calibrates N across calls, where
// testing calibrates inside one), and the compiler does not keep the body's
// results alive as it does for testing.B.Loop, so an op whose result is
// unused must store it (the families' loops make system calls, which it
// cannot remove).
func (b *B) Loop() bool {
	if b.loopI == 0 {
		b.StartTimer()
	}
	if b.loopI < b.N {
		b.loopI++
		return true
	}
	b.StopTimer()
	return false
}

// SetBytes records the bytes processed by one operation; B/s results need it.
func (b *B) SetBytes(n int64) { b.bytes = n }

// ReportMetric attaches an extra figure to this sample, e.g. ("ns/enter", 310).
// The record keeps the median over samples. A metric named after the
// benchmark's unit is the sample's value itself, replacing the timer's: for
// benchmarks whose op is derived (a switch is a hop less its overhead).
func (b *B) ReportMetric(v float64, unit string) {
	if b.metrics == nil {
		b.metrics = make(map[string]float64)
	}
	b.metrics[unit] = v
}

// Warn attaches a warning to the result (deduplicated across samples).
func (b *B) Warn(format string, args ...any) {
	b.warnings = append(b.warnings, fmt.Sprintf(format, args...))
}

func (b *B) reset(n int) {
	*b = B{N: n, placed: b.placed, cpu: b.cpu, allowed: b.allowed, verify: b.verify, transport: b.transport}
}
