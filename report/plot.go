package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"zbench/name"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"zbench/results"
)

// The charts' metric keys and parameter names, as the families record them
// (DESIGN.md §3).
const (
	metricCopied   = "copied-fraction"
	metricSenderB  = "sender-cpu-ns/B"
	metricReceiveB = "receiver-cpu-ns/B"
)

var percentiles = []struct {
	key   string
	label string
	q     float64
}{{"p50-ns", "p50", 0.5}, {"p90-ns", "p90", 0.9}, {"p99-ns", "p99", 0.99}, {"p99.9-ns", "p99.9", 0.999}}

// Plotted is what Plot did: the files it wrote, and for each chart it did
// not draw, why.
type Plotted struct {
	Files   []string
	Skipped []string
}

// Plot draws every chart that the inputs hold data for as PNG files in dir:
//
//   - throughput-*.png: throughput against chunk size, one line per method
//     (log2 size axis, error bars from the 95 % CI, a ring where the kernel
//     copied more than half of the bytes of a "zero-copy" send);
//   - cpu-*.png: CPU time per byte against chunk size, sender and receiver;
//   - ctxsw-*.png: context-switch time against the number of processes, one
//     line per working-set size;
//   - latency-*.png: round-trip latency percentiles, one line per transport;
//   - headline-syscalls.png: every lat/syscall benchmark, one bar per run.
//
// The first four are drawn per run (titles carry host and date); the last
// compares runs. A chart whose data is absent is listed in Skipped with the
// reason. Reading is pure: nothing here measures.
func Plot(ins []Input, dir string) (*Plotted, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	out := &Plotted{}
	var charts []chart
	for _, kind := range []struct {
		what  string
		build func(Input) []chart
	}{
		{"throughput vs chunk size (B/s results with chunk= or size= in the name)", throughputCharts},
		{"CPU per byte vs chunk size (metrics " + metricSenderB + ", " + metricReceiveB + ")", cpuCharts},
		{"context switch vs processes and working set (ctxsw/.../procs=N/ws=SIZE/...)", ctxswCharts},
		{"round-trip latency percentiles (lat/{pipe,unix,tcp,udp}/... with metrics p50-ns ... p99.9-ns)", latencyCharts},
	} {
		var got []chart
		for _, in := range ins {
			cs := kind.build(in)
			if len(ins) > 1 {
				for i := range cs {
					cs[i].file += "-" + slug(in.Label)
				}
			}
			got = append(got, cs...)
		}
		if len(got) == 0 {
			out.Skipped = append(out.Skipped, kind.what+": no such results in the given runs")
		}
		charts = append(charts, got...)
	}
	if c, ok := headlineChart(ins); ok {
		charts = append(charts, c)
	} else {
		out.Skipped = append(out.Skipped, "headline bars (lat/syscall/* in ns/op): no such results in the given runs")
	}
	seen := map[string]int{}
	for _, c := range charts {
		if seen[c.file]++; seen[c.file] > 1 {
			c.file += "-" + strconv.Itoa(seen[c.file])
		}
		path := filepath.Join(dir, c.file+".png")
		if err := c.save(path); err != nil {
			return out, fmt.Errorf("plot %s: %w", path, err)
		}
		out.Files = append(out.Files, path)
	}
	return out, nil
}

// chart is one PNG: one or more panels side by side, and a legend to their
// right, outside the data, so that it never covers a point.
type chart struct {
	file   string
	title  string
	panels []*plot.Plot
	names  []string // a heading above each panel, if any
	legend *legend
	width  vg.Length
	height vg.Length
}

const dpi = 110

func (c chart) save(path string) error {
	w, h := c.width, c.height
	if w == 0 {
		w, h = 9*vg.Inch, 5.5*vg.Inch
	}
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	pad := vg.Points(10)

	// Title across the top.
	title := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, 13), Handler: plot.DefaultTextHandler,
		XAlign: draw.XCenter, YAlign: draw.YTop}
	dc.FillText(title, vg.Point{X: w / 2, Y: h - pad}, c.title)
	top := title.Height(c.title) + 2*pad

	// Legend on the right.
	lw := vg.Length(0)
	if c.legend != nil && len(c.legend.texts) > 0 {
		l := &c.legend.Legend
		r := l.Rectangle(dc)
		lw = r.Max.X - r.Min.X + 3*pad
		l.Top, l.Left = true, true
		l.Draw(draw.Crop(dc, w-lw+pad/2, -pad, pad, -top))
	}
	area := draw.Crop(dc, pad, -lw, pad/2, -top)
	n := vg.Length(len(c.panels))
	pw := (area.Max.X - area.Min.X) / n
	head := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, 12), Handler: plot.DefaultTextHandler,
		XAlign: draw.XCenter, YAlign: draw.YTop}
	for i, p := range c.panels {
		x0 := area.Min.X + vg.Length(i)*pw
		pc := draw.Crop(area, x0-area.Min.X, -(area.Max.X - x0 - pw), 0, 0)
		if i < len(c.names) {
			// Drawn here rather than as the plot's title, which gonum
			// counts twice when it pads the data area.
			pc.FillText(head, vg.Point{X: (pc.Min.X + pc.Max.X) / 2, Y: pc.Max.Y}, c.names[i])
			pc = draw.Crop(pc, 0, 0, 0, -(head.Height(c.names[i]) + pad/2))
		}
		// gonum places the y label's glyph box at the arithmetic middle
		// of the range, which on a log axis is near the top, and shrinks
		// the data area to make room for it: draw the label here instead,
		// keeping a blank in its place for the space it takes.
		ylabel := p.Y.Label.Text
		if ylabel != "" {
			p.Y.Label.Text = " "
		}
		p.Draw(pc)
		if ylabel != "" {
			da := p.DataCanvas(pc)
			sty := p.Y.Label.TextStyle
			sty.Rotation, sty.XAlign, sty.YAlign = math.Pi/2, draw.XCenter, draw.YTop
			pc.FillText(sty, vg.Point{X: pc.Min.X, Y: (da.Min.Y + da.Max.Y) / 2}, ylabel)
			p.Y.Label.Text = ylabel
		}
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
var palette = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xff}, // blue
	color.RGBA{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	color.RGBA{0x00, 0x9E, 0x73, 0xff}, // green
	color.RGBA{0xCC, 0x79, 0xA7, 0xff}, // purple
	color.RGBA{0xE6, 0x9F, 0x00, 0xff}, // orange
	color.RGBA{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	color.RGBA{0x00, 0x00, 0x00, 0xff}, // black
	color.RGBA{0x99, 0x99, 0x99, 0xff}, // grey
}

var glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PlusGlyph{},
	draw.CrossGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, draw.RingGlyph{}}

// point is one result on a line chart, in data units before scaling.
type point struct {
	x, y, lo, hi float64
	copied       bool
	span         bool            // lo..hi is the samples' range: too few for a 95 % interval
	r            *results.Result // the result it shows
}

type series struct {
	label string
	pts   []point
}

// axis describes how values are shown on a chart's y axis: divided by
// scale, in unit, logarithmic when the values span more than a decade.
type axis struct {
	label string
	scale float64
	log   bool
}

// linePanel builds a panel: one line per series with error bars, rings on
// points where the kernel copied, and the legend entries for them.
func linePanel(xlabel string, xticks []plot.Tick, ya axis, ss []series, leg *legend, addLegend bool) (*plot.Plot, error) {
	p := plot.New()
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ya.label
	if xticks != nil {
		p.X.Tick.Marker = plot.ConstantTicks(xticks)
	}
	p.Add(plotter.NewGrid())
	ymin, ymax := math.Inf(1), math.Inf(-1)
	var copied plotter.XYs
	for i, s := range ss {
		var xys plotter.XYs
		var errs plotter.YErrors
		for _, pt := range s.pts {
			y, lo, hi := pt.y/ya.scale, pt.lo/ya.scale, pt.hi/ya.scale
			xys = append(xys, plotter.XY{X: pt.x, Y: y})
			errs = append(errs, struct{ Low, High float64 }{y - lo, hi - y})
			ymin, ymax = min(ymin, lo, y), max(ymax, hi, y)
			if pt.copied {
				copied = append(copied, plotter.XY{X: pt.x, Y: y})
			}
		}
		line, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		// Past the palette, lines turn dashed and glyphs shift, so that
		// series nine and one do not look alike.
		col := palette[i%len(palette)]
		line.Color = col
		line.Width = vg.Points(1.5)
		if i >= len(palette) {
			line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		pts.Color = col
		pts.Shape = glyphs[(i+i/len(palette))%len(glyphs)]
		pts.Radius = vg.Points(3)
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{xys, errs})
		if err != nil {
			return nil, err
		}
		eb.Color = col
		eb.CapWidth = vg.Points(5)
		p.Add(line, pts, eb)
		if addLegend {
			leg.add(s.label, line, pts)
		}
	}
	if len(copied) > 0 {
		ring, err := plotter.NewScatter(copied)
		if err != nil {
			return nil, err
		}
		ring.Shape = draw.RingGlyph{}
		ring.Radius = vg.Points(7)
		ring.Color = color.RGBA{0xC0, 0x00, 0x00, 0xff}
		p.Add(ring)
		if addLegend {
			leg.add(copiedLegend, ring)
		}
	}
	setYRange(p, ya, ymin, ymax)
	// A little room left and right, so that the end points' error bars and
	// rings are not cut by the axes.
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, pt := range s.pts {
			xmin, xmax = min(xmin, pt.x), max(xmax, pt.x)
		}
	}
	if pad := 0.04 * (xmax - xmin); pad > 0 {
		p.X.Min, p.X.Max = xmin-pad, xmax+pad
	}
	return p, nil
}

const copiedLegend = "kernel copied > 50%"

// legend is a chart's legend, drawn beside the panels; it remembers its
// entries' texts, which plot.Legend keeps to itself.
type legend struct {
	plot.Legend
	texts []string
}

func newLegend() *legend { return &legend{Legend: plot.NewLegend()} }

func (l *legend) add(text string, thumbs ...plot.Thumbnailer) {
	if !slices.Contains(l.texts, text) {
		l.texts = append(l.texts, text)
		l.Legend.Add(text, thumbs...)
	}
}

// setYRange pads the y range, and uses a log scale where the values span
// more than a decade (a chunk-size sweep of CPU per byte spans several).
func setYRange(p *plot.Plot, ya axis, lo, hi float64) {
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return
	}
	if ya.log && lo > 0 && hi/lo > 10 {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		p.Y.Min, p.Y.Max = lo/1.3, hi*1.3
		return
	}
	p.Y.Tick.Marker = linTicks{}
	span := hi - lo
	if span == 0 {
		span = math.Abs(hi)
	}
	p.Y.Min = max(0, lo-0.1*span)
	if lo >= 0 && lo < 0.5*hi {
		p.Y.Min = 0 // start at zero when zero is close: bars of a sense of scale
	}
	p.Y.Max = hi + 0.1*span
}

// logTicks labels 1-2-5 steps on a log axis (1-2-3-5 within about a
// decade), so that a short range still carries several labels.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	labelled := []int{1, 2, 5}
	if hi/lo < 30 {
		labelled = []int{1, 2, 3, 5} // within about a decade: more labels
	}
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		d := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * d
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if slices.Contains(labelled, m) {
				t.Label = strconv.FormatFloat(v, 'g', 4, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// linTicks puts labelled ticks at steps of 1, 2 or 5 times a power of ten,
// five to ten of them, written as briefly as the step allows.
type linTicks struct{}

func (linTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	raw := (hi - lo) / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	prec := max(0, -int(math.Floor(math.Log10(step))))
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', prec, 64)})
		if mid := v + step/2; mid < hi {
			ts = append(ts, plot.Tick{Value: mid})
		}
	}
	return ts
}

// sizeTicks labels a log2 axis of chunk sizes in the names' notation, at
// most labels of them, so that they do not run into each other.
func sizeTicks(xs []float64, labels int) []plot.Tick {
	lo, hi := slices.Min(xs), slices.Max(xs)
	step := math.Max(1, math.Ceil((math.Ceil(hi)-math.Floor(lo)+1)/float64(labels)))
	var ts []plot.Tick
	for e := math.Floor(lo); e <= math.Ceil(hi); e++ {
		t := plot.Tick{Value: e}
		if math.Mod(e-math.Floor(lo), step) == 0 {
			t.Label = name.FormatSize(int64(math.Exp2(e)))
		}
		ts = append(ts, t)
	}
	return ts
}

// timeAxis picks ns, µs or ms for values in ns.
func timeAxis(what string, maxNs float64) axis {
	switch {
	case maxNs >= 1e6:
		return axis{label: what + " (ms)", scale: 1e6}
	case maxNs >= 2e3:
		return axis{label: what + " (µs)", scale: 1e3}
	}
	return axis{label: what + " (ns)", scale: 1}
}

// rateAxis picks an SI prefix for a rate.
func rateAxis(what, unit string, maxV float64) axis {
	for _, p := range []struct {
		s string
		f float64
	}{{"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"k", 1e3}} {
		if maxV >= p.f {
			return axis{label: what + " (" + p.s + unit + ")", scale: p.f}
		}
	}
	return axis{label: what + " (" + unit + ")", scale: 1}
}

// barsNote says what the error bars of a chart are.
func barsNote(ss []series) string {
	for _, s := range ss {
		for _, p := range s.pts {
			if p.span {
				return "median; bars: 95% CI, or the samples' range where too few for one"
			}
		}
	}
	return "median; bars: 95% CI"
}

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

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(slugUnsafe.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// groupDesc writes a group key for a title: "zerocopy/send transport=veth".
func groupDesc(n name.Name, drop ...string) string {
	s := n.PathString()
	for _, k := range n.Keys() {
		if !slices.Contains(drop, k) {
			s += " " + k + "=" + n.Param(k)
		}
	}
	return s
}

// sweep collects per-group series of results that share everything but
// the x parameter and the series parameter.
type sweep struct {
	order  []string
	groups map[string]*group
}

type group struct {
	xlabel string
	desc   string
	file   string
	order  []string
	series map[string][]point
}

func newSweep() *sweep { return &sweep{groups: map[string]*group{}} }

func (s *sweep) add(key, desc, file, label string, pt point) {
	g, ok := s.groups[key]
	if !ok {
		g = &group{desc: desc, file: file, series: map[string][]point{}}
		s.groups[key] = g
		s.order = append(s.order, key)
	}
	if _, ok := g.series[label]; !ok {
		g.order = append(g.order, label)
	}
	g.series[label] = append(g.series[label], pt)
}

func (g *group) list() []series {
	var ss []series
	for _, l := range g.order {
		pts := slices.Clone(g.series[l])
		slices.SortFunc(pts, func(a, b point) int { return cmpFloat(a.x, b.x) })
		ss = append(ss, series{label: l, pts: pts})
	}
	return ss
}

// sizeSweep groups the results of a run that sweep a size parameter
// ("chunk=" for streams, "size=" otherwise) and pass keep: a group is
// everything in the name but the size and the series parameter ("method=",
// or "op=" where there is no method), a series one value of that parameter
// (prefixed with the operation where a group holds several).
func sizeSweep(run *results.Run, keep func(*results.Result) bool) *sweep {
	type item struct {
		r            *results.Result
		n            name.Name
		size         float64
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
	for i := range run.Results {
		r := &run.Results[i]
		n := name.Parse(r.Name)
		it := item{r: r, n: n, xkey: "size"}
		if n.Has("chunk") {
			it.xkey = "chunk"
		}
		for _, k := range []string{"method", "op"} {
			if n.Has(k) && it.series == "" {
				it.series = k
			}
		}
		size, ok := parseSizeF(n.Param(it.xkey))
		if !ok || size <= 0 || !measuredOK(r) || !keep(r) {
			continue
		}
		it.size = size
		items = append(items, it)
		k := key(it)
		if ops[k] == nil {
			ops[k] = map[string]bool{}
		}
		ops[k][n.Op()] = true
	}
	sw := newSweep()
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
		lo, hi := interval(it.r)
		sw.add(k, desc, slug(desc), label, point{x: math.Log2(it.size), y: it.r.Median, lo: lo, hi: hi, span: it.r.CILow == nil,
			copied: it.r.Metrics[metricCopied] > 0.5, r: it.r})
		sw.groups[k].xlabel = map[string]string{"chunk": "chunk size", "size": "size"}[it.xkey] + " (log2 scale)"
	}
	return sw
}

func throughputCharts(in Input) []chart {
	sw := sizeSweep(in.Run, func(r *results.Result) bool { return r.Unit == "B/s" })
	var cs []chart
	for _, k := range sw.order {
		g := sw.groups[k]
		ss := g.list()
		var xs []float64
		maxV := 0.0
		for _, s := range ss {
			for _, p := range s.pts {
				xs = append(xs, p.x)
				maxV = max(maxV, p.hi)
			}
		}
		ya := rateAxis("throughput", "B/s", maxV)
		ya.log = true
		leg := newLegend()
		p, err := linePanel(g.xlabel, sizeTicks(xs, 9), ya, ss, leg, true)
		if err != nil {
			continue
		}
		cs = append(cs, chart{file: "throughput-" + g.file,
			title:  "Throughput vs chunk size: " + g.desc + "\n" + subtitle(in) + "  ·  " + barsNote(ss),
			panels: []*plot.Plot{p}, legend: leg})
	}
	return cs
}

func cpuCharts(in Input) []chart {
	has := func(r *results.Result) bool {
		_, s := r.Metrics[metricSenderB]
		_, rc := r.Metrics[metricReceiveB]
		return s || rc
	}
	sw := sizeSweep(in.Run, has)
	var cs []chart
	for _, k := range sw.order {
		g := sw.groups[k]
		// The metrics are medians without an interval: no error bars.
		var panels []*plot.Plot
		leg := newLegend()
		var all []float64
		sides := []struct{ key, title string }{{metricSenderB, "sender"}, {metricReceiveB, "receiver"}}
		per := make([][]series, len(sides))
		for si, side := range sides {
			for _, s := range g.list() {
				var pts []point
				for _, p := range s.pts {
					if v, ok := p.r.Metrics[side.key]; ok {
						pts = append(pts, point{x: p.x, y: v, lo: v, hi: v, copied: p.copied})
						all = append(all, v)
					}
				}
				per[si] = append(per[si], series{label: s.label, pts: pts})
			}
		}
		if len(all) == 0 {
			continue
		}
		var xs []float64
		for _, s := range g.list() {
			for _, p := range s.pts {
				xs = append(xs, p.x)
			}
		}
		lo, hi := slices.Min(all), slices.Max(all)
		var names []string
		for si, side := range sides {
			names = append(names, side.title)
			ya := axis{label: "CPU time per byte (ns/B)", scale: 1, log: true}
			p, err := linePanel(g.xlabel, sizeTicks(xs, 5), ya, per[si], leg, si == 0)
			if err != nil {
				return nil
			}
			setYRange(p, ya, lo, hi) // one scale for both sides, so they read against each other
			panels = append(panels, p)
		}
		cs = append(cs, chart{file: "cpu-" + g.file,
			title:  "CPU per byte vs chunk size: " + g.desc + "\n" + subtitle(in) + "  ·  median over the samples (metrics carry no interval)",
			panels: panels, names: names, legend: leg, width: 11 * vg.Inch, height: 5.5 * vg.Inch})
	}
	return cs
}

func ctxswCharts(in Input) []chart {
	sw := newSweep()
	wsOrder := map[string]float64{}
	for i := range in.Run.Results {
		r := &in.Run.Results[i]
		n := name.Parse(r.Name)
		procs, err := strconv.Atoi(n.Param("procs"))
		ws, ok := parseSizeF(n.Param("ws"))
		if n.Family() != "ctxsw" || err != nil || procs <= 0 || !ok || !measuredOK(r) {
			continue
		}
		k := n.PathString() + "|" + n.Rest("procs", "ws")
		desc := groupDesc(n, "procs", "ws")
		label := "working set " + n.Param("ws")
		wsOrder[label] = ws
		lo, hi := interval(r)
		sw.add(k, desc, slug(strings.TrimPrefix(desc, "ctxsw")), label, point{x: math.Log2(float64(procs)), y: r.Median, lo: lo, hi: hi,
			span: r.CILow == nil})
	}
	var cs []chart
	for _, k := range sw.order {
		g := sw.groups[k]
		slices.SortStableFunc(g.order, func(a, b string) int { return cmpFloat(wsOrder[a], wsOrder[b]) })
		ss := g.list()
		var xs []float64
		maxV := 0.0
		for _, s := range ss {
			for _, p := range s.pts {
				xs = append(xs, p.x)
				maxV = max(maxV, p.hi)
			}
		}
		var ticks []plot.Tick
		for e := math.Floor(slices.Min(xs)); e <= math.Ceil(slices.Max(xs)); e++ {
			ticks = append(ticks, plot.Tick{Value: e, Label: strconv.Itoa(int(math.Exp2(e)))})
		}
		ya := timeAxis("time per context switch", maxV)
		leg := newLegend()
		p, err := linePanel("processes in the ring (log2 scale)", ticks, ya, ss, leg, true)
		if err != nil {
			continue
		}
		cs = append(cs, chart{file: "ctxsw-" + g.file,
			title:  "Context switch vs processes and working set: " + g.desc + "\n" + subtitle(in) + "  ·  " + barsNote(ss),
			panels: []*plot.Plot{p}, legend: leg})
	}
	return cs
}

var rttOps = []string{"pipe", "unix", "tcp", "udp"}

func latencyCharts(in Input) []chart {
	sw := newSweep()
	transports := map[string]map[string]bool{}
	type item struct {
		r *results.Result
		n name.Name
	}
	var items []item
	for i := range in.Run.Results {
		r := &in.Run.Results[i]
		n := name.Parse(r.Name)
		if n.Family() != "lat" || len(n.Path()) < 2 || !slices.Contains(rttOps, n.Path()[1]) || !measuredOK(r) {
			continue
		}
		if _, ok := r.Metrics[percentiles[0].key]; !ok {
			continue
		}
		items = append(items, item{r, n})
		k := n.Rest("transport")
		if transports[k] == nil {
			transports[k] = map[string]bool{}
		}
		transports[k][n.Param("transport")] = true
	}
	for _, it := range items {
		n := it.n
		k := n.Rest("transport")
		label := n.Op()
		if len(transports[k]) > 1 && n.Param("transport") != "" {
			label += " over " + n.Param("transport")
		}
		desc := "lat round trip"
		for _, pk := range n.Keys() {
			if pk != "transport" || len(transports[k]) == 1 {
				desc += " " + pk + "=" + n.Param(pk)
			}
		}
		for _, pc := range percentiles {
			v, ok := it.r.Metrics[pc.key]
			if !ok {
				continue
			}
			sw.add(k, desc, slug(strings.TrimPrefix(desc, "lat round trip ")), label,
				point{x: -math.Log10(1 - pc.q), y: v, lo: v, hi: v})
		}
	}
	var ticks []plot.Tick
	for _, pc := range percentiles {
		ticks = append(ticks, plot.Tick{Value: -math.Log10(1 - pc.q), Label: pc.label})
	}
	var cs []chart
	for _, k := range sw.order {
		g := sw.groups[k]
		ss := g.list()
		maxV := 0.0
		for _, s := range ss {
			for _, p := range s.pts {
				maxV = max(maxV, p.hi)
			}
		}
		ya := timeAxis("round-trip latency", maxV)
		ya.log = true
		leg := newLegend()
		p, err := linePanel("percentile of round trips (spaced by 1/(1−q): the tail to the right)", ticks, ya, ss, leg, true)
		if err != nil {
			continue
		}
		p.X.Min, p.X.Max = 0.15, 3.15
		cs = append(cs, chart{file: "latency-" + g.file,
			title:  "Round-trip latency percentiles: " + g.desc + "\n" + subtitle(in),
			panels: []*plot.Plot{p}, legend: leg})
	}
	return cs
}

// headlineChart is a horizontal bar per run for every lat/syscall result in
// ns/op, grouped by benchmark, with the 95 % CI as a whisker and the median
// written beside each bar.
func headlineChart(ins []Input) (chart, bool) {
	var names []string
	for _, in := range ins {
		for _, r := range in.Run.Results {
			if strings.HasPrefix(r.Name, "lat/syscall/") && r.Unit == "ns/op" && !slices.Contains(names, r.Name) {
				names = append(names, r.Name)
			}
		}
	}
	found := false
	for _, in := range ins {
		for i := range in.Run.Results {
			r := &in.Run.Results[i]
			found = found || (slices.Contains(names, r.Name) && measuredOK(r))
		}
	}
	if !found {
		return chart{}, false
	}
	nb, nr := len(names), len(ins)
	bars := &hbars{}
	maxV := 0.0
	leg := newLegend()
	for j, in := range ins {
		col := palette[j%len(palette)]
		for i, nm := range names {
			y := float64(nb-1-i) + 0.4 - (float64(j)+0.5)*0.8/float64(nr)
			b := bar{y: y, h: 0.8 / float64(nr) * 0.9, color: col}
			r := findResult(in.Run, nm)
			switch {
			case r == nil:
				b.text = "not in this run"
			case r.Skipped != "":
				b.text = "skipped"
			case r.Error != "":
				b.text = "error"
			default:
				b.v = r.Median
				b.lo, b.hi = interval(r)
				b.text = FormatValue(r.Median, r.Unit)
				maxV = max(maxV, b.hi)
			}
			bars.bars = append(bars.bars, b)
		}
		leg.add(subtitle(in), &swatch{col})
	}
	p := plot.New()
	p.X.Label.Text = "ns per operation (median; whiskers: 95% CI; shorter is faster)"
	var labels []string
	for _, nm := range names {
		labels = append(labels, strings.TrimPrefix(nm, "lat/syscall/"))
	}
	p.NominalY(reversed(labels)...)
	p.Y.Tick.Label.Font.Size = vg.Points(11)
	p.X.Min, p.X.Max = 0, maxV*1.18 // room for the value labels
	p.X.Tick.Marker = linTicks{}
	grid := plotter.NewGrid()
	grid.Horizontal.Color = nil // the groups are names, not values: no lines through the bars
	p.Add(grid, bars)
	p.Y.Min, p.Y.Max = -0.6, float64(nb)-0.4
	var who []string
	for _, in := range ins {
		who = append(who, subtitle(in))
	}
	sub := strings.Join(who, "  vs  ")
	if len(sub) > 110 {
		sub = fmt.Sprintf("%d runs (see the legend)", nr)
	}
	h := vg.Length(nb*nr)*0.18*vg.Inch + 2*vg.Inch
	return chart{file: "headline-syscalls", title: "System calls: lat/syscall/...\n" + sub, panels: []*plot.Plot{p},
		legend: leg, width: 10 * vg.Inch, height: max(h, 4*vg.Inch)}, true
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

func findResult(run *results.Run, name string) *results.Result {
	for i := range run.Results {
		if run.Results[i].Name == name {
			return &run.Results[i]
		}
	}
	return nil
}

type bar struct {
	y, h, v, lo, hi float64
	text            string
	color           color.Color
}

// hbars draws horizontal bars in data coordinates, with CI whiskers and a
// value label at the end of each bar.
type hbars struct{ bars []bar }

func (hb *hbars) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	sty := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, 8), Handler: plot.DefaultTextHandler,
		YAlign: draw.YCenter}
	whisker := draw.LineStyle{Color: color.Black, Width: vg.Points(0.8)}
	for _, b := range hb.bars {
		y0, y1 := ty(b.y-b.h/2), ty(b.y+b.h/2)
		end := tx(0)
		if b.v > 0 {
			x0, x1 := tx(0), tx(b.v)
			c.FillPolygon(b.color, c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}))
			end = x1
			if b.hi > b.lo {
				ym := ty(b.y)
				c.StrokeLine2(whisker, tx(b.lo), ym, tx(b.hi), ym)
				c.StrokeLine2(whisker, tx(b.lo), y0+(y1-y0)/4, tx(b.lo), y1-(y1-y0)/4)
				c.StrokeLine2(whisker, tx(b.hi), y0+(y1-y0)/4, tx(b.hi), y1-(y1-y0)/4)
				end = max(end, tx(b.hi))
			}
		}
		c.FillText(sty, vg.Point{X: end + vg.Points(3), Y: ty(b.y)}, b.text)
	}
}

func (hb *hbars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin, xmax, ymax = 0, math.Inf(1), 0, math.Inf(-1)
	for _, b := range hb.bars {
		xmax = max(xmax, b.v, b.hi)
		ymin, ymax = min(ymin, b.y-b.h/2), max(ymax, b.y+b.h/2)
	}
	return
}

// swatch is a legend thumbnail: a filled square of a bar's colour.
type swatch struct{ color color.Color }

func (s *swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}}
	c.FillPolygon(s.color, pts)
}

// parseSizeF reads a size parameter as a chart's x value, in bytes.
func parseSizeF(s string) (float64, bool) {
	n, err := name.ParseSize(s)
	return float64(n), err == nil
}
