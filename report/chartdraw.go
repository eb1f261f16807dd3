package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"zbench/name"
)

// The drawing layer every chart kind shares: a figure (panels side by side,
// a legend to their right), line and bar panels, axes and ticks, and the
// PNG and SVG encodings. Chart kinds (chart_*.go) say what to draw; this
// file says how.

// figure is one chart: a title, panels side by side, and a legend to their
// right, outside the data, so that it never covers a point.
type figure struct {
	file   string // base name, without extension
	form   string // "lines" or "bars"
	title  string // may hold several lines
	panels []*plot.Plot
	heads  []string // a heading above each panel, if any
	legend []legendEntry
	width  vg.Length
	height vg.Length
}

// legendEntry is one row of a legend: a thumbnail and its text, or a
// heading (no thumbnail) over the rows that follow.
type legendEntry struct {
	text    string
	thumb   func(c draw.Canvas)
	heading bool
}

const dpi = 110

var (
	titleFont  = font.From(plot.DefaultFont, 13)
	headFont   = font.From(plot.DefaultFont, 12)
	legendFont = font.From(plot.DefaultFont, 10)
)

func textStyle(f font.Font, xa draw.XAlignment, ya draw.YAlignment) draw.TextStyle {
	return draw.TextStyle{Color: color.Black, Font: f, Handler: plot.DefaultTextHandler, XAlign: xa, YAlign: ya}
}

// size is the figure's size, grown where its legend needs more height.
func (f *figure) size() (w, h vg.Length) {
	w, h = f.width, f.height
	if w == 0 {
		w, h = 9*vg.Inch, 5.5*vg.Inch
	}
	return w, max(h, f.legendHeight()+f.titleHeight()+vg.Points(40))
}

const legendThumb = 22 // points: the width of a legend thumbnail

func (f *figure) legendRow() vg.Length {
	sty := textStyle(legendFont, draw.XLeft, draw.YCenter)
	return max(sty.Height("Xg"), vg.Points(10)) + vg.Points(5)
}

func (f *figure) legendHeight() vg.Length { return vg.Length(len(f.legend)) * f.legendRow() }

func (f *figure) legendWidth() vg.Length {
	if len(f.legend) == 0 {
		return 0
	}
	sty := textStyle(legendFont, draw.XLeft, draw.YCenter)
	w := vg.Length(0)
	for _, e := range f.legend {
		tw := sty.Width(e.text)
		if !e.heading {
			tw += vg.Points(legendThumb + 6)
		}
		w = max(w, tw)
	}
	return w
}

func (f *figure) titleHeight() vg.Length {
	return textStyle(titleFont, draw.XCenter, draw.YTop).Height(f.title)
}

// drawOn lays the figure out on a canvas of its size.
func (f *figure) drawOn(dc draw.Canvas) {
	w := dc.Max.X - dc.Min.X
	pad := vg.Points(10)
	dc.FillPolygon(color.White, []vg.Point{{X: dc.Min.X, Y: dc.Min.Y}, {X: dc.Max.X, Y: dc.Min.Y}, {X: dc.Max.X, Y: dc.Max.Y}, {X: dc.Min.X, Y: dc.Max.Y}})
	dc.FillText(textStyle(titleFont, draw.XCenter, draw.YTop), vg.Point{X: dc.Min.X + w/2, Y: dc.Max.Y - pad}, f.title)
	top := f.titleHeight() + 2*pad

	// The legend: rows of a fixed height, each thumbnail in its own box,
	// so that no two entries overlap however many there are.
	lw := vg.Length(0)
	if len(f.legend) > 0 {
		lw = f.legendWidth() + 2*pad
		x := dc.Max.X - lw + pad/2
		row := f.legendRow()
		y := dc.Max.Y - top
		sty := textStyle(legendFont, draw.XLeft, draw.YCenter)
		for _, e := range f.legend {
			mid := y - row/2
			if e.heading {
				dc.FillText(sty, vg.Point{X: x, Y: mid}, e.text)
			} else {
				box := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
					Min: vg.Point{X: x, Y: mid - row/2 + vg.Points(2)},
					Max: vg.Point{X: x + vg.Points(legendThumb), Y: mid + row/2 - vg.Points(2)}}}
				e.thumb(box)
				dc.FillText(sty, vg.Point{X: x + vg.Points(legendThumb+6), Y: mid}, e.text)
			}
			y -= row
		}
	}
	area := draw.Crop(dc, pad, -lw, pad/2, -top)
	n := vg.Length(len(f.panels))
	pw := (area.Max.X - area.Min.X) / n
	head := textStyle(headFont, draw.XCenter, draw.YTop)
	for i, p := range f.panels {
		x0 := area.Min.X + vg.Length(i)*pw
		pc := draw.Crop(area, x0-area.Min.X, -(area.Max.X - x0 - pw), 0, 0)
		if i < len(f.heads) && f.heads[i] != "" {
			// Drawn here rather than as the plot's title, which gonum
			// counts twice when it pads the data area.
			pc.FillText(head, vg.Point{X: (pc.Min.X + pc.Max.X) / 2, Y: pc.Max.Y}, f.heads[i])
			pc = draw.Crop(pc, 0, 0, 0, -(head.Height(f.heads[i]) + pad/2))
		}
		// gonum places the y label's glyph box at the arithmetic middle
		// of the range, which on a log axis is near the top, and shrinks
		// the data area to make room for it: draw the label here instead,
		// keeping a blank in its place for the space it takes.
		// The x label likewise: gonum pads the right of the data area by
		// as much as a long x label is wide.
		ylabel, xlabel := p.Y.Label.Text, p.X.Label.Text
		if ylabel != "" {
			p.Y.Label.Text = " "
		}
		if xlabel != "" {
			p.X.Label.Text = " "
		}
		p.Draw(pc)
		da := p.DataCanvas(pc)
		if ylabel != "" {
			sty := p.Y.Label.TextStyle
			sty.Rotation, sty.XAlign, sty.YAlign = math.Pi/2, draw.XCenter, draw.YTop
			pc.FillText(sty, vg.Point{X: pc.Min.X, Y: (da.Min.Y + da.Max.Y) / 2}, ylabel)
			p.Y.Label.Text = ylabel
		}
		if xlabel != "" {
			sty := p.X.Label.TextStyle
			sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
			pc.FillText(sty, vg.Point{X: (da.Min.X + da.Max.X) / 2, Y: pc.Min.Y}, xlabel)
			p.X.Label.Text = xlabel
		}
	}
}

// PNG encodes the figure as a PNG image.
func (f *figure) PNG() ([]byte, error) {
	w, h := f.size()
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	f.drawOn(draw.New(img))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SVG encodes the figure as an SVG element fit to be inlined in HTML: no
// XML prolog, no external reference, and a viewBox so that it scales.
func (f *figure) SVG() ([]byte, error) {
	w, h := f.size()
	c := vgsvg.New(w, h)
	f.drawOn(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if i := bytes.Index(b, []byte("<svg")); i >= 0 {
		b = b[i:]
	}
	return b, nil
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

var (
	grey      = color.RGBA{0x55, 0x55, 0x55, 0xff}
	copiedRed = color.RGBA{0xC0, 0x00, 0x00, 0xff}
)

var glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{},
	draw.PlusGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, draw.RingGlyph{}}

var dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)}}

// look is how one series is drawn.
type look struct {
	color  color.Color
	glyph  draw.GlyphDrawer
	dashes []vg.Length
}

// looks assigns each series its look. With one run, series differ by
// colour (and by glyph, for print). With several, each run has one colour
// throughout the chart and the series of a run differ by glyph and dash,
// so that runs read against each other at a glance.
type looks struct {
	runs    []string // legend text of each run
	present []bool   // whether each run has a value in the chart
	labels  []string // series labels, in order of appearance
}

func (l *looks) label(s string) int {
	i := slices.Index(l.labels, s)
	if i < 0 {
		i = len(l.labels)
		l.labels = append(l.labels, s)
	}
	return i
}

func (l *looks) of(run int, label string) look {
	i := l.label(label)
	if len(l.runs) <= 1 {
		return look{color: palette[i%len(palette)], glyph: glyphs[(i+i/len(palette))%len(glyphs)],
			dashes: dashes[(i/len(palette))%len(dashes)]}
	}
	return look{color: palette[run%len(palette)], glyph: glyphs[i%len(glyphs)], dashes: dashes[i%len(dashes)]}
}

// entries is the legend: the runs (one colour each) where there are
// several, then the series, then extra entries (markers).
func (l *looks) entries(lines bool, extra ...legendEntry) []legendEntry {
	var es []legendEntry
	multi := len(l.runs) > 1
	if multi {
		es = append(es, legendEntry{text: "runs", heading: true})
		for i, r := range l.runs {
			if i < len(l.present) && !l.present[i] {
				continue // a run with nothing in this chart keeps its colour for the others
			}
			c := palette[i%len(palette)]
			es = append(es, legendEntry{text: r, thumb: swatch(c)})
		}
	}
	// One series of one run needs no legend: the title names both.
	named := len(l.labels) > 1 || (multi && len(l.labels) == 1 && l.labels[0] != "")
	if named && lines {
		if multi {
			es = append(es, legendEntry{text: "series", heading: true})
		}
		for _, s := range l.labels {
			lk := l.of(0, s)
			if multi {
				lk.color = grey
			}
			es = append(es, legendEntry{text: s, thumb: lineThumb(lk, lines)})
		}
	}
	return append(es, extra...)
}

func swatch(c color.Color) func(draw.Canvas) {
	return func(dc draw.Canvas) {
		m := (dc.Min.Y + dc.Max.Y) / 2
		r := vg.Points(4)
		dc.FillPolygon(c, []vg.Point{{X: dc.Min.X, Y: m - r}, {X: dc.Max.X, Y: m - r}, {X: dc.Max.X, Y: m + r}, {X: dc.Min.X, Y: m + r}})
	}
}

func lineThumb(lk look, line bool) func(draw.Canvas) {
	return func(dc draw.Canvas) {
		m := (dc.Min.Y + dc.Max.Y) / 2
		if line {
			dc.StrokeLine2(draw.LineStyle{Color: lk.color, Width: vg.Points(1.5), Dashes: lk.dashes}, dc.Min.X, m, dc.Max.X, m)
		}
		dc.DrawGlyph(draw.GlyphStyle{Color: lk.color, Radius: vg.Points(3), Shape: lk.glyph}, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: m})
	}
}

func ringThumb(dc draw.Canvas) {
	m := vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: (dc.Min.Y + dc.Max.Y) / 2}
	dc.DrawGlyph(draw.GlyphStyle{Color: copiedRed, Radius: vg.Points(6), Shape: draw.RingGlyph{}}, m)
}

const copiedLegend = "kernel copied > 50%"

// point is one value on a chart, in data units before scaling.
type point struct {
	x, y, lo, hi float64
	copied       bool
}

// line is one series of one run.
type line struct {
	run   int
	label string
	pts   []point
}

// axis says how values are shown: divided by scale, under label,
// logarithmic where log is set.
type axis struct {
	label string
	scale float64
	log   bool
}

// valueAxis chooses the scale for values lo..hi in unit: a log scale where
// they span more than a decade, said in the label; otherwise linear from
// zero, so that every linear value axis has the same origin.
func valueAxis(what, unit string, lo, hi float64) axis {
	a := axis{scale: 1}
	a.log = lo > 0 && hi/lo > 10
	// On a log axis the unit suits the middle of the range, in the
	// geometric sense; on a linear one, its top.
	mid := hi
	if a.log {
		mid = math.Sqrt(lo * hi)
	}
	switch {
	case unit == "ns":
		switch {
		case mid >= 1e6:
			a.scale, unit = 1e6, "ms"
		case mid >= 2e3:
			a.scale, unit = 1e3, "µs"
		}
	case strings.HasSuffix(unit, "/s"):
		for _, p := range []struct {
			s string
			f float64
		}{{"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"k", 1e3}} {
			if mid >= p.f {
				a.scale, unit = p.f, p.s+unit
				break
			}
		}
	}
	a.label = what + " (" + unit + ")"
	if a.log {
		a.label = what + " (" + unit + ", log scale)"
	}
	return a
}

// applyAxis sets a plot axis to show lo..hi (in data units) as a says.
func applyAxis(ax *plot.Axis, a axis, lo, hi float64) {
	lo, hi = lo/a.scale, hi/a.scale
	if a.log {
		ax.Scale = plot.LogScale{}
		ax.Tick.Marker = logTicks{}
		ax.Min, ax.Max = lo/1.3, hi*1.3
		return
	}
	ax.Tick.Marker = linTicks{}
	ax.Min, ax.Max = 0, hi*1.1
	if hi <= 0 {
		ax.Max = 1
	}
}

// logTicks labels 1-2-5 steps on a log axis (1-2-3-5 within about a
// decade), so that a short range still carries several labels.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	labelled := []int{1, 2, 5}
	if hi/lo < 30 {
		labelled = []int{1, 2, 3, 5}
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
				t.Label = strconv.FormatFloat(v, 'f', -1, 64) // 20000, not 2e+04
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

// sizeTicks marks a log2 axis of sizes at every power of two in range and
// labels every size that holds data, in the names' notation: a chart never
// loses the label of a size it shows. Where the labels would crowd (more
// than maxLabels), the axis labels stand rotated.
func sizeTicks(ax *plot.Axis, xs []float64, maxLabels int) {
	lo, hi := slices.Min(xs), slices.Max(xs)
	var ts []plot.Tick
	for e := math.Floor(lo); e <= math.Ceil(hi); e++ {
		t := plot.Tick{Value: e}
		if slices.Contains(xs, e) {
			t.Label = name.FormatSize(int64(math.Exp2(e)))
		}
		ts = append(ts, t)
	}
	labelled := 0
	for _, t := range ts {
		if t.Label != "" {
			labelled++
		}
	}
	if labelled > maxLabels {
		ax.Tick.Label.Rotation = math.Pi / 4
		ax.Tick.Label.XAlign, ax.Tick.Label.YAlign = draw.XRight, draw.YTop
	}
	ax.Tick.Marker = plot.ConstantTicks(ts)
}

// linePanel draws one line per series with its interval as error bars,
// rings on points where the kernel copied, on a value axis ya and an x
// axis the caller labels.
func linePanel(xlabel string, ya axis, ls []line, lk *looks) (*plot.Plot, error) {
	p := plot.New()
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ya.label
	p.Add(plotter.NewGrid())
	ymin, ymax := math.Inf(1), math.Inf(-1)
	xmin, xmax := math.Inf(1), math.Inf(-1)
	var copied plotter.XYs
	for _, s := range ls {
		var xys plotter.XYs
		var errs plotter.YErrors
		for _, pt := range s.pts {
			y, lo, hi := pt.y/ya.scale, pt.lo/ya.scale, pt.hi/ya.scale
			xys = append(xys, plotter.XY{X: pt.x, Y: y})
			errs = append(errs, struct{ Low, High float64 }{y - lo, hi - y})
			ymin, ymax = min(ymin, pt.lo, pt.y), max(ymax, pt.hi, pt.y)
			xmin, xmax = min(xmin, pt.x), max(xmax, pt.x)
			if pt.copied {
				copied = append(copied, plotter.XY{X: pt.x, Y: y})
			}
		}
		ln, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.label, err)
		}
		style := lk.of(s.run, s.label)
		ln.Color, ln.Width, ln.Dashes = style.color, vg.Points(1.5), style.dashes
		pts.Color, pts.Shape, pts.Radius = style.color, style.glyph, vg.Points(3)
		p.Add(ln, pts)
		if hasSpread(s.pts) {
			eb, err := plotter.NewYErrorBars(struct {
				plotter.XYs
				plotter.YErrors
			}{xys, errs})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.label, err)
			}
			eb.Color, eb.CapWidth = style.color, vg.Points(5)
			p.Add(eb)
		}
	}
	if len(copied) > 0 {
		ring, err := plotter.NewScatter(copied)
		if err != nil {
			return nil, err
		}
		ring.Shape, ring.Radius, ring.Color = draw.RingGlyph{}, vg.Points(7), copiedRed
		p.Add(ring)
	}
	if math.IsInf(ymin, 0) {
		return nil, fmt.Errorf("no points")
	}
	applyAxis(&p.Y, ya, ymin, ymax)
	// A little room left and right, so that the end points' error bars and
	// rings are not cut by the axes.
	if pad := 0.04 * (xmax - xmin); pad > 0 {
		p.X.Min, p.X.Max = xmin-pad, xmax+pad
	}
	return p, nil
}

func hasSpread(pts []point) bool {
	for _, p := range pts {
		if p.hi > p.lo {
			return true
		}
	}
	return false
}

// bar is one bar: a run's value for a category, with its interval.
type bar struct {
	cat    int // index into the categories, top first
	run    int
	v      float64
	lo, hi float64
	text   string // written at the end of the bar
	copied bool
	color  color.Color
}

// barPanel draws horizontal bars grouped by category, one bar per run in
// each group (the runs' colours), with the interval as a whisker and the
// value written beside each bar.
//
// lo..hi is the value range to show, shared by the panels of a figure so
// that they read against each other.
func barPanel(xlabel string, cats []string, nRuns int, bars []bar, va axis, lo, hi float64) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = xlabel
	nb := len(cats)
	hb := &hbars{nRuns: nRuns, nCats: nb, scale: va.scale}
	hb.bars = bars
	p.NominalY(reversed(cats)...)
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	if !math.IsInf(lo, 0) {
		applyAxis(&p.X, va, lo, hi)
		if va.log {
			p.X.Max = hi / va.scale * 3 // room for the value labels
		} else {
			p.X.Max = hi / va.scale * 1.25
		}
	}
	grid := plotter.NewGrid()
	grid.Horizontal.Color = nil // the groups are names, not values: no lines through the bars
	p.Add(grid, hb)
	p.Y.Min, p.Y.Max = -0.6, float64(nb)-0.4
	return p
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// hbars draws horizontal bars in data coordinates.
type hbars struct {
	bars         []bar
	nRuns, nCats int
	scale        float64
}

func (hb *hbars) place(b bar) (y, h float64) {
	slot := 0.8 / float64(hb.nRuns)
	y = float64(hb.nCats-1-b.cat) + 0.4 - (float64(b.run)+0.5)*slot
	return y, slot * 0.85
}

func (hb *hbars) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	sty := textStyle(font.From(plot.DefaultFont, 8), draw.XLeft, draw.YCenter)
	whisker := draw.LineStyle{Color: color.Black, Width: vg.Points(0.8)}
	for _, b := range hb.bars {
		yc, h := hb.place(b)
		y0, y1 := ty(yc-h/2), ty(yc+h/2)
		end := c.Min.X
		if v := b.v / hb.scale; v > 0 {
			x0, x1 := tx(p.X.Min), tx(v)
			c.FillPolygon(b.color, c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}))
			end = x1
			if lo, hi := b.lo/hb.scale, b.hi/hb.scale; hi > lo {
				ym := ty(yc)
				c.StrokeLine2(whisker, tx(lo), ym, tx(hi), ym)
				c.StrokeLine2(whisker, tx(lo), y0+(y1-y0)/4, tx(lo), y1-(y1-y0)/4)
				c.StrokeLine2(whisker, tx(hi), y0+(y1-y0)/4, tx(hi), y1-(y1-y0)/4)
				end = max(end, tx(hi))
			}
			if b.copied {
				c.DrawGlyph(draw.GlyphStyle{Color: copiedRed, Radius: vg.Points(6), Shape: draw.RingGlyph{}}, vg.Point{X: x1, Y: ty(yc)})
				end += vg.Points(6)
			}
		}
		c.FillText(sty, vg.Point{X: end + vg.Points(3), Y: ty(yc)}, b.text)
	}
}

func (hb *hbars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin, xmax, ymax = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, b := range hb.bars {
		if b.v > 0 {
			xmin, xmax = min(xmin, b.v/hb.scale), max(xmax, b.v/hb.scale, b.hi/hb.scale)
		}
		yc, h := hb.place(b)
		ymin, ymax = min(ymin, yc-h/2), max(ymax, yc+h/2)
	}
	if math.IsInf(xmin, 0) {
		xmin, xmax = 0, 1
	}
	return
}
