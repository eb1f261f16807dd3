package report

import (
	"math"
	"slices"

	"gonum.org/v1/plot"

	"zbench/name"
	"zbench/results"
)

var percentiles = []struct {
	key   string
	label string
	q     float64
}{{"p50-ns", "p50", 0.5}, {"p90-ns", "p90", 0.9}, {"p99-ns", "p99", 0.99}, {"p99.9-ns", "p99.9", 0.999}}

var rttOps = []string{"pipe", "unix", "tcp", "udp"}

// latencyKind: the percentiles of round trips (lat/{pipe,unix,tcp,udp}) and
// of TCP connects, one line per operation and run, the tail to the right.
var latencyKind = chartKind{
	name: "latency",
	what: "latency percentiles (lat/{pipe,unix,tcp,udp}/... and lat/tcp/connect with metrics p50-ns ... p99.9-ns)",
	build: func(ins []Input) ([]*figure, []string) {
		type item struct {
			run     int
			r       *results.Result
			n       name.Name
			connect bool
		}
		var items []item
		transports := map[string][]string{}
		key := func(it item) string {
			if it.connect {
				return "connect|" + it.n.Rest("transport")
			}
			return "rtt|" + it.n.Rest("transport")
		}
		measuredResults(ins, func(ri int, r *results.Result) {
			n := name.Parse(r.Name)
			p := n.Path()
			if n.Family() != "lat" || len(p) < 2 || !slices.Contains(rttOps, p[1]) {
				return
			}
			if _, ok := r.Metrics[percentiles[0].key]; !ok {
				return
			}
			it := item{ri, r, n, n.Op() == "tcp/connect"}
			items = append(items, it)
			if t := n.Param("transport"); t != "" && !slices.Contains(transports[key(it)], t) {
				transports[key(it)] = append(transports[key(it)], t)
			}
		})
		var rtt, conn []obs
		for _, it := range items {
			n := it.n
			k := key(it)
			label := n.Op()
			if len(transports[k]) > 1 && n.Param("transport") != "" {
				label += " over " + n.Param("transport")
			}
			desc := ""
			for _, pk := range n.Keys() {
				if pk != "transport" || len(transports[k]) == 1 {
					desc += " " + pk + "=" + n.Param(pk)
				}
			}
			if it.connect {
				desc = "lat/tcp/connect" + desc
			} else {
				desc = "lat round trips" + desc
			}
			for _, pc := range percentiles {
				o, ok := metricObs(obs{group: k, desc: desc, label: label, run: it.run, x: -math.Log10(1 - pc.q), xname: pc.label}, it.r, pc.key)
				if !ok {
					continue
				}
				if it.connect {
					conn = append(conn, o)
				} else {
					rtt = append(rtt, o)
				}
			}
		}
		ticks := func(ax *plot.Axis, _ []float64) {
			var ts []plot.Tick
			for _, pc := range percentiles {
				ts = append(ts, plot.Tick{Value: -math.Log10(1 - pc.q), Label: pc.label})
			}
			ax.Tick.Marker = plot.ConstantTicks(ts)
		}
		spec := sweepSpec{kind: "latency", what: "round-trip latency", unit: "ns", xticks: ticks, xfixed: [2]float64{0.15, 3.15},
			xlabel: "percentile of operations (spaced by 1/(1−q): the tail to the right)", value: "each percentile's median over the samples",
			title: "Round-trip latency percentiles"}
		figs, why := buildSweep(spec, ins, rtt)
		spec.what, spec.title, spec.kind = "connect latency", "TCP connect latency percentiles (socket, connect, close)", "connect"
		f2, w2 := buildSweep(spec, ins, conn)
		return append(figs, f2...), append(why, w2...)
	},
}
