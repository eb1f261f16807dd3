// Package bench is the harness, the "run" stage of zbench's pipeline. Families
// (lat, ctxsw, bw, zerocopy) declare benchmarks as data ([]Spec); the Runner
// decides everything about how they are measured: prerequisite probes and skip
// reasons, CPU pinning, warm-up, the iteration count N, samples, and time
// limits. Every benchmark runs in worker processes (zbench re-executed with a
// hidden sub-command); the parent never measures, it collects.
package bench

import (
	"errors"
	"strings"
	"time"

	"zbench/internal/sys"
	"zbench/name"
)

// ErrNotSupported marks a benchmark that cannot run on this host. Wrap it with
// the reason a person understands:
//
//	fmt.Errorf("%w: io_uring is disabled: /proc/sys/kernel/io_uring_disabled=2", bench.ErrNotSupported)
//
// A prerequisite or Run returning it makes the result "skipped", not "error".
var ErrNotSupported = sys.ErrNotSupported

// Spec declares one benchmark. Its Run only measures: it never prints, never
// exits and never decides iteration counts.
type Spec struct {
	// Name is the full path: family, operation, key=value parameters, e.g.
	// "lat/syscall/null/path=inline" (docs/design.md §3).
	Name string
	// Doc says exactly what one op is.
	Doc string
	// Unit of the result: "ns/op" (the default) or "B/s" (Run must call
	// SetBytes). Its direction comes from results.Better.
	Unit string
	// Default marks membership of the default suite (`zbench run` with no
	// pattern).
	Default bool
	// Pin asks the runner to pin the measuring thread to one CPU.
	Pin bool
	// Target is this benchmark's sample length when the run does not set
	// one (--time); 0 is the runner's default. Streams of gigabytes per
	// second are steady within tens of milliseconds; a sweep of them at
	// 100 ms a sample would not fit a run.
	Target time.Duration
	// PerWorker is how many samples one worker takes when the run does not
	// say (--per-worker): for benchmarks whose set-up (a helper, a file, a
	// connection) costs more than a sample. The runner still spreads every
	// benchmark's samples over at least three workers.
	PerWorker int
	// Requires are prerequisite probes, run in the parent before any worker
	// starts. Each returns nil, or an error wrapping ErrNotSupported with the
	// reason it cannot run here.
	Requires []func() error
	// Run measures b.N operations between StartTimer/StopTimer (or with
	// b.Loop). Setup before the timer starts is not counted. It is called
	// several times per worker (calibration, warm-up, samples).
	Run func(b *B) error
	// Child, when set, is the body of the helper processes Run starts with
	// StartChild (ring members, echo peers). It runs in a process of its
	// own, started from the same binary, and receives StartChild's args.
	Child func(args []string) error
	// Remote, on a benchmark declared for transport=peer, is its server
	// side: how `zbench serve` runs Child for the client.
	Remote *Remote
}

// Params returns the key=value parameters of the name, in order (the name
// package's grammar).
func (s *Spec) Params() [][2]string {
	n := name.Parse(s.Name)
	var ps [][2]string
	for _, k := range n.Keys() {
		ps = append(ps, [2]string{k, n.Param(k)})
	}
	return ps
}

func (s *Spec) unit() string {
	if s.Unit == "" {
		return "ns/op"
	}
	return s.Unit
}

// Probe runs the prerequisites and returns the first reason the benchmark
// cannot run here, or nil.
func (s *Spec) Probe() error {
	for _, req := range s.Requires {
		if err := req(); err != nil {
			return err
		}
	}
	return nil
}

// SkipReason returns the human reason inside an ErrNotSupported error.
func SkipReason(err error) string {
	msg := err.Error()
	prefix := ErrNotSupported.Error() + ": "
	if errors.Is(err, ErrNotSupported) && strings.HasPrefix(msg, prefix) {
		return strings.TrimPrefix(msg, prefix)
	}
	return msg
}
