package report

import (
	"math"
	"strings"

	"gonum.org/v1/plot"

	"zbench/name"
	"zbench/results"
)

// Metric keys the byte-moving families record (README, "How to read the
// metrics").
const (
	metricCopied   = "copied-fraction"
	metricSenderB  = "sender-cpu-ns/B"
	metricReceiveB = "receiver-cpu-ns/B"
)

// throughputKind: bytes per second against chunk size, one line per method
// (or operation); bars where the runs hold one or two sizes.
var throughputKind = chartKind{
	name: "throughput",
	what: "throughput vs chunk size (B/s results with chunk= or size= in the name)",
	build: func(ins []Input) ([]*figure, []string) {
		var os []obs
		for _, it := range sizeItems(ins, eachResult, func(r *results.Result) bool { return r.Unit == "B/s" }) {
			os = append(os, valueObs(it.obs, it.r))
		}
		return buildSweep(sweepSpec{kind: "throughput", title: "Throughput vs chunk size", barTitle: "Throughput",
			what: "throughput", unit: "B/s", better: "longer is faster", xlabel: "chunk size (log2 scale)",
			xticks: func(ax *plot.Axis, xs []float64) { sizeTicks(ax, xs, 8) }, minSweep: 3}, ins, os)
	},
}

// sizeItem is a result that sweeps a size, with its observation frame.
type sizeItem struct {
	r   *results.Result
	obs obs
}

// sizeItems finds the results that sweep a size parameter ("chunk=" for
// streams, "size=" otherwise), among those each visits, and pass keep. A group is everything in the
// name but the size and the series parameter ("method=", or "op=" where
// there is no method); a series is one value of that parameter (with the
// operation where a group holds several).
func sizeItems(ins []Input, each func([]Input, func(int, *results.Result)), keep func(*results.Result) bool) []sizeItem {
	type item struct {
		run          int
		r            *results.Result
		n            name.Name
		size         int64
		xkey, series string
	}
	var items []item
	ops := map[string]map[string]bool{}
	// Operations of one family share a chart only where they are the
	// series (bw/pipe beside bw/unix); where a parameter names the series
	// (zerocopy/send by method), each operation has its own.
	key := func(it item) string {
		g := it.n.Family()
		if it.series != "" {
			g = it.n.PathString()
		}
		return g + "|" + it.xkey + "|" + it.n.Rest(it.xkey, it.series)
	}
	each(ins, func(ri int, r *results.Result) {
		n := name.Parse(r.Name)
		it := item{run: ri, r: r, n: n, xkey: "size"}
		if n.Has("chunk") {
			it.xkey = "chunk"
		}
		for _, k := range []string{"method", "op"} {
			if n.Has(k) && it.series == "" {
				it.series = k
			}
		}
		size, err := n.Size(it.xkey)
		if err != nil || size <= 0 || !keep(r) {
			return
		}
		it.size = size
		items = append(items, it)
		k := key(it)
		if ops[k] == nil {
			ops[k] = map[string]bool{}
		}
		ops[k][n.Op()] = true
	})
	var out []sizeItem
	for _, it := range items {
		k := key(it)
		label := it.n.Param(it.series)
		if len(ops[k]) > 1 || label == "" {
			label = strings.TrimSpace(it.n.Op() + " " + label)
		}
		desc := it.n.Family()
		if len(ops[k]) == 1 {
			desc = it.n.PathString()
		}
		if r := it.n.Rest(it.xkey, it.series); r != "" {
			desc += " " + strings.ReplaceAll(r, "/", " ")
		}
		out = append(out, sizeItem{r: it.r, obs: obs{group: k, desc: desc, label: label, run: it.run,
			x: math.Log2(float64(it.size)), xname: name.FormatSize(it.size), copied: it.r.Metrics[metricCopied] > 0.5}})
	}
	return out
}
