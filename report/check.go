package report

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/tw"

	"zbench/results"
)

// DefaultThreshold is the default of `zbench check --threshold`: 5 %.
const DefaultThreshold = 0.05

// Check is the CI gate's verdict on a current run against a baseline run.
//
// The rule. A benchmark regresses when both hold:
//
//  1. Mann–Whitney U says the two sample sets differ: p < 0.05, with no
//     benchmath warning (too few samples can never be significant); and
//  2. the two 95 % confidence intervals of the medians are apart by more
//     than the threshold, in the worse direction, measured as a fraction
//     of the baseline median: for a time (lower is better),
//     (current CI low − baseline CI high) / baseline median > threshold;
//     for a rate, (baseline CI low − current CI high) / baseline median.
//     Where there are too few samples for a finite interval, the range of
//     the samples stands in for it.
//
// An improvement is the mirror image. Everything else measured in both runs
// is unchanged.
//
// Why the interval edges and not the medians: on a shared or virtual host,
// the median of the same build drifts from run to run by a few per cent
// (up to about 5 % on the 2-vCPU VM zbench was built on), and with ten
// samples a shift that small is often "significant" to the U test, because
// the test asks whether the runs differ, not whether the code did. Asking
// that the intervals clear each other by the threshold charges the
// comparison for the spread each run actually showed: a quiet host with
// tight intervals catches small regressions, a noisy one only large ones,
// and two runs of one build pass.
type Check struct {
	Base, Current Input
	Threshold     float64 // fraction: 0.05 is 5 %

	Regressions  []Change
	Improvements []Change
	Unchanged    []Change
	NotCompared  []Skip

	// EnvDiffs are differences of the environment that make the comparison
	// suspect (kernel, CPU, mitigations, governor, virtualisation, CPUs,
	// run settings), one sentence each.
	EnvDiffs []string
}

// Change is one benchmark measured in both runs.
type Change struct {
	Name          string
	Base, Current *results.Result
	Delta         Delta
	Worse, Better float64 // how far the intervals are apart in the worse / better direction, fraction of the baseline median; ≤ 0 when they overlap
	Regressed     bool
	Improved      bool
}

// Skip is a benchmark that could not be compared, and why.
type Skip struct {
	Name, Why string
}

// Failed reports whether the gate fails: any regression.
func (c *Check) Failed() bool { return len(c.Regressions) > 0 }

// ErrNothingCompared is returned when the two runs have no benchmark
// measured in both: a gate that compared nothing cannot pass.
var ErrNothingCompared = errors.New("no benchmark is measured in both runs: nothing to compare")

// CheckRuns applies the rule (see Check) to cur against base.
func CheckRuns(base, cur Input, threshold float64) (*Check, error) {
	c := &Check{Base: base, Current: cur, Threshold: threshold, EnvDiffs: envDiffs(base.Run, cur.Run)}
	cmp := Compare([]Input{base, cur})
	for _, row := range cmp.Rows {
		b, k := row.Cells[0], row.Cells[1]
		why := ""
		switch {
		case b.State() == "missing":
			why = "only in the current run"
		case k.State() == "missing":
			why = "missing from the current run"
		case b.State() == "skipped" && k.State() == "skipped":
			why = "skipped in both: " + k.Result.Skipped
		case k.State() == "skipped":
			why = "skipped in the current run: " + k.Result.Skipped
		case b.State() == "skipped":
			why = "skipped in the baseline: " + b.Result.Skipped
		case k.State() == "error":
			why = "error in the current run: " + k.Result.Error
		case b.State() == "error":
			why = "error in the baseline: " + b.Result.Error
		case k.Why != "":
			why = k.Why
		case b.Result.Median == 0:
			why = "the baseline median is 0: no relative change"
		}
		if why != "" {
			c.NotCompared = append(c.NotCompared, Skip{row.Name, why})
			continue
		}
		ch := Change{Name: row.Name, Base: b.Result, Current: k.Result, Delta: *k.Delta}
		blo, bhi := interval(b.Result)
		clo, chi := interval(k.Result)
		up := (clo - bhi) / b.Result.Median   // current above baseline
		down := (blo - chi) / b.Result.Median // current below baseline
		ch.Worse, ch.Better = up, down
		if b.Result.Better == results.Higher {
			ch.Worse, ch.Better = down, up
		}
		sig := ch.Delta.Significant
		ch.Regressed = sig && ch.Worse > threshold
		ch.Improved = sig && ch.Better > threshold
		switch {
		case ch.Regressed:
			c.Regressions = append(c.Regressions, ch)
		case ch.Improved:
			c.Improvements = append(c.Improvements, ch)
		default:
			c.Unchanged = append(c.Unchanged, ch)
		}
	}
	if len(c.Regressions)+len(c.Improvements)+len(c.Unchanged) == 0 {
		return c, ErrNothingCompared
	}
	// Worst first.
	slices.SortStableFunc(c.Regressions, func(a, b Change) int { return -cmpFloat(a.Worse, b.Worse) })
	slices.SortStableFunc(c.Improvements, func(a, b Change) int { return -cmpFloat(a.Better, b.Better) })
	return c, nil
}

// ParseThreshold reads a threshold in per cent: "5%", "5", "2.5%".
func ParseThreshold(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("threshold %q: want a percentage such as 5%%", s)
	}
	if v < 0 || v >= 1000 {
		return 0, fmt.Errorf("threshold %q: want 0%% to 1000%%", s)
	}
	return v / 100, nil
}

// envDiffs lists what differs between the environments of two runs in a way
// that invalidates a comparison of their numbers.
func envDiffs(a, b *results.Run) []string {
	var d []string
	diff := func(what, x, y string) {
		if x != y {
			d = append(d, fmt.Sprintf("%s: %s → %s", what, orNone(x), orNone(y)))
		}
	}
	ha, hb := a.Host, b.Host
	diff("kernel", ha.Kernel, hb.Kernel)
	diff("CPU model", ha.CPUModel, hb.CPUModel)
	diff("online CPUs", strconv.Itoa(ha.CPUsOnline), strconv.Itoa(hb.CPUsOnline))
	diff("frequency governor", ha.Governor, hb.Governor)
	diff("virtualization", ha.Virtualization, hb.Virtualization)
	diff("SMT", ha.SMT, hb.SMT)
	diff("clocksource", ha.Clocksource, hb.Clocksource)
	diff("mitigations= on the kernel command line", ha.MitigationsCmdline, hb.MitigationsCmdline)
	keys := slices.Sorted(maps.Keys(ha.Mitigations))
	for k := range hb.Mitigations {
		if _, ok := ha.Mitigations[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		diff("mitigation "+k, ha.Mitigations[k], hb.Mitigations[k])
	}
	sa, sb := a.Settings, b.Settings
	diff("samples per benchmark (--count)", strconv.Itoa(sa.Count), strconv.Itoa(sb.Count))
	diff("sample length (--time)", fmtDuration(sa.SampleTargetNs), fmtDuration(sb.SampleTargetNs))
	diff("samples per worker", strconv.Itoa(sa.SamplesPerWorker), strconv.Itoa(sb.SamplesPerWorker))
	diff("transport", sa.Transport, sb.Transport)
	if a.Interrupted != b.Interrupted {
		d = append(d, "one of the runs was interrupted")
	}
	return d
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Markdown writes the verdict for a pull-request comment: the result in
// the heading, the rule, environment warnings, then regressions,
// improvements, the unchanged (folded), and what could not be compared.
func (c *Check) Markdown(w io.Writer) error {
	pct := strconv.FormatFloat(100*c.Threshold, 'f', -1, 64) + "%"
	switch n := len(c.Regressions); {
	case n > 0:
		fmt.Fprintf(w, "## zbench check: ❌ %s beyond %s\n\n", plural(n, "regression"), pct)
	default:
		fmt.Fprintf(w, "## zbench check: ✅ no regression beyond %s\n\n", pct)
	}
	fmt.Fprintf(w, "- baseline: %s\n- current: %s\n\n", mdEscape(describe(c.Base)), mdEscape(describe(c.Current)))
	fmt.Fprintf(w, "A benchmark regresses when its 95%% confidence interval lies beyond the baseline's by more than %s of the "+
		"baseline median, in the worse direction, and the Mann–Whitney U test gives p < 0.05. "+
		"\"Δ beyond CIs\" is that gap; \"overlap\" means the intervals overlap.\n\n", pct)
	if len(c.EnvDiffs) > 0 {
		fmt.Fprintf(w, "> [!WARNING]\n> The two runs' environments differ, so a difference may come from the machine rather than the change:\n")
		const most = 8
		for i, d := range c.EnvDiffs {
			if i == most && len(c.EnvDiffs) > most+1 {
				fmt.Fprintf(w, "> - and %d more (see the two records' \"host\" and \"settings\")\n", len(c.EnvDiffs)-most)
				break
			}
			fmt.Fprintf(w, "> - %s\n", mdEscape(d))
		}
		fmt.Fprintln(w)
	}
	section := func(title string, ch []Change, fold bool) {
		if len(ch) == 0 {
			return
		}
		if fold {
			fmt.Fprintf(w, "<details><summary>%s (%d)</summary>\n\n", title, len(ch))
		} else {
			fmt.Fprintf(w, "### %s (%d)\n\n", title, len(ch))
		}
		header := []string{"benchmark", "unit", "baseline", "current", "Δ median", "Δ beyond CIs", "p"}
		align := []tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight}
		var rows [][]string
		for _, x := range ch {
			rows = append(rows, []string{"`" + x.Name + "`", x.Base.Unit, formatCell(x.Base), formatCell(x.Current),
				formatPct(x.Delta.Pct), x.gap(), x.p()})
		}
		writeMarkdownTable(w, header, align, rows)
		if fold {
			fmt.Fprintf(w, "\n</details>\n\n")
		} else {
			fmt.Fprintln(w)
		}
	}
	section("Regressions", c.Regressions, false)
	section("Improvements", c.Improvements, false)
	section("Unchanged", c.Unchanged, true)
	if n := len(c.NotCompared); n > 0 {
		fold := n > 10 // a long list would bury the verdict in a PR comment
		if fold {
			fmt.Fprintf(w, "<details><summary>Not compared (%d)</summary>\n\n", n)
		} else {
			fmt.Fprintf(w, "### Not compared (%d)\n\n", n)
		}
		for _, s := range c.NotCompared {
			fmt.Fprintf(w, "- `%s`: %s\n", s.Name, mdEscape(s.Why))
		}
		if fold {
			fmt.Fprintf(w, "\n</details>\n")
		}
		fmt.Fprintln(w)
	}
	return nil
}

// gap is how far apart the two intervals are, signed like the change of the
// value (+ for a larger value), or "overlap".
func (x Change) gap() string {
	var g float64
	switch {
	case x.Worse > 0:
		g = x.Worse
	case x.Better > 0:
		g = x.Better
	default:
		return "overlap"
	}
	if (x.Worse > 0) == (x.Base.Better == results.Higher) {
		g = -g
	}
	return formatPct(100 * g)
}

// p is the p-value, and says so when too few samples made it unable to
// show a difference.
func (x Change) p() string {
	s := strconv.FormatFloat(x.Delta.P, 'f', 3, 64)
	if len(x.Delta.Warnings) > 0 {
		s += " (too few samples)"
	}
	return s
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return strconv.Itoa(n) + " " + s + "s"
}
