package report

import (
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"

	"zbench/results"
)

// Every chart kind renders from the synthetic families run; file names
// carry the kind and the group.
func TestPlotEveryChart(t *testing.T) {
	dir := t.TempDir()
	p, err := Plot(load(t, "families.json"), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"syscalls-lat-syscall.png",
		"latency-lat-round-trips-size-1b-cpu-same.png",
		"latency-lat-round-trips-size-1b-cpu-spread.png",
		"ctxsw-ring-cpu-same-kind-process.png",
		"ctxsw-ring-cpu-same-kind-thread.png",
		"throughput-zerocopy-send-transport-loopback.png",
		"throughput-bw.png",
		"throughput-bw-mem.png",
		"response-zerocopy-response-transport-loopback.png",
		"cpu-zerocopy-send-transport-loopback.png",
		"cpu-bw.png",
	}
	var got []string
	for _, f := range p.Files {
		got = append(got, filepath.Base(f))
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 300 {
			t.Errorf("%s: %dx%d, too small to read", f, b.Dx(), b.Dy())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("files\n got %q\nwant %q", got, want)
	}
	if len(p.Skipped) != 0 {
		t.Errorf("skipped %q; the families run has data for every chart", p.Skipped)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left behind: %q", left)
	}
}

// Charts whose data are absent are not drawn, and say why.
func TestPlotSkipsAbsentFamilies(t *testing.T) {
	dir := t.TempDir()
	p, err := Plot(load(t, "vm-run1.json", "vm-run2.json"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 1 || filepath.Base(p.Files[0]) != "syscalls-lat-syscall.png" {
		t.Errorf("files %q; want only the system-call bars", p.Files)
	}
	if len(p.Skipped) != 5 {
		t.Errorf("skipped %q; want the five family charts, each with its reason", p.Skipped)
	}
	for _, s := range p.Skipped {
		if !strings.Contains(s.Reason, "no such results") {
			t.Errorf("skip without a reason: %q", s)
		}
	}
	empty := Input{Label: "empty", Run: &results.Run{Results: []results.Result{{Name: "lat/syscall/int80", Skipped: "no"}}}}
	p, err = Plot([]Input{empty}, dir+"/empty")
	if err != nil || len(p.Files) != 0 || len(p.Skipped) != 6 {
		t.Errorf("a run with nothing to draw: files %q skipped %d, err %v", p.Files, len(p.Skipped), err)
	}
}

// A chart kind that fails is a skipped chart with its reason; the other
// kinds still draw.
func TestChartFailureIsSkipped(t *testing.T) {
	saved := chartKinds
	defer func() { chartKinds = saved }()
	broken := chartKind{name: "broken", what: "a kind that fails", build: func([]Input) ([]*figure, []string) {
		return nil, []string{"panel sender: " + errors.New("boom").Error()}
	}}
	chartKinds = append([]chartKind{broken}, saved...)
	charts, skipped := Charts(load(t, "families.json"))
	if len(charts) != 11 {
		t.Errorf("%d charts, want the 11 of the families run beside the broken kind", len(charts))
	}
	if len(skipped) != 1 || skipped[0].Kind != "broken" || !strings.Contains(skipped[0].Reason, "boom") {
		t.Errorf("skipped %q, want the broken kind with its reason", skipped)
	}
}

// Several runs share one chart per group: one colour per run, named in the
// legend by host and date.
func TestChartsOverlayRuns(t *testing.T) {
	one := load(t, "families.json")
	two := load(t, "families.json")
	other := *two[0].Run
	other.Host.Hostname = "other-host"
	other.Started = other.Started.Add(48 * time.Hour)
	ins := []Input{one[0], {Label: "other-host", Run: &other}}
	c1, _ := Charts(one)
	c2, _ := Charts(ins)
	if len(c1) != len(c2) {
		t.Fatalf("%d charts of two runs, want %d: one per group, the runs overlaid", len(c2), len(c1))
	}
	for _, c := range c2 {
		var texts []string
		for _, e := range c.fig.legend {
			texts = append(texts, e.text)
		}
		for _, in := range ins {
			if !slices.Contains(texts, subtitle(in)) {
				t.Errorf("%s: legend %q does not name run %q", c.File, texts, subtitle(in))
			}
		}
		if !strings.Contains(c.Title, "other-host") {
			t.Errorf("%s: title %q does not name both runs", c.File, c.Title)
		}
	}
	// Every line of a run has that run's colour.
	lk := runLooks(ins, nil)
	lk.label("write")
	lk.label("sendfile")
	if lk.of(0, "write").color != lk.of(0, "sendfile").color || lk.of(0, "write").color == lk.of(1, "write").color {
		t.Error("with several runs, colour must follow the run, not the series")
	}
}

// The form follows the data: bars for a size or two, lines for a sweep; a
// log axis, labelled as one, only where values span decades; linear axes
// from zero.
func TestChartForm(t *testing.T) {
	run := func(rs ...results.Result) []Input {
		r := fixtureRun(fixtureHost("h", "6.1", "cpu"), time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), rs...)
		return []Input{{Label: "h", Run: r}}
	}
	res := func(name, unit string, v float64) results.Result {
		better, _ := results.Better(unit)
		r := results.Result{Name: name, Unit: unit, Better: better, Samples: []float64{v, v * 1.01, v * 0.99, v, v, v * 1.02}}
		r.Summarize()
		return r
	}
	// One size: bars, on a linear axis from zero (values within a decade).
	charts, _ := Charts(run(res("zerocopy/send/method=write/size=128KiB/transport=loopback", "B/s", 2e9),
		res("zerocopy/send/method=sendfile/size=128KiB/transport=loopback", "B/s", 1.5e9)))
	c := find(t, charts, "throughput")
	if !isBars(c) {
		t.Errorf("%s: one size should be bars", c.File)
	}
	if x := c.fig.panels[0].X; x.Min != 0 || strings.Contains(x.Label.Text, "log") {
		t.Errorf("%s: linear axis from %v labelled %q; want from 0, not log", c.File, x.Min, x.Label.Text)
	}
	// A sweep of four sizes: lines; values over decades: a log axis, said.
	var rs []results.Result
	for i, s := range []string{"4KiB", "64KiB", "128KiB", "1MiB"} {
		rs = append(rs, res("zerocopy/send/method=write/size="+s+"/transport=loopback", "B/s", 1e7*float64(int(1)<<(3*i))))
	}
	charts, _ = Charts(run(rs...))
	c = find(t, charts, "throughput")
	p := c.fig.panels[0]
	if isBars(c) {
		t.Errorf("%s: a sweep should be lines", c.File)
	}
	if _, ok := p.Y.Scale.(plot.LogScale); !ok || !strings.Contains(p.Y.Label.Text, "log scale") {
		t.Errorf("%s: values over decades: scale %T label %q; want a log scale, labelled as one", c.File, p.Y.Scale, p.Y.Label.Text)
	}
	// Every size with data keeps its tick label, 128KiB included.
	var labels []string
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if !slices.Equal(labels, []string{"4KiB", "64KiB", "128KiB", "1MiB"}) {
		t.Errorf("x labels %q, want every size that has data", labels)
	}
}

// tcp/connect has its own chart, not titled as a round trip.
func TestConnectLatencyTitle(t *testing.T) {
	r := results.Result{Name: "lat/tcp/connect/cpu=same/transport=loopback", Unit: "ns/op", Better: results.Lower,
		Samples: []float64{2e4, 2.1e4, 1.9e4}, Metrics: map[string]float64{"p50-ns": 1.9e4, "p90-ns": 2e4, "p99-ns": 5e4, "p99.9-ns": 1e6}}
	r.Summarize()
	in := Input{Label: "h", Run: fixtureRun(fixtureHost("h", "6.1", "cpu"), time.Now(), r)}
	charts, _ := Charts([]Input{in})
	c := find(t, charts, "latency")
	if strings.Contains(c.Title, "Round-trip") || !strings.Contains(c.Title, "connect") {
		t.Errorf("connect chart titled %q", c.Title)
	}
}

// A legend of many entries has one row per entry, none overlapping, and
// the figure grows to hold them.
func TestLegendRows(t *testing.T) {
	f := &figure{title: "t"}
	for range 30 {
		f.legend = append(f.legend, legendEntry{text: "entry", thumb: ringThumb})
	}
	_, h := f.size()
	if h < f.legendHeight()+f.titleHeight() {
		t.Errorf("height %v cannot hold a legend of %v", h, f.legendHeight())
	}
	if f.legendRow() <= textStyle(legendFont, 0, 0).Height("Xg") {
		t.Errorf("legend rows %v no taller than their text", f.legendRow())
	}
}

func find(t *testing.T, charts []Chart, kind string) Chart {
	t.Helper()
	for _, c := range charts {
		if c.Kind == kind {
			return c
		}
	}
	t.Fatalf("no %s chart among %d", kind, len(charts))
	return Chart{}
}

func isBars(c Chart) bool { return c.fig.form == "bars" }

// A result that failed or was skipped keeps its place in a bar chart, said
// as such; where every result of a kind failed, the kind is skipped with
// that reason.
func TestChartsShowFailures(t *testing.T) {
	ok := results.Result{Name: "ctxsw/ring/procs=2/ws=0KiB/cpu=same/kind=thread", Unit: "ns/op", Better: results.Lower,
		Samples: []float64{1000, 1010, 990, 1005, 995, 1002}}
	ok.Summarize()
	failed := results.Result{Name: "ctxsw/ring/procs=2/ws=0KiB/cpu=same/kind=process", Unit: "ns/op", Better: results.Lower, Error: "overhead swallows the switch"}
	in := Input{Label: "h", Run: fixtureRun(fixtureHost("h", "6.1", "cpu"), time.Now(), ok, failed)}
	charts, _ := Charts([]Input{in})
	svg, err := find(t, charts, "ctxsw").SVG()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), ">error<") || !strings.Contains(string(svg), "kind=process") {
		t.Errorf("the failed ring is not in the chart as an error")
	}
	in.Run.Results = in.Run.Results[1:]
	_, skipped := Charts([]Input{in})
	found := false
	for _, s := range skipped {
		found = found || (s.Kind == "ctxsw" && strings.Contains(s.Reason, "skipped or failed"))
	}
	if !found {
		t.Errorf("skipped %q: want ctxsw, every result failed", skipped)
	}
}

// The panels of one chart share one value scale, bars as lines.
func TestPanelsShareScale(t *testing.T) {
	var rs []results.Result
	for _, m := range []string{"write", "sendfile"} {
		r := results.Result{Name: "zerocopy/send/method=" + m + "/size=128KiB/transport=loopback", Unit: "B/s", Better: results.Higher,
			Samples: []float64{1e9, 1.1e9, 0.9e9}, Metrics: map[string]float64{metricSenderB: 0.6, metricReceiveB: 0.1}}
		r.Summarize()
		rs = append(rs, r)
	}
	in := Input{Label: "h", Run: fixtureRun(fixtureHost("h", "6.1", "cpu"), time.Now(), rs...)}
	charts, _ := Charts([]Input{in})
	c := find(t, charts, "cpu")
	if len(c.fig.panels) != 2 {
		t.Fatalf("%d panels, want sender and receiver", len(c.fig.panels))
	}
	a, b := c.fig.panels[0].X, c.fig.panels[1].X
	if a.Min != b.Min || a.Max != b.Max {
		t.Errorf("sender %v..%v, receiver %v..%v: want one scale", a.Min, a.Max, b.Min, b.Max)
	}
}
