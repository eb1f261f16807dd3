package report

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"zbench/results"
)

// Chart is one chart drawn from one or more runs. A chart of several runs
// overlays them on one set of axes, one colour per run.
type Chart struct {
	Kind  string // the chart kind that drew it ("throughput", "latency", ...)
	File  string // a base name for its file, unique among the charts of one call
	Title string
	fig   *figure
}

// PNG is the chart as a PNG image.
func (c Chart) PNG() ([]byte, error) { return c.fig.PNG() }

// SVG is the chart as an <svg> element, self-contained, to inline in HTML.
func (c Chart) SVG() ([]byte, error) { return c.fig.SVG() }

// SkippedChart is a chart that was not drawn, and why.
type SkippedChart struct {
	Kind   string
	Reason string
}

func (s SkippedChart) String() string { return s.Kind + ": " + s.Reason }

// chartKind is one kind of chart: what it shows (for skip notes) and how
// it builds its charts from the runs. build returns the charts it could
// draw and, for each it could not, the reason.
type chartKind struct {
	name  string
	what  string
	build func(ins []Input) ([]*figure, []string)
}

// chartKinds is the registry, in the order charts are presented. Adding a
// kind is a chart_NAME.go with its build function, and a line here
// (docs/design.md, "Adding a chart").
var chartKinds = []chartKind{
	syscallKind,
	latencyKind,
	ctxswKind,
	throughputKind,
	responseKind,
	cpuKind,
}

// Charts draws every chart the runs hold data for. Each kind that has
// nothing to show, and each chart that failed to draw, is listed in the
// second return value with its reason; one failure never hides another
// chart.
func Charts(ins []Input) ([]Chart, []SkippedChart) {
	var charts []Chart
	var skipped []SkippedChart
	seen := map[string]int{}
	for _, k := range chartKinds {
		figs, why := k.build(ins)
		for _, w := range why {
			skipped = append(skipped, SkippedChart{Kind: k.name, Reason: w})
		}
		if len(figs) == 0 && len(why) == 0 {
			skipped = append(skipped, SkippedChart{Kind: k.name, Reason: k.what + ": no such results in the given runs"})
		}
		for _, f := range figs {
			if seen[f.file]++; seen[f.file] > 1 {
				f.file += fmt.Sprintf("-%d", seen[f.file])
			}
			charts = append(charts, Chart{Kind: k.name, File: f.file, Title: f.title, fig: f})
		}
	}
	return charts, skipped
}

// obs is one value a chart kind wants shown: which chart (group), panel
// and series it belongs to, where on the sweep axis, from which run.
type obs struct {
	group string  // the chart it belongs to
	desc  string  // the group in words, for titles: "zerocopy/send transport=loopback"
	panel string  // the panel within the chart ("" where there is one)
	label string  // the series
	x     float64 // position on the sweep axis
	xname string  // the x value as a name writes it ("128KiB", "procs=2")
	run   int

	y, lo, hi float64
	span      bool   // lo..hi is the samples' range: too few samples for an interval
	copied    bool   // the kernel copied most of a zero-copy send
	missing   string // set where the run has no value: why ("skipped", "error")
}

// sweepSpec describes a chart kind that shows values against a sweep
// parameter: lines where the runs sweep it, bars where they hold a value
// or two.
type sweepSpec struct {
	kind     string // file prefix
	title    string // "Throughput vs chunk size"
	barTitle string // the title where there is no sweep: "Throughput"
	what     string // the value axis: "throughput"
	unit     string // "B/s", "ns", "ns/B"
	better   string // "higher is better", said on bar charts
	xlabel   string
	xticks   func(ax *plot.Axis, xs []float64)
	panels   []string // panel order; nil for one
	minSweep int      // distinct x values that make a sweep (0: always lines)
	xfixed   [2]float64
	value    string // what a point is, where not a result's median: "each percentile's median over the samples"
}

// distinct counts the distinct x values of obs.
func distinct(os []obs) []float64 {
	var xs []float64
	for _, o := range os {
		if o.missing == "" && !slices.Contains(xs, o.x) {
			xs = append(xs, o.x)
		}
	}
	slices.Sort(xs)
	return xs
}

func buildSweep(spec sweepSpec, ins []Input, all []obs) ([]*figure, []string) {
	var order []string
	groups := map[string][]obs{}
	for _, o := range all {
		if _, ok := groups[o.group]; !ok {
			order = append(order, o.group)
		}
		groups[o.group] = append(groups[o.group], o)
	}
	var figs []*figure
	var why []string
	var pool []obs
	for _, g := range order {
		os := groups[g]
		if xs := distinct(os); len(xs) == 0 || (spec.minSweep > 0 && len(xs) < spec.minSweep) {
			pool = append(pool, os...)
			continue
		}
		f, err := lineFigure(spec, ins, os)
		if err != nil {
			why = append(why, os[0].desc+": "+err.Error())
			continue
		}
		figs = append(figs, f)
	}
	if len(pool) > 0 {
		f, err := barFigure(spec, ins, pool)
		switch {
		case err != nil:
			why = append(why, "bars: "+err.Error())
		case f == nil:
			why = append(why, pool[0].desc+": every such result was skipped or failed (the table says why)")
		default:
			figs = append(figs, f)
		}
	}
	return figs, why
}

// runLooks names the runs for a chart's legend, marking those that have a
// value among os.
func runLooks(ins []Input, os []obs) *looks {
	lk := &looks{present: make([]bool, len(ins))}
	for _, in := range ins {
		lk.runs = append(lk.runs, subtitle(in))
	}
	for _, o := range os {
		if o.missing == "" {
			lk.present[o.run] = true
		}
	}
	return lk
}

func lineFigure(spec sweepSpec, ins []Input, os []obs) (*figure, error) {
	lk := runLooks(ins, os)
	panels := spec.panels
	if panels == nil {
		panels = []string{""}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	span, spread, copied := false, false, false
	for _, o := range os {
		if o.missing == "" {
			lo, hi = min(lo, o.lo, o.y), max(hi, o.hi, o.y)
			span, spread, copied = span || o.span, spread || o.hi > o.lo, copied || o.copied
		}
	}
	va := valueAxis(spec.what, spec.unit, lo, hi)
	xs := distinct(os)
	f := &figure{file: fileName(spec.kind, os[0].desc), form: "lines"}
	for _, pn := range panels {
		var ls []line
		idx := map[[2]string]int{}
		for _, o := range os {
			if o.missing != "" || o.panel != pn {
				continue
			}
			k := [2]string{fmt.Sprint(o.run), o.label}
			i, ok := idx[k]
			if !ok {
				i = len(ls)
				idx[k] = i
				ls = append(ls, line{run: o.run, label: o.label})
			}
			ls[i].pts = append(ls[i].pts, point{x: o.x, y: o.y, lo: o.lo, hi: o.hi, copied: o.copied})
		}
		if len(ls) == 0 {
			continue
		}
		for i := range ls {
			slices.SortFunc(ls[i].pts, func(a, b point) int { return cmpFloat(a.x, b.x) })
		}
		p, err := linePanel(spec.xlabel, va, ls, lk)
		if err != nil {
			return nil, err
		}
		applyAxis(&p.Y, va, lo, hi) // one scale for every panel, so they read against each other
		if spec.xticks != nil {
			spec.xticks(&p.X, xs)
		}
		if spec.xfixed != [2]float64{} {
			p.X.Min, p.X.Max = spec.xfixed[0], spec.xfixed[1]
		}
		f.panels = append(f.panels, p)
		f.heads = append(f.heads, pn)
	}
	if len(f.panels) == 0 {
		return nil, fmt.Errorf("no values")
	}
	var extra []legendEntry
	if copied {
		extra = append(extra, legendEntry{text: copiedLegend, thumb: ringThumb})
	}
	f.legend = lk.entries(true, extra...)
	note := intervalNote(spec.value, "bars", spread, span)
	f.title = spec.title + ": " + os[0].desc + "\n" + runsLine(ins, lk.present) + "\n" + note
	if len(f.panels) > 1 {
		f.width, f.height = 11*vg.Inch, 5.5*vg.Inch
	}
	return f, nil
}

// barFigure draws the values of groups that do not sweep as bars: one
// category per group, series and x value, one bar per run.
func barFigure(spec sweepSpec, ins []Input, os []obs) (*figure, error) {
	panels := spec.panels
	if panels == nil {
		panels = []string{""}
	}
	var descs []string
	for _, o := range os {
		if !slices.Contains(descs, o.desc) {
			descs = append(descs, o.desc)
		}
	}
	xnames := map[string]bool{}
	for _, o := range os {
		if o.missing == "" {
			xnames[o.xname] = true
		}
	}
	prefix := commonWords(descs)
	cat := func(o obs) string {
		var parts []string
		if len(descs) > 1 {
			parts = append(parts, strings.TrimSpace(strings.TrimPrefix(o.desc, prefix)))
		}
		parts = append(parts, o.label)
		if len(xnames) > 1 && o.xname != "" {
			parts = append(parts, o.xname)
		}
		return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), ", ")
	}
	var cats []string
	lo, hi := math.Inf(1), math.Inf(-1)
	copied, span, spread := false, false, false
	for _, o := range os {
		if c := cat(o); !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
		if o.missing == "" && o.y > 0 {
			lo, hi = min(lo, o.lo, o.y), max(hi, o.hi, o.y)
			copied, span, spread = copied || o.copied, span || o.span, spread || o.hi > o.lo
		}
	}
	if math.IsInf(lo, 0) {
		return nil, nil // nothing but skips and errors: the kind says so
	}
	va := valueAxis(spec.what, spec.unit, lo, hi)
	f := &figure{form: "bars"}
	for _, pn := range panels {
		var bars []bar
		for _, o := range os {
			if o.panel != pn {
				continue
			}
			b := bar{cat: slices.Index(cats, cat(o)), run: o.run, color: palette[o.run%len(palette)], copied: o.copied}
			if o.missing != "" {
				b.text = o.missing
			} else {
				b.v, b.lo, b.hi = o.y, o.lo, o.hi
				b.text = formatAxisValue(o.y, va)
			}
			bars = append(bars, b)
		}
		if len(bars) == 0 {
			continue
		}
		label := va.label
		if spec.better != "" {
			label += "; " + spec.better
		}
		f.panels = append(f.panels, barPanel(label, cats, len(ins), bars, va, lo, hi))
		f.heads = append(f.heads, pn)
	}
	lk := runLooks(ins, os)
	var extra []legendEntry
	if copied {
		extra = append(extra, legendEntry{text: copiedLegend, thumb: ringThumb})
	}
	if len(ins) > 1 {
		f.legend = lk.entries(false, extra...)
	} else {
		f.legend = extra
	}
	desc := prefix
	if len(descs) == 1 {
		desc = descs[0]
	}
	if desc == "" {
		var fams []string
		for _, d := range descs {
			if f, _, _ := strings.Cut(d, " "); !slices.Contains(fams, f) {
				fams = append(fams, f)
			}
		}
		desc = strings.Join(fams, ", ")
	}
	if len(xnames) == 1 {
		for x := range xnames {
			if x != "" {
				desc += " at " + x
			}
		}
	}
	f.file = fileName(spec.kind, desc)
	if len(descs) > 1 && prefix == "" {
		f.file = spec.kind
	}
	note := intervalNote(spec.value, "whiskers", spread, span)
	f.title = spec.barTitle + ": " + strings.TrimSpace(desc) + "\n" + runsLine(ins, lk.present) + "\n" + note
	f.width = 10 * vg.Inch
	if len(panels) > 1 {
		f.width = 12 * vg.Inch
	}
	f.height = max(vg.Length(len(cats)*len(ins))*0.22*vg.Inch+2*vg.Inch, 3.5*vg.Inch)
	return f, nil
}

// formatAxisValue writes a bar's value in its axis's unit: 9.3 for 9300 ns
// on a µs axis.
func formatAxisValue(v float64, a axis) string {
	return FormatValue(v/a.scale, "")
}

// commonWords is the longest run of whole leading words the strings share.
func commonWords(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	words := strings.Fields(ss[0])
	n := len(words)
	for _, s := range ss[1:] {
		w := strings.Fields(s)
		k := 0
		for k < min(n, len(w)) && w[k] == words[k] {
			k++
		}
		n = k
	}
	return strings.Join(words[:n], " ")
}

// runsLine names the runs that have a value in a chart, for its title.
func runsLine(ins []Input, present []bool) string {
	var who []string
	for i, in := range ins {
		if i < len(present) && present[i] {
			who = append(who, subtitle(in))
		}
	}
	if len(who) == 1 {
		return who[0]
	}
	if s := strings.Join(who, "  vs  "); len(s) <= 100 {
		return s
	}
	return fmt.Sprintf("%d runs, one colour each (see the legend)", len(who))
}

// subtitle names a run: its host and when it started.
func subtitle(in Input) string {
	r := in.Run
	if results.IsReference(r) {
		return fmt.Sprintf("%s (quoted reference, %d)", in.Label, r.Started.Year())
	}
	s := r.Host.Hostname
	if s != in.Label {
		s += " (" + in.Label + ")"
	}
	return s + ", " + r.Started.UTC().Format("2006-01-02 15:04 UTC")
}

// fileName is a chart's file name: its kind and its group, without the
// kind said twice ("ctxsw-ring-cpu-same", not "ctxsw-ctxsw-ring-cpu-same").
func fileName(kind, desc string) string {
	return kind + "-" + strings.TrimPrefix(slug(desc), kind+"-")
}

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(slugUnsafe.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// valueObs fills an observation's value from a result: the median and its
// interval, or why there is none.
func valueObs(o obs, r *results.Result) obs {
	switch {
	case r.Skipped != "":
		o.missing = "skipped"
	case r.Error != "":
		o.missing = "error"
	case !r.Measured():
		o.missing = "no samples"
	default:
		o.y = r.Median
		o.lo, o.hi = interval(r)
		o.span = r.CILow == nil
	}
	return o
}

// metricObs fills an observation's value from a result's metric key, and
// says whether the result has it. A metric is the median over the samples;
// the record (schema 1) keeps no interval for it, so lo and hi are the
// value. Where the record keeps each metric's samples (schema 2's
// MetricStats), this is the one place to read their interval from.
func metricObs(o obs, r *results.Result, key string) (obs, bool) {
	v, ok := r.Metrics[key]
	if !ok {
		return o, false
	}
	o.y, o.lo, o.hi = v, v, v
	if m, ok := r.MetricStats[key]; ok {
		switch {
		case m.CILow != nil && m.CIHigh != nil:
			o.lo, o.hi = *m.CILow, *m.CIHigh
		case len(m.Samples) > 0:
			o.lo, o.hi, o.span = slices.Min(m.Samples), slices.Max(m.Samples), true
		}
	}
	return o, true
}

// intervalNote says, for a chart's title, what a point is and what its
// error bars (or whiskers) are.
func intervalNote(value, bars string, spread, span bool) string {
	if value == "" {
		value = "median"
	}
	switch {
	case !spread:
		return value + "; the record holds no interval for these values"
	case span:
		return value + "; " + bars + ": 95% CI, or the samples' range where too few samples for one"
	}
	return value + "; " + bars + ": 95% CI"
}
