// Package report is the last stage of zbench's pipeline: it reads run records
// and renders them (tables now; comparisons, the CI gate, charts and exports
// build on the same formatting). Reading is pure: report never measures.
package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"zbench/results"
)

// Table writes the results of run as a table: name, median, unit, ± the 95 %
// confidence interval, the best sample, and note references; the notes
// (skip reasons, errors, warnings) follow the table in full, numbered once
// each, so that a long reason neither widens the table nor gets cut.
func Table(w io.Writer, run *results.Run) error {
	h := run.Host
	fmt.Fprintf(w, "zbench %s  %s  %s  %s, %d CPUs  %s\n", buildLabel(run.Zbench), h.Hostname, h.Kernel, h.CPUModel,
		h.CPUsOnline, run.Started.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "%d samples per benchmark from fresh worker processes, %s; median ± 95%% CI\n\n",
		run.Settings.Count, sampleLength(&run.Settings))

	if err := runGrid(run).text(w); err != nil {
		return err
	}
	if d := SentinelDrift(run.Sentinel); d != "" {
		fmt.Fprintf(w, "host drift: %s\n", d)
	}
	return nil
}

// SentinelDrift says in which rounds the host sentinel (a fixed CPU loop and
// a null system call, timed at the start of every round) moved beyond the
// run's own noise, and by how much; "" where it did not, or where fewer than
// four rounds leave no noise to judge by.
//
// Whatever disturbs a host (another tenant, a hog on the CPU, a lower
// clock) slows the sentinel, so the reference is the run's quiet rounds: the
// lower quartile of the rounds' values, with the spread of the lower half
// of them as the noise (1.4826 × their median absolute deviation from the
// quartile, the standard deviation's robust estimate). A round moved when
// it is further from the reference than both 10 % of it (WideCI, the width
// at which an interval gets its own note) and four times the noise. Up to three rounds in four can move and still be seen.
func SentinelDrift(s []results.Sentinel) string {
	if len(s) < 4 {
		return ""
	}
	kinds := []struct {
		what string
		val  func(results.Sentinel) float64
	}{
		{"CPU loop", func(x results.Sentinel) float64 { return x.CPUNs }},
		{"null system call", func(x results.Sentinel) float64 { return x.SyscallNs }},
	}
	var parts []string
	for _, k := range kinds {
		vs := make([]float64, len(s))
		for i, x := range s {
			vs[i] = k.val(x)
		}
		sorted := slices.Clone(vs)
		slices.Sort(sorted)
		ref := sorted[(len(sorted)-1)/4]
		if !(ref > 0) {
			continue
		}
		var dev []float64
		for _, v := range sorted[:(len(sorted)+1)/2] {
			dev = append(dev, math.Abs(v-ref))
		}
		tol := max(WideCI/100*ref, 4*1.4826*medianOf(dev))
		var moved []int
		worst := 0.0
		for i, v := range vs {
			if math.Abs(v-ref) > tol {
				moved = append(moved, s[i].Round+1)
				if math.Abs(v-ref) > math.Abs(worst) {
					worst = v - ref
				}
			}
		}
		if len(moved) > 0 {
			parts = append(parts, fmt.Sprintf("the %s by up to %+.0f%% in %s", k.what, 100*worst/ref, roundList(moved)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "the host sentinel (a fixed CPU loop and null system call, timed each round) moved beyond its noise: " +
		strings.Join(parts, ", ") + ", against the run's quiet rounds; samples of those rounds moved for a " +
		"reason outside the code: rerun, or run on a quieter machine"
}

// roundList writes 1-based rounds as "round 3" or "rounds 2, 4-6".
func roundList(rs []int) string {
	var segs []string
	for i := 0; i < len(rs); {
		j := i
		for j+1 < len(rs) && rs[j+1] == rs[j]+1 {
			j++
		}
		if j > i {
			segs = append(segs, fmt.Sprintf("%d-%d", rs[i], rs[j]))
		} else {
			segs = append(segs, strconv.Itoa(rs[i]))
		}
		i = j + 1
	}
	if len(rs) == 1 {
		return "round " + segs[0]
	}
	return "rounds " + strings.Join(segs, ", ")
}

func medianOf(vs []float64) float64 { return results.Summarize(vs).Median }

// grid is results laid out for a table: header, cells and numbered
// notes (skip reasons, errors, statistical warnings, reference provenance),
// each note once, so that a long reason neither widens the table nor is cut.
type grid struct {
	header []string
	align  []tw.Align
	rows   [][]string
	notes  []string
}

// note returns the reference ("[3]") of note, numbering it if it is new.
func (g *grid) note(note string) string {
	k := slices.Index(g.notes, note)
	if k < 0 {
		g.notes = append(g.notes, note)
		k = len(g.notes) - 1
	}
	return "[" + strconv.Itoa(k+1) + "]"
}

// runGrid lays out one run's results: name, median, unit, ± CI, best and
// note references, with the notes (skip reasons, errors, warnings) numbered
// once each.
func runGrid(run *results.Run) grid {
	g := grid{
		header: []string{"benchmark", "median", "unit", "± CI", "best", "notes"},
		align:  []tw.Align{tw.AlignLeft, tw.AlignRight, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignLeft},
	}
	for i := range run.Results {
		r := &run.Results[i]
		row := []string{r.Name, "", r.Unit, "", "", ""}
		var rn []string
		switch {
		case r.Skipped != "":
			row[1] = "skipped"
			rn = append(rn, "skipped: "+r.Skipped)
		case r.Error != "" && !r.Measured():
			row[1] = "error"
		}
		if r.Error != "" {
			rn = append(rn, "error: "+r.Error)
		}
		if r.Measured() {
			row[1] = FormatValue(r.Median, r.Unit)
			row[3] = FormatCI(r)
			row[4] = FormatValue(r.Best(), r.Unit)
		}
		rn = append(rn, r.Warnings...)
		if pct, ok := r.HalfCIPercent(); ok && pct > WideCI {
			rn = append(rn, wideCINote)
		}
		var refs []string
		for _, n := range rn {
			refs = append(refs, g.note(n))
		}
		row[5] = strings.Join(refs, "")
		g.rows = append(g.rows, row)
	}
	return g
}

// text renders the grid as a terminal table with its notes below.
func (g grid) text(w io.Writer) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: g.align}),
	)
	t.Header(g.header)
	for _, row := range g.rows {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for i, n := range g.notes {
		fmt.Fprintf(w, "[%d] %s\n", i+1, n)
	}
	return nil
}

// markdown renders the grid as a Markdown table with its notes as a
// numbered list below.
func (g grid) markdown(w io.Writer) {
	writeMarkdownTable(w, g.header, g.align, g.rows)
	if len(g.notes) > 0 {
		fmt.Fprintln(w)
		for i, n := range g.notes {
			fmt.Fprintf(w, "%d. %s\n", i+1, mdEscape(n))
		}
	}
}

// WideCI is the half-width of a confidence interval, in percent of the
// median, beyond which a result is noted as imprecise.
const WideCI = 10.0

const wideCINote = "the 95% interval is wider than ±10% of the median, so the median is imprecise: " +
	"take more samples (--count 20 or more), or run on a quieter machine (nothing else running, " +
	"a fixed CPU frequency); a result whose samples split into clusters says so in its own note"

// FormatCI is the half-width of the confidence interval as a percentage of
// the median, "±∞" when there are too few samples for a finite one.
func FormatCI(r *results.Result) string {
	pct, ok := r.HalfCIPercent()
	if !ok {
		return "±∞"
	}
	if pct >= 10 {
		return "±" + strconv.FormatFloat(pct, 'f', 0, 64) + "%"
	}
	return "±" + strconv.FormatFloat(pct, 'f', 1, 64) + "%"
}

// FormatValue writes v with four significant digits; rates get an SI prefix
// (1.234G B/s), times stay in their base unit so that columns line up.
func FormatValue(v float64, unit string) string {
	if strings.HasSuffix(unit, "/s") {
		for _, p := range []struct {
			s string
			f float64
		}{{"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"k", 1e3}} {
			if math.Abs(v) >= p.f {
				x := v / p.f
				return strconv.FormatFloat(x, 'f', prec(x), 64) + p.s
			}
		}
	}
	return strconv.FormatFloat(v, 'f', prec(v), 64)
}

// prec gives four significant digits for |v| < 1000 and none beyond.
func prec(v float64) int {
	a := math.Abs(v)
	switch {
	case a == 0 || a >= 1000:
		return 0
	case a >= 100:
		return 1
	case a >= 10:
		return 2
	}
	return 3
}

func fmtDuration(ns int64) string {
	switch {
	case ns >= 1e9:
		return strconv.FormatFloat(float64(ns)/1e9, 'g', 3, 64) + "s"
	case ns >= 1e6:
		return strconv.FormatFloat(float64(ns)/1e6, 'g', 3, 64) + "ms"
	}
	return strconv.FormatFloat(float64(ns)/1e3, 'g', 3, 64) + "µs"
}

// sampleLength says how long samples were: the run's --time, or each
// benchmark's own (recorded per result).
func sampleLength(s *results.Settings) string {
	if s.SampleTargetNs <= 0 {
		return "each as long as its benchmark asks"
	}
	return "each ~" + fmtDuration(s.SampleTargetNs)
}

// buildLabel names the zbench build of a record for the table's header: the
// module version with the commit (abbreviated, "+" where the tree had
// uncommitted changes), or that the build carried no VCS stamp; "(devel)"
// alone would say nothing.
func buildLabel(v results.Version) string {
	switch {
	case v.Commit == "" && (v.Version == "" || v.Version == "(devel)"):
		return "(devel, no VCS stamp: commit unknown)"
	case v.Commit == "":
		return v.Version
	}
	c := v.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if v.Modified {
		c += "+"
	}
	return v.Version + " " + c
}
