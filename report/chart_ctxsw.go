package report

import (
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"

	"zbench/name"
	"zbench/results"
)

// ctxswKind: context-switch time against the processes in the ring, one
// line per working set; bars where the runs hold one ring size.
var ctxswKind = chartKind{
	name: "ctxsw",
	what: "context switch vs processes and working set (ctxsw/.../procs=N/ws=SIZE/...)",
	build: func(ins []Input) ([]*figure, []string) {
		var os []obs
		wsSize := map[string]float64{}
		eachResult(ins, func(ri int, r *results.Result) {
			n := name.Parse(r.Name)
			procs, err := strconv.Atoi(n.Param("procs"))
			ws, werr := n.Size("ws")
			if n.Family() != "ctxsw" || err != nil || procs <= 0 || werr != nil {
				return
			}
			desc := groupDesc(n, "procs", "ws")
			label := "working set " + n.Param("ws")
			wsSize[label] = float64(ws)
			o := obs{group: n.PathString() + "|" + n.Rest("procs", "ws"), desc: desc, label: label, run: ri,
				x: math.Log2(float64(procs)), xname: "procs=" + n.Param("procs")}
			os = append(os, valueObs(o, r))
		})
		// Series in order of working set, whatever order the runs hold them in.
		slices.SortStableFunc(os, func(a, b obs) int { return cmpFloat(wsSize[a.label], wsSize[b.label]) })
		ticks := func(ax *plot.Axis, xs []float64) {
			var ts []plot.Tick
			for e := math.Floor(slices.Min(xs)); e <= math.Ceil(slices.Max(xs)); e++ {
				ts = append(ts, plot.Tick{Value: e, Label: strconv.Itoa(int(math.Exp2(e)))})
			}
			ax.Tick.Marker = plot.ConstantTicks(ts)
		}
		return buildSweep(sweepSpec{kind: "ctxsw", title: "Context switch vs processes and working set", barTitle: "Context switch",
			what: "time per context switch", unit: "ns", better: "shorter is faster", xlabel: "processes in the ring (log2 scale)",
			xticks: ticks, minSweep: 3}, ins, os)
	},
}

// groupDesc writes a group key for a title: "ctxsw/ring cpu=same kind=process".
func groupDesc(n name.Name, drop ...string) string {
	s := n.PathString()
	for _, k := range n.Keys() {
		if !slices.Contains(drop, k) {
			s += " " + k + "=" + n.Param(k)
		}
	}
	return s
}
