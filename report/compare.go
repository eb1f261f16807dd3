package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/tw"

	"zbench/results"
)

// Comparison is several runs side by side: one row per benchmark (in order
// of first appearance), one cell per run, and for each run after the first
// the change against the first.
type Comparison struct {
	Inputs []Input
	Rows   []Row
}

// Row is one benchmark, or one metric of a benchmark, across the runs.
type Row struct {
	Name   string
	Metric string // "" for the benchmark's own unit; else the metric's name, which is also its unit
	Unit   string // the unit of the first run that measured it
	Cells  []Cell // one per input
	// Metrics are the rows of the benchmark's metrics that any run has
	// (sorted by name); none in a metric's row.
	Metrics []Row
}

// Cell is one run's result for a row's benchmark.
type Cell struct {
	Result *results.Result // nil where the run does not have the benchmark (or the metric)
	// MedianOnly is set for a metric of a schema-1 record: its median alone,
	// without samples, so without an interval or a delta.
	MedianOnly bool
	// Delta is the change against the first run; nil for the first run and
	// where there is nothing to compare (see Why).
	Delta *Delta
	// Why says why a measured cell has no delta although the baseline is
	// measured too (different units).
	Why string
}

// State is "measured", "skipped", "error" or "missing".
func (c Cell) State() string { return resultState(c.Result) }

// resultState is "measured", "skipped", "error" or "missing" (r nil): what
// compare and check make of a run's result for one benchmark.
func resultState(r *results.Result) string {
	switch {
	case r == nil:
		return "missing"
	case r.Skipped != "":
		return "skipped"
	case r.Error != "":
		// Samples taken before a failure are kept in the record, but an
		// incomplete set is not compared.
		return "error"
	}
	return "measured"
}

// Compare puts the inputs side by side; the first is the baseline of every
// delta. Rows holds one row per benchmark, and each row the rows of its
// metrics.
func Compare(ins []Input) *Comparison {
	c := &Comparison{Inputs: ins}
	for _, b := range sideBySide(ins) {
		row := Row{Name: b.name, Cells: make([]Cell, len(ins))}
		for i, r := range b.results {
			row.Cells[i].Result = r
		}
		row.Metrics = metricRows(row)
		c.fill(&row)
		for j := range row.Metrics {
			c.fill(&row.Metrics[j])
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// across is one benchmark's result in each of several inputs.
type across struct {
	name    string
	results []*results.Result // one per input; nil where the input lacks the benchmark
}

// sideBySide lists the benchmarks of ins in order of first appearance, each
// with its result in every input.
func sideBySide(ins []Input) []across {
	var out []across
	index := map[string]int{}
	eachResult(ins, func(i int, r *results.Result) {
		j, ok := index[r.Name]
		if !ok {
			j = len(out)
			index[r.Name] = j
			out = append(out, across{name: r.Name, results: make([]*results.Result, len(ins))})
		}
		out[j].results[i] = r
	})
	return out
}

// fill sets a row's unit (the first measured run's) and the delta of each
// run against the first.
func (c *Comparison) fill(row *Row) {
	ins := c.Inputs
	for _, cell := range row.Cells {
		if cell.State() == "measured" {
			row.Unit = cell.Result.Unit
			break
		}
	}
	if row.Unit == "" {
		for _, cell := range row.Cells {
			if cell.Result != nil && cell.Result.Unit != "" {
				row.Unit = cell.Result.Unit
				break
			}
		}
	}
	base := row.Cells[0]
	if base.State() != "measured" || base.MedianOnly {
		return
	}
	for i := 1; i < len(row.Cells); i++ {
		cell := &row.Cells[i]
		if cell.State() != "measured" || cell.MedianOnly {
			continue
		}
		switch r, b := cell.Result, base.Result; {
		case r.Unit != b.Unit:
			cell.Why = fmt.Sprintf("not comparable: the units differ (%s in %s, %s in %s)", b.Unit, ins[0].Label, r.Unit, ins[i].Label)
			continue
		case r.Better != b.Better:
			cell.Why = fmt.Sprintf("not comparable: %s is better in %s, %s in %s", b.Better, ins[0].Label, r.Better, ins[i].Label)
			continue
		}
		d := compareResults(base.Result, cell.Result)
		cell.Delta = &d
	}
}

// lines are the rows as tables show them: each benchmark followed by its
// metrics.
func (c *Comparison) lines() []Row {
	var out []Row
	for _, row := range c.Rows {
		out = append(out, row)
		out = append(out, row.Metrics...)
	}
	return out
}

// metricRows are the rows of the metrics of a benchmark's row: each
// metric's samples as a result of its own (results.Result.MetricResult),
// or, for a schema-1 record, its median alone.
func metricRows(row Row) []Row {
	var names []string
	for _, cell := range row.Cells {
		if cell.State() != "measured" {
			continue
		}
		for _, k := range cell.Result.MetricNames() {
			if !slices.Contains(names, k) {
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	var rows []Row
	for _, k := range names {
		mr := Row{Name: row.Name, Metric: k, Cells: make([]Cell, len(row.Cells))}
		for i, cell := range row.Cells {
			if cell.State() != "measured" {
				continue
			}
			r := cell.Result
			if m, ok := r.MetricResult(k); ok {
				mr.Cells[i].Result = &m
			} else if v, ok := r.Metrics[k]; ok {
				mr.Cells[i].Result = &results.Result{Name: r.Name, Unit: k, Better: results.MetricBetter(k), Median: v, Min: v, Max: v, Samples: []float64{v}}
				mr.Cells[i].MedianOnly = true
			}
		}
		rows = append(rows, mr)
	}
	return rows
}

// Mark says whether a delta is better or worse in the unit's direction:
// "better", "worse", or "" where it is not significant or the unit has no
// direction. A time down 19 % and a rate up 59 % are both better.
func (d Delta) Mark(better string) string {
	if !d.Significant || math.IsNaN(d.Pct) || d.Pct == 0 {
		return ""
	}
	switch {
	case better == results.Lower && d.Pct < 0, better == results.Higher && d.Pct > 0:
		return "better"
	case better == results.Lower, better == results.Higher:
		return "worse"
	}
	return ""
}

// label is the row's first column: the benchmark, or, for a metric row,
// the metric under its benchmark.
func (row Row) label() string {
	if row.Metric != "" {
		return "  └ " + row.Metric
	}
	return row.Name
}

// cellText is a cell's value as a table shows it, with note references.
func (c *Comparison) cellText(row Row, i int, ref func(string) string) string {
	cell := row.Cells[i]
	r := cell.Result
	switch cell.State() {
	case "missing":
		return "—"
	case "skipped":
		return "skipped " + ref("skipped: "+r.Skipped)
	case "error":
		return "error " + ref("error: "+r.Error)
	}
	if cell.MedianOnly {
		return FormatValue(r.Median, r.Unit) + " (median only) " + ref("the record keeps only the median of this metric (as schema 1 did): no interval, no comparison")
	}
	s := formatCell(r)
	if r.Unit != row.Unit {
		s += " " + r.Unit
	}
	if results.IsReference(c.Inputs[i].Run) && r.Doc != "" {
		s += " " + ref(c.Inputs[i].Label+": "+r.Doc)
	}
	return s
}

// deltaText is the change of a cell against the first run, marked better
// or worse in the row's direction.
func deltaText(cell Cell, ref func(string) string) string {
	switch {
	case cell.Why != "":
		return "not comparable " + ref(cell.Why)
	case cell.Delta == nil:
		return ""
	}
	d := cell.Delta.String()
	if m := cell.Delta.Mark(cell.Result.Better); m != "" {
		d += " " + m
	}
	for _, w := range cell.Delta.Warnings {
		d += " " + ref(w)
	}
	return d
}

// grid lays the comparison out for a table: one column per run and one
// per delta.
func (c *Comparison) grid() grid {
	g := grid{header: []string{"benchmark", "unit"}, align: []tw.Align{tw.AlignLeft, tw.AlignLeft}}
	for i, in := range c.Inputs {
		g.header = append(g.header, in.Label)
		g.align = append(g.align, tw.AlignRight)
		if i > 0 {
			g.header = append(g.header, "Δ")
			g.align = append(g.align, tw.AlignRight)
		}
	}
	for _, row := range c.lines() {
		line := []string{row.label(), row.Unit}
		for i := range row.Cells {
			line = append(line, c.cellText(row, i, g.note))
			if i > 0 {
				line = append(line, deltaText(row.Cells[i], g.note))
			}
		}
		g.rows = append(g.rows, line)
	}
	return g
}

// longGrid is the comparison folded for many runs: one line per benchmark
// and run, so the width does not grow with the number of runs.
func (c *Comparison) longGrid() grid {
	g := grid{header: []string{"benchmark", "unit", "run", "median ± CI", "Δ"},
		align: []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight}}
	for _, row := range c.lines() {
		for i := range row.Cells {
			name, unit := row.label(), row.Unit
			if i > 0 {
				name, unit = "", ""
			}
			g.rows = append(g.rows, []string{name, unit, c.Inputs[i].Label, c.cellText(row, i, g.note), deltaText(row.Cells[i], g.note)})
		}
	}
	return g
}

// MaxWidth is the widest a side-by-side comparison table may be, in
// characters, before Text and Markdown fold it into one line per benchmark
// and run (see longGrid).
var MaxWidth = 200

// layout picks the side-by-side grid, or the folded one where the
// side-by-side would be wider than MaxWidth.
func (c *Comparison) layout() grid {
	g := c.grid()
	if g.width() <= MaxWidth {
		return g
	}
	return c.longGrid()
}

// width is the width of the grid as a terminal table: each column as wide
// as its widest cell, plus borders and padding.
func (g grid) width() int {
	w := make([]int, len(g.header))
	for _, row := range append([][]string{g.header}, g.rows...) {
		for i, cell := range row {
			if i < len(w) {
				w[i] = max(w[i], utf8.RuneCountInString(cell))
			}
		}
	}
	total := 1
	for _, x := range w {
		total += x + 3
	}
	return total
}

const compareLegend = "median ± 95% CI per run; Δ: change of the median against the first run, " +
	"with the Mann–Whitney U p-value, and whether it is better or worse in the unit's direction; " +
	"~: not significant (p ≥ 0.05, or too few samples); └ rows are the benchmark's metrics"

// sentinelLines say, for each run after the first, how the host sentinel
// moved against the first run's.
func (c *Comparison) sentinelLines() []string {
	var out []string
	for i := 1; i < len(c.Inputs); i++ {
		s := CompareSentinels(c.Inputs[0].Run.Sentinel, c.Inputs[i].Run.Sentinel, DefaultThreshold)
		if s == nil {
			continue
		}
		out = append(out, fmt.Sprintf("host sentinel, %s against %s: %s", c.Inputs[i].Label, c.Inputs[0].Label, s))
	}
	return out
}

// Text writes the comparison as a terminal table.
func (c *Comparison) Text(w io.Writer) error {
	fmt.Fprintf(w, "zbench compare: %s\n\n", compareLegend)
	for _, in := range c.Inputs {
		fmt.Fprintf(w, "  %s\n", describe(in))
	}
	for _, l := range c.sentinelLines() {
		fmt.Fprintf(w, "  %s\n", l)
	}
	fmt.Fprintln(w)
	return c.layout().text(w)
}

// Markdown writes the comparison as a GitHub-flavoured Markdown table with
// the notes as a numbered list below it.
func (c *Comparison) Markdown(w io.Writer) error {
	fmt.Fprintf(w, "### zbench compare\n\n%s.\n\n", compareLegend)
	for _, in := range c.Inputs {
		fmt.Fprintf(w, "- %s\n", mdEscape(describe(in)))
	}
	for _, l := range c.sentinelLines() {
		fmt.Fprintf(w, "- %s\n", mdEscape(l))
	}
	fmt.Fprintln(w)
	c.layout().markdown(w)
	return nil
}

// CSV writes one row per benchmark (or metric) and run (long format, for
// spreadsheets and scripts): the summary, and the delta against the first
// run with its verdict.
func (c *Comparison) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"benchmark", "metric", "run", "file", "host", "unit", "better", "status", "samples",
		"median", "ci_low", "ci_high", "delta_pct", "p_value", "significant", "change", "note"})
	for _, row := range c.lines() {
		for i, cell := range row.Cells {
			in := c.Inputs[i]
			rec := []string{row.Name, row.Metric, in.Label, in.Path, in.Run.Host.Hostname, row.Unit, "", cell.State(),
				"", "", "", "", "", "", "", "", ""}
			if r := cell.Result; r != nil {
				rec[5], rec[6] = r.Unit, r.Better
				rec[8] = strconv.Itoa(len(r.Samples))
				rec[16] = r.Skipped + r.Error
			}
			if cell.State() == "measured" {
				r := cell.Result
				rec[9] = fnum(r.Median)
				if cell.MedianOnly {
					rec[8] = ""
					rec[16] = "median only: the record keeps no samples of this metric"
				} else if s := results.Summarize(r.Samples); s.Lo != nil {
					rec[10], rec[11] = fnum(*s.Lo), fnum(*s.Hi)
				}
			}
			if d := cell.Delta; d != nil {
				rec[12] = fnum(d.Pct)
				rec[13] = strconv.FormatFloat(d.P, 'f', 4, 64)
				rec[14] = strconv.FormatBool(d.Significant)
				rec[15] = d.Mark(cell.Result.Better)
				rec[16] = strings.Join(d.Warnings, "; ")
			}
			if cell.Why != "" {
				rec[16] = cell.Why
			}
			cw.Write(rec)
		}
	}
	cw.Flush()
	return cw.Error()
}

// fnum writes a number for machines, "" for NaN.
func fnum(v float64) string {
	if v != v {
		return ""
	}
	return strconv.FormatFloat(tidy(v), 'f', -1, 64)
}

// writeMarkdownTable writes a GitHub-flavoured Markdown table.
func writeMarkdownTable(w io.Writer, header []string, align []tw.Align, rows [][]string) {
	line := func(cells []string) {
		for i := range cells {
			cells[i] = mdCell(cells[i])
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	line(slices.Clone(header))
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
		if i < len(align) && align[i] == tw.AlignRight {
			sep[i] = "--:"
		}
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(sep, "|"))
	for _, r := range rows {
		line(slices.Clone(r))
	}
}

// mdCell escapes what would end or break a table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// mdEscape keeps free text from being read as Markdown markup.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;")
	return r.Replace(s)
}
