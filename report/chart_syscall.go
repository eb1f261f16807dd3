package report

import (
	"strings"

	"zbench/results"
)

// syscallKind: every lat/syscall result in ns/op as horizontal bars, one
// per run, grouped by benchmark; a log axis where the values span decades
// (int80 beside vdso).
var syscallKind = chartKind{
	name: "syscalls",
	what: "system calls (lat/syscall/* in ns/op)",
	build: func(ins []Input) ([]*figure, []string) {
		var os []obs
		eachResult(ins, func(ri int, r *results.Result) {
			if !strings.HasPrefix(r.Name, "lat/syscall/") || r.Unit != "ns/op" {
				return
			}
			o := obs{group: "lat/syscall", desc: "lat/syscall/...", label: strings.TrimPrefix(r.Name, "lat/syscall/"), run: ri}
			os = append(os, valueObs(o, r))
		})
		if !anyValue(os) {
			return nil, nil
		}
		return buildSweep(sweepSpec{kind: "syscalls", barTitle: "System calls", what: "time per call",
			unit: "ns", better: "shorter is faster", minSweep: 1 << 30}, ins, os)
	},
}

func anyValue(os []obs) bool {
	for _, o := range os {
		if o.missing == "" {
			return true
		}
	}
	return false
}

// measuredResults calls f for every result of every run that has samples to
// show.
func measuredResults(ins []Input, f func(run int, r *results.Result)) {
	eachResult(ins, func(ri int, r *results.Result) {
		if measuredOK(r) {
			f(ri, r)
		}
	})
}

// eachResult calls f for every result of every run, measured or not: a
// chart shows a skipped or failed result as such (valueObs).
func eachResult(ins []Input, f func(run int, r *results.Result)) {
	for ri, in := range ins {
		for i := range in.Run.Results {
			f(ri, &in.Run.Results[i])
		}
	}
}
