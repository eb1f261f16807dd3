package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

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

// Row is one benchmark across the runs.
type Row struct {
	Name  string
	Unit  string // the unit of the first run that measured it
	Cells []Cell // one per input
}

// Cell is one run's result for a row's benchmark.
type Cell struct {
	Result *results.Result // nil where the run does not have the benchmark
	// Delta is the change against the first run; nil for the first run and
	// where there is nothing to compare (see Why).
	Delta *Delta
	// Why says why a measured cell has no delta although the baseline is
	// measured too (different units).
	Why string
}

// State is "measured", "skipped", "error" or "missing".
func (c Cell) State() string {
	switch r := c.Result; {
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
// delta.
func Compare(ins []Input) *Comparison {
	c := &Comparison{Inputs: ins}
	index := map[string]int{}
	for i, in := range ins {
		for k := range in.Run.Results {
			r := &in.Run.Results[k]
			j, ok := index[r.Name]
			if !ok {
				j = len(c.Rows)
				index[r.Name] = j
				c.Rows = append(c.Rows, Row{Name: r.Name, Cells: make([]Cell, len(ins))})
			}
			c.Rows[j].Cells[i].Result = r
		}
	}
	for j := range c.Rows {
		row := &c.Rows[j]
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
		if base.State() != "measured" {
			continue
		}
		for i := 1; i < len(row.Cells); i++ {
			cell := &row.Cells[i]
			if cell.State() != "measured" {
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
	return c
}

// grid lays the comparison out for a table.
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
	ref := g.note
	for _, row := range c.Rows {
		line := []string{row.Name, row.Unit}
		for i, cell := range row.Cells {
			r := cell.Result
			var s string
			switch cell.State() {
			case "missing":
				s = "—"
			case "skipped":
				s = "skipped " + ref("skipped: "+r.Skipped)
			case "error":
				s = "error " + ref("error: "+r.Error)
			default:
				s = formatCell(r)
				if r.Unit != row.Unit {
					s += " " + r.Unit
				}
				if results.IsReference(c.Inputs[i].Run) && r.Doc != "" {
					s += " " + ref(c.Inputs[i].Label+": "+r.Doc)
				}
			}
			line = append(line, s)
			if i == 0 {
				continue
			}
			var d string
			switch {
			case cell.Why != "":
				d = "not comparable " + ref(cell.Why)
			case cell.Delta != nil:
				d = cell.Delta.String()
				for _, w := range cell.Delta.Warnings {
					d += " " + ref(w)
				}
			}
			line = append(line, d)
		}
		g.rows = append(g.rows, line)
	}
	return g
}

const compareLegend = "median ± 95% CI per run; Δ: change of the median against the first run, " +
	"with the Mann–Whitney U p-value; ~: not significant (p ≥ 0.05, or too few samples)"

// Text writes the comparison as a terminal table.
func (c *Comparison) Text(w io.Writer) error {
	fmt.Fprintf(w, "zbench compare: %s\n\n", compareLegend)
	for _, in := range c.Inputs {
		fmt.Fprintf(w, "  %s\n", describe(in))
	}
	fmt.Fprintln(w)
	return c.grid().text(w)
}

// Markdown writes the comparison as a GitHub-flavoured Markdown table with
// the notes as a numbered list below it.
func (c *Comparison) Markdown(w io.Writer) error {
	fmt.Fprintf(w, "### zbench compare\n\n%s.\n\n", compareLegend)
	for _, in := range c.Inputs {
		fmt.Fprintf(w, "- %s\n", mdEscape(describe(in)))
	}
	fmt.Fprintln(w)
	c.grid().markdown(w)
	return nil
}

// CSV writes one row per benchmark and run (long format, for spreadsheets
// and scripts): the summary, and the delta against the first run.
func (c *Comparison) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"benchmark", "run", "file", "host", "unit", "better", "status", "samples",
		"median", "ci_low", "ci_high", "delta_pct", "p_value", "significant", "note"})
	for _, row := range c.Rows {
		for i, cell := range row.Cells {
			in := c.Inputs[i]
			rec := []string{row.Name, in.Label, in.Path, in.Run.Host.Hostname, row.Unit, "", cell.State(),
				"", "", "", "", "", "", "", ""}
			if r := cell.Result; r != nil {
				rec[4], rec[5] = r.Unit, r.Better
				rec[7] = strconv.Itoa(len(r.Samples))
				rec[14] = r.Skipped + r.Error
			}
			if cell.State() == "measured" {
				r := cell.Result
				rec[8] = fnum(r.Median)
				if r.CILow != nil && r.CIHigh != nil {
					rec[9], rec[10] = fnum(*r.CILow), fnum(*r.CIHigh)
				}
			}
			if d := cell.Delta; d != nil {
				rec[11] = fnum(d.Pct)
				rec[12] = strconv.FormatFloat(d.P, 'f', 4, 64)
				rec[13] = strconv.FormatBool(d.Significant)
				rec[14] = strings.Join(d.Warnings, "; ")
			}
			if cell.Why != "" {
				rec[14] = cell.Why
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
