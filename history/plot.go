package history

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PlotSeries draws each series as one PNG in dir: every run's median with its
// 95% interval, in run order, the median of each segment between change
// points as a horizontal line, and each change point as a vertical line
// labelled with its relative change and p. It returns the files written.
func PlotSeries(series []Series, d Detector, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for i := range series {
		s := &series[i]
		p, err := seriesPlot(s, SeriesChanges(s, d))
		if err != nil {
			return files, fmt.Errorf("%s: %w", s.Key(), err)
		}
		path := filepath.Join(dir, fileName(s)+".png")
		if err := p.Save(10*vg.Inch, 5*vg.Inch, path); err != nil {
			return files, fmt.Errorf("%s: %w", s.Key(), err)
		}
		files = append(files, path)
	}
	return files, nil
}

// fileName is the series' benchmark, metric and machine, with every
// character other than letters, digits, '.', '-' and '=' made '_'.
func fileName(s *Series) string {
	n := s.Benchmark
	if s.Metric != "" {
		n += "_" + s.Metric
	}
	n += "_" + s.Machine.ID
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '=':
			return r
		}
		return '_'
	}, n)
}

var (
	pointColor  = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	segColor    = color.RGBA{R: 44, G: 160, B: 44, A: 255}
	changeColor = color.RGBA{R: 214, G: 39, B: 40, A: 255}
)

func seriesPlot(s *Series, changes []Change) (*plot.Plot, error) {
	p := plot.New()
	what := s.Benchmark
	if s.Metric != "" {
		what += " · " + s.Metric
	}
	p.Title.Text = fmt.Sprintf("%s\n%s", what, s.Machine)
	p.X.Label.Text = "run (oldest first)"
	p.Y.Label.Text = s.Unit + " (median, 95% CI)"
	p.Add(plotter.NewGrid())

	xys := make(plotter.XYs, len(s.Points))
	errs := make(plotter.YErrors, len(s.Points))
	lo, hi := s.Points[0].Median, s.Points[0].Median
	for i, pt := range s.Points {
		xys[i] = plotter.XY{X: float64(i), Y: pt.Median}
		l, h := pt.Median, pt.Median
		if pt.CILow != nil && pt.CIHigh != nil {
			l, h = *pt.CILow, *pt.CIHigh
		}
		errs[i].Low, errs[i].High = pt.Median-l, h-pt.Median
		lo, hi = min(lo, l), max(hi, h)
	}
	line, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return nil, err
	}
	line.Color, pts.Color = pointColor, pointColor
	line.Width = vg.Points(0.75)
	pts.Shape = draw.CircleGlyph{}
	pts.Radius = vg.Points(2.5)
	eb, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{xys, errs})
	if err != nil {
		return nil, err
	}
	eb.Color = pointColor
	eb.CapWidth = vg.Points(4)
	p.Add(line, eb, pts)

	// Segments between change points, at the median of their run medians.
	bounds := []int{0}
	for _, c := range changes {
		bounds = append(bounds, c.Index)
	}
	bounds = append(bounds, len(s.Points))
	for k := 0; k+1 < len(bounds); k++ {
		a, b := bounds[k], bounds[k+1]
		m := median(medians(s.Points[a:b]))
		seg, err := plotter.NewLine(plotter.XYs{{X: float64(a) - 0.4, Y: m}, {X: float64(b-1) + 0.4, Y: m}})
		if err != nil {
			return nil, err
		}
		seg.Color, seg.Width = segColor, vg.Points(2)
		p.Add(seg)
	}
	pad := (hi - lo) * 0.08
	if pad == 0 {
		pad = 1
	}
	for _, c := range changes {
		x := float64(c.Index) - 0.5
		v, err := plotter.NewLine(plotter.XYs{{X: x, Y: lo - pad}, {X: x, Y: hi + pad}})
		if err != nil {
			return nil, err
		}
		v.Color, v.Width = changeColor, vg.Points(1.5)
		v.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(v)
		text := fmt.Sprintf("%+.1f%% [%+.1f, %+.1f] p=%.3g", 100*c.Change, 100*c.ChangeLow, 100*c.ChangeHigh, c.P)
		right := x > float64(len(s.Points))/2 // in the right half, the label ends at the line
		if right {
			text += " "
		} else {
			text = " " + text
		}
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: hi + pad}}, Labels: []string{text}})
		if err != nil {
			return nil, err
		}
		for i := range lab.TextStyle {
			lab.TextStyle[i].Color = changeColor
			if right {
				lab.TextStyle[i].XAlign = draw.XRight
			}
		}
		p.Add(lab)
	}
	p.X.Min, p.X.Max = -1, float64(len(s.Points))
	p.Y.Min, p.Y.Max = lo-pad, hi+2*pad
	return p, nil
}
