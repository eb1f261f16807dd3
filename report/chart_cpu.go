package report

import (
	"gonum.org/v1/plot"

	"zbench/results"
)

// cpuKind: CPU time per byte of the sender and of the receiver against
// chunk size, side by side on one scale; bars where the runs hold one or
// two sizes.
var cpuKind = chartKind{
	name: "cpu",
	what: "CPU per byte vs chunk size (metrics " + metricSenderB + ", " + metricReceiveB + ")",
	build: func(ins []Input) ([]*figure, []string) {
		has := func(r *results.Result) bool {
			_, s := r.Metrics[metricSenderB]
			_, rc := r.Metrics[metricReceiveB]
			return s || rc
		}
		var os []obs
		for _, it := range sizeItems(ins, measuredResults, has) {
			for _, side := range []struct{ key, panel string }{{metricSenderB, "sender"}, {metricReceiveB, "receiver"}} {
				o := it.obs
				o.panel = side.panel
				if o, ok := metricObs(o, it.r, side.key); ok {
					os = append(os, o)
				}
			}
		}
		return buildSweep(sweepSpec{kind: "cpu", title: "CPU per byte vs chunk size", barTitle: "CPU per byte",
			what: "CPU time per byte", unit: "ns/B", better: "shorter is cheaper", xlabel: "chunk size (log2 scale)",
			xticks: func(ax *plot.Axis, xs []float64) { sizeTicks(ax, xs, 5) }, panels: []string{"sender", "receiver"},
			minSweep: 3, value: "median over the samples"}, ins, os)
	},
}
