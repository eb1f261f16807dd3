// Package ctxsw is a family of the measure stage of zbench's pipeline: the
// cost of a context switch, measured as LMbench's lat_ctx does. N members
// pass a one-byte token round a ring of pipes, each touching a private
// working set between hops, and the cost of the same pipe traffic and
// working-set touch without a switch is subtracted. The members are helper
// processes or threads of the worker, and where they run (one CPU, spread
// over CPUs, or wherever the scheduler puts them) is part of every
// benchmark's name, because on a small machine it decides the answer.
package ctxsw

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"zbench/bench"
	"zbench/internal/sys"
	"zbench/name"
)

// Placement of the ring's members on CPUs (sys.Place resolves it): same,
// every member on the measuring thread's CPU; spread, member i on the i-th
// allowed CPU counting from it; free, nobody pinned.
const (
	cpuSame   = name.Same
	cpuSpread = name.Spread
	cpuFree   = name.Free
)

// Kinds of ring member.
const (
	kindProcess = "process" // helper processes: every switch changes address space
	kindThread  = "thread"  // OS threads of the worker: one address space
)

// The sweep: `zbench run ctxsw` runs all of it.
var (
	ringProcs  = []int{2, 4, 8, 16}
	ringWS     = []int{0, 4 << 10, 16 << 10, 64 << 10}
	placements = name.Placements
	kinds      = []string{kindProcess, kindThread}
)

// ring is one benchmark of the sweep.
type ring struct {
	procs int // members, the measuring thread included
	ws    int // bytes of working set per member
	cpu   name.Placement
	kind  string
}

func (r ring) name() string {
	return fmt.Sprintf("ctxsw/ring/procs=%d/ws=%dKiB/cpu=%s/kind=%s", r.procs, r.ws>>10, r.cpu, r.kind)
}

// isDefault says whether the ring is one of the headline few of the default
// suite, which must finish in about a minute with every family's headlines.
func (r ring) isDefault() bool {
	// Two members, no working set: between processes and between threads
	// on one CPU, and unpinned processes (the flip lat_ctx users see). The
	// cross-CPU wake-up is in the default suite as lat/pipe cpu=spread.
	if r.procs != 2 || r.ws != 0 {
		return false
	}
	return r.cpu == cpuSame || (r.cpu == cpuFree && r.kind == kindProcess)
}

func (r ring) doc() string {
	others := fmt.Sprintf("%d helper processes", r.procs-1)
	if r.kind == kindThread {
		others = fmt.Sprintf("%d more threads of the worker (one address space: no mm switch)", r.procs-1)
	}
	if r.procs == 2 {
		others = strings.Replace(strings.Replace(others, "processes", "process", 1), "threads", "thread", 1)
	}
	var where string
	switch r.cpu {
	case cpuSame:
		where = "All pinned to one CPU: every hop is a switch on that CPU."
	case cpuSpread:
		where = "Member i pinned to the i-th allowed CPU counting from the measuring thread's: hops wake a member on another CPU."
	case cpuFree:
		where = "Nobody pinned: the scheduler places them, same CPU or not (metric cross-cpu: the fraction of timed hops whose two members ran on different CPUs, each hop checked as the token arrives)."
	}
	var cache string
	switch {
	case r.ws == 0:
	case r.cpu == cpuSame:
		cache = fmt.Sprintf(" The overhead runs with its working set warm; in the ring the sets stay warm only if all %d (%d KiB) fit in the CPU's caches, else refilling them is counted in the switch, as in lat_ctx.",
			r.procs, r.procs*r.ws>>10)
	default:
		cache = " The overhead runs with its working set warm; in the ring a set is warm only on the CPU its member last ran on, else refilling it is counted in the switch, as in lat_ctx."
	}
	return fmt.Sprintf("LMbench lat_ctx ring: the measuring thread and %s pass a token (8 bytes: the sender's CPU and a count of cross-CPU hops) round a ring of blocking pipes; "+
		"between hops each member sums the words of its private, prefaulted %d KiB working set. %s "+
		"One op is one context switch: the time per hop (metric hop-ns: a switch plus one pipe write, one pipe read and one working-set sum) "+
		"minus overhead-ns, the same write, read and sum timed in the measuring thread without a switch, in slices interleaved with the ring's. "+
		"A sample whose overhead is not below its hop is measured again, at most %d times (metric redone: how many times), never clamped.%s",
		others, r.ws>>10, where, maxRedo, cache)
}

// Specs returns the family's benchmarks, in the order reports show them:
// by ring size, working set, placement, then kind.
func Specs() []bench.Spec {
	var specs []bench.Spec
	for _, procs := range ringProcs {
		for _, ws := range ringWS {
			for _, cpu := range placements {
				for _, kind := range kinds {
					r := ring{procs: procs, ws: ws, cpu: cpu, kind: kind}
					s := bench.Spec{
						Name:    r.name(),
						Doc:     r.doc(),
						Default: r.isDefault(),
						// The runner pins the measuring thread for same and
						// spread, and the ring places its other members
						// relative to it. For free nothing is pinned, so
						// every fresh worker is placed anew by the scheduler.
						Pin: cpu != cpuFree,
						Run: func(b *bench.B) error { return runRing(b, r) },
					}
					if cpu == cpuSpread {
						s.Requires = []func() error{sys.NeedTwoCPUs}
					}
					if kind == kindProcess {
						s.Child = serveMember
					}
					specs = append(specs, s)
				}
			}
		}
	}
	return specs
}

// perSwitch is the lat_ctx subtraction: the ring's time per hop, less the
// overhead of one hop's work done without a switch (a pipe write, a pipe
// read and a working-set sum in one thread). One hop is one switch, so the
// difference is the time of one context switch. It refuses, rather than
// clamps, an overhead that is not below the hop time: a switch cannot be
// free, so that means the overhead was mismeasured or the ring was not
// switching.
func perSwitch(ringNs float64, hops int, overheadNs float64) (float64, error) {
	if hops <= 0 {
		return 0, fmt.Errorf("no hops timed (%d)", hops)
	}
	if ringNs <= 0 || overheadNs < 0 {
		return 0, fmt.Errorf("impossible times: ring %.0f ns, overhead %.1f ns per hop", ringNs, overheadNs)
	}
	hop := ringNs / float64(hops)
	if overheadNs >= hop {
		return 0, fmt.Errorf("%w: overhead %.1f ns is not below the time per hop %.1f ns, so no switch time is left to report",
			errOverhead, overheadNs, hop)
	}
	return hop - overheadNs, nil
}

var errOverhead = errors.New("overhead swallows the switch")

// maxRedo bounds how many times one sample is measured again when its
// overhead swallowed the switch. Something else running on the CPU during
// the overhead slices (a burst of other work on a shared machine) inflates
// the overhead of that sample only, so the sample is measured again, all of
// it, ring and overhead alike, and the record counts it (metric redone). A
// sample that keeps failing means the overhead is not below the hop at all,
// and the benchmark fails with perSwitch's error.
const maxRedo = 3

// timing is what one measurement of a sample gives: the ring's time, the
// hops it covers, the mean overhead per hop, and the fraction of the timed
// hops that crossed CPUs.
type timing struct {
	ring       time.Duration
	hops       int
	overheadNs float64
	cross      float64
}

// metrics is where a sample's figures go: *bench.B in a benchmark, a
// recorder in tests.
type metrics interface {
	ReportMetric(v float64, unit string)
}

// redoWarning is attached to a result with a redone sample.
const redoWarning = "some samples were measured again because their overhead swallowed the switch (other work ran during their overhead slices): metric redone counts them per sample"

// sample measures one sample (measure must start afresh each call: its
// timer, its overhead and its counts) and reports it. A sample whose
// overhead swallowed the switch is measured again, at most maxRedo times;
// metric redone says how many times it was. Any other error ends the
// sample at once.
func sample(b metrics, warn func(string), measure func() (timing, error)) error {
	for redone := 0; ; redone++ {
		t, err := measure()
		if err != nil {
			return err
		}
		b.ReportMetric(float64(redone), "redone")
		err = report(b, t)
		if errors.Is(err, errOverhead) && redone < maxRedo {
			continue
		}
		if redone > 0 && err == nil {
			warn(redoWarning)
		}
		if err != nil && redone > 0 {
			err = fmt.Errorf("%w (measured %d times)", err, redone+1)
		}
		return err
	}
}

// report attaches a timed ring's figures to the sample: the raw time per
// hop, the overhead, and their difference, the time per switch, which is the
// sample's value (ns/op). A measurement whose overhead was not below its
// time per hop (something else ran during the overhead slices) is an error,
// never a clamped switch time.
func report(b metrics, t timing) error {
	b.ReportMetric(float64(t.ring.Nanoseconds())/float64(max(t.hops, 1)), "hop-ns")
	b.ReportMetric(t.overheadNs, "overhead-ns")
	b.ReportMetric(t.cross, "cross-cpu")
	sw, err := perSwitch(float64(t.ring.Nanoseconds()), t.hops, t.overheadNs)
	if err != nil {
		return fmt.Errorf("no switch time from this sample (was the machine busy during its overhead slices?): %w", err)
	}
	b.ReportMetric(sw, "ns/op")
	return nil
}
