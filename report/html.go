package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"zbench/name"
	"zbench/results"
)

// The HTML report: one self-contained page (no network fetch; charts as
// inline SVG; style and script inline) that opens on a summary per family,
// then every benchmark in a sortable, filterable table, every chart, and
// the environment of each run side by side. docs/design.md, "The HTML
// report".

// htmlRun is one run's column.
type htmlRun struct {
	Label, Desc, Who string
	Ref              bool
	Color            string
}

// htmlCell is one run's value for a benchmark.
type htmlCell struct {
	Run      string // the run's label
	State    string // "measured", "skipped", "error", "missing"
	Median   string // formatted
	Raw      string // the record's median, exactly, for sorting and checking
	CI       string // "±4.3%", "±∞"
	CIRange  string // "[lo, hi]" in the unit
	Wide     bool   // the interval is wider than ±wideCI %, or there is none
	N        int
	Best     bool // the better run of a row, where the difference is significant
	Why      string
	Warnings []string
	Notes    []int // numbers of the page's notes: the skip or error reason, the warnings
}

// htmlNote is a numbered note: a warning, or why a result is missing.
type htmlNote struct {
	ID   int
	Text string
}

type htmlRow struct {
	Name, Family, Unit, Better string
	Cells                      []htmlCell
	Verdict                    string // a summary of the comparison across runs
	NoteText                   string // the texts of its cells' notes, for the filter
}

type htmlFamily struct {
	Name, What string
	Rows       []htmlRow
	More       int        // rows not in the summary (see the full table)
	Notes      []htmlNote // the notes its summary rows refer to
}

type htmlEnvRow struct {
	Key    string
	Values []htmlEnvCell
	Differ bool
}

// htmlEnvCell is one run's value of an environment row; Differ marks a
// value that differs from the first measured run's.
type htmlEnvCell struct {
	Value       string
	Differ, Ref bool
}

type htmlChart struct {
	Title, File, Kind string
	SVG               template.HTML
}

type htmlPage struct {
	Generated string
	Runs      []htmlRun
	Families  []htmlFamily
	Rows      []htmlRow
	Charts    []htmlChart
	Skipped   []SkippedChart
	Env       []htmlEnvRow
	Warnings  [][]string // per run, the host's warnings
	Notes     []htmlNote
}

// note numbers text among the page's notes, once however often it occurs.
func (p *htmlPage) note(text string) int {
	for _, n := range p.Notes {
		if n.Text == text {
			return n.ID
		}
	}
	id := len(p.Notes) + 1
	p.Notes = append(p.Notes, htmlNote{ID: id, Text: text})
	return id
}

// wideCI is the half-width, in percent of the median, past which the page
// marks an interval as too wide to tell small changes apart.
const wideCI = 10

// summaryRows is how many benchmarks a family shows in the summary.
const summaryRows = 8

// HTML writes the report of ins as one self-contained HTML page.
func HTML(w io.Writer, ins []Input) error {
	page, err := buildPage(ins)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, page); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// WriteHTML writes the report to path atomically: a reader, or a failed
// write, never leaves half a page there.
func WriteHTML(path string, ins []Input) error {
	var buf bytes.Buffer
	if err := HTML(&buf, ins); err != nil {
		return err
	}
	return writeFileAtomic(path, buf.Bytes())
}

func cssColor(i int) string {
	r, g, b, _ := palette[i%len(palette)].RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

func buildPage(ins []Input) (*htmlPage, error) {
	p := &htmlPage{Generated: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	for i, in := range ins {
		p.Runs = append(p.Runs, htmlRun{Label: in.Label, Desc: strings.TrimPrefix(describe(in), in.Label+": "), Who: subtitle(in), Ref: results.IsReference(in.Run), Color: cssColor(i)})
		p.Warnings = append(p.Warnings, in.Run.Host.Warnings)
	}
	p.Rows = htmlRows(ins)
	for j := range p.Rows {
		for i := range p.Rows[j].Cells {
			c := &p.Rows[j].Cells[i]
			if c.State == "skipped" || c.State == "error" {
				c.Notes = append(c.Notes, p.note(c.State+": "+c.Why))
			}
			for _, w := range c.Warnings {
				c.Notes = append(c.Notes, p.note(w))
			}
			for _, id := range c.Notes {
				p.Rows[j].NoteText += p.Notes[id-1].Text + " "
			}
		}
	}
	// The summary: per family, the rows every run measured first, in
	// record order.
	var fams []string
	byFam := map[string][]htmlRow{}
	for _, r := range p.Rows {
		if _, ok := byFam[r.Family]; !ok {
			fams = append(fams, r.Family)
		}
		byFam[r.Family] = append(byFam[r.Family], r)
	}
	// The families in the README's order, any other after them.
	slices.SortStableFunc(fams, func(a, b string) int { return name.FamilyRank(a) - name.FamilyRank(b) })
	for _, f := range fams {
		rows := slices.Clone(byFam[f])
		slices.SortStableFunc(rows, func(a, b htmlRow) int { return measuredCount(b) - measuredCount(a) })
		fam := htmlFamily{Name: f, What: name.FamilyWhat(f)}
		if len(rows) > summaryRows {
			fam.More = len(rows) - summaryRows
			rows = rows[:summaryRows]
		}
		fam.Rows = rows
		var ids []int
		for _, r := range rows {
			for _, c := range r.Cells {
				for _, id := range c.Notes {
					if !slices.Contains(ids, id) {
						ids = append(ids, id)
					}
				}
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			fam.Notes = append(fam.Notes, p.Notes[id-1])
		}
		p.Families = append(p.Families, fam)
	}
	charts, skipped := Charts(ins)
	p.Skipped = skipped
	for _, c := range charts {
		svg, err := c.SVG()
		if err != nil {
			p.Skipped = append(p.Skipped, SkippedChart{Kind: c.Kind, Reason: fmt.Sprintf("%s: %v", c.File, err)})
			continue
		}
		// gonum writes the SVG; it carries no script and no external reference.
		// The caption is the title's first line; the rest is in the chart.
		title, _, _ := strings.Cut(c.Title, "\n")
		p.Charts = append(p.Charts, htmlChart{Title: title, File: c.File, Kind: c.Kind, SVG: template.HTML(svg)})
	}
	p.Env = envRows(ins)
	return p, nil
}

func measuredCount(r htmlRow) int {
	n := 0
	for _, c := range r.Cells {
		if c.State == "measured" {
			n++
		}
	}
	return n
}

func htmlRows(ins []Input) []htmlRow {
	var rows []htmlRow
	for _, b := range sideBySide(ins) {
		row := htmlRow{Name: b.name, Family: name.Parse(b.name).Family(), Cells: make([]htmlCell, len(ins))}
		for i, r := range b.results {
			if r == nil {
				row.Cells[i] = htmlCell{Run: ins[i].Label, State: "missing", Why: "not in this run"}
				continue
			}
			row.Cells[i] = cellOf(r)
			row.Cells[i].Run = ins[i].Label
			if row.Unit == "" || measuredOK(r) {
				row.Unit, row.Better = r.Unit, r.Better
			}
		}
		rows = append(rows, row)
	}
	for j := range rows {
		markBest(&rows[j], ins)
	}
	return rows
}

func cellOf(r *results.Result) htmlCell {
	c := htmlCell{Warnings: r.Warnings}
	switch {
	case r.Skipped != "":
		c.State, c.Why = "skipped", r.Skipped
	case r.Error != "" && !r.Measured():
		c.State, c.Why = "error", r.Error
	case !r.Measured():
		c.State, c.Why = "missing", "no samples"
	default:
		c.State = "measured"
		if r.Error != "" {
			c.Warnings = append(slices.Clone(c.Warnings), "error after some samples: "+r.Error)
		}
		c.Median = FormatValue(r.Median, r.Unit)
		c.Raw = strconv.FormatFloat(r.Median, 'g', -1, 64)
		c.CI = FormatCI(r)
		pct, ok := r.HalfCIPercent()
		c.Wide = !ok || pct > wideCI
		if len(r.Samples) == 1 {
			c.CI = "(n=1)" // one value: its spread is unknown, not infinite
		}
		lo, hi := interval(r)
		c.CIRange = "[" + FormatValue(lo, r.Unit) + ", " + FormatValue(hi, r.Unit) + "]"
		if r.CILow == nil {
			c.CIRange += " (the samples' range: too few for a 95% interval)"
		}
		c.N = len(r.Samples)
	}
	return c
}

// markBest marks the better run of a row: the best median in the unit's
// direction, where the U test finds it different from every other
// measured run. Otherwise the verdict says there is no telling them apart.
func markBest(row *htmlRow, ins []Input) {
	var idx []int
	for i, c := range row.Cells {
		if c.State == "measured" && findResult(ins[i].Run, row.Name).Unit == row.Unit {
			idx = append(idx, i)
		}
	}
	if len(idx) < 2 {
		return
	}
	better := func(a, b float64) bool {
		if row.Better == results.Higher {
			return a > b
		}
		return a < b
	}
	best := idx[0]
	for _, i := range idx[1:] {
		if better(findResult(ins[i].Run, row.Name).Median, findResult(ins[best].Run, row.Name).Median) {
			best = i
		}
	}
	b := findResult(ins[best].Run, row.Name)
	worst := 0.0
	for _, i := range idx {
		if i == best {
			continue
		}
		o := findResult(ins[i].Run, row.Name)
		d := compareResults(o, b)
		if !d.Significant {
			row.Verdict = "no significant difference (" + ins[best].Label + " vs " + ins[i].Label + ": p=" + strconv.FormatFloat(d.P, 'f', 3, 64) + ")"
			return
		}
		worst = max(worst, math.Abs(d.Pct))
	}
	row.Cells[best].Best = true
	row.Verdict = ins[best].Label + " is better, by at least " + formatPct(worst)[1:]
	if worst == 0 {
		row.Verdict = ins[best].Label + " is better"
	}
	row.Verdict = strings.TrimSpace(row.Verdict)
}

func findResult(run *results.Run, name string) *results.Result {
	for i := range run.Results {
		if run.Results[i].Name == name {
			return &run.Results[i]
		}
	}
	return nil
}

func envRows(ins []Input) []htmlEnvRow {
	var keys []string
	vals := map[string][]string{}
	for i, in := range ins {
		for _, kv := range in.Run.Host.Summary() {
			if _, ok := vals[kv.Key]; !ok {
				keys = append(keys, kv.Key)
				vals[kv.Key] = make([]string, len(ins))
			}
			vals[kv.Key][i] = kv.Value
		}
	}
	// A reference's environment is quoted, mostly unknown: it is shown,
	// but the differences are those between measured runs.
	first := -1
	for i, in := range ins {
		if !results.IsReference(in.Run) {
			first = i
			break
		}
	}
	var rows []htmlEnvRow
	for _, k := range keys {
		row := htmlEnvRow{Key: k}
		for i, v := range vals[k] {
			c := htmlEnvCell{Value: v, Ref: results.IsReference(ins[i].Run)}
			c.Differ = !c.Ref && first >= 0 && i != first && v != vals[k][first]
			row.Differ = row.Differ || c.Differ
			row.Values = append(row.Values, c)
		}
		rows = append(rows, row)
	}
	return rows
}
