package report

import (
	"strings"

	"gonum.org/v1/plot"

	"zbench/results"
)

// responseKind: header-plus-file responses per second against the file's
// size, one line per method (write+sendfile, cork, msgmore, writev, copy);
// bars where the runs hold one or two sizes. The segments each response
// took are a metric of the same results, in the table and the HTML page.
var responseKind = chartKind{
	name: "response",
	what: "responses per second vs file size (zerocopy/response results)",
	build: func(ins []Input) ([]*figure, []string) {
		var os []obs
		isResponse := func(r *results.Result) bool {
			return r.Unit == "op/s" && strings.HasPrefix(r.Name, "zerocopy/response/")
		}
		for _, it := range sizeItems(ins, eachResult, isResponse) {
			os = append(os, valueObs(it.obs, it.r))
		}
		return buildSweep(sweepSpec{kind: "response", title: "Responses vs file size", barTitle: "Responses",
			what: "responses", unit: "op/s", better: "longer is faster", xlabel: "file size (log2 scale)",
			xticks: func(ax *plot.Axis, xs []float64) { sizeTicks(ax, xs, 8) }, minSweep: 3}, ins, os)
	},
}
