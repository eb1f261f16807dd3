package report

import (
	"cmp"
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

// The gate's exit statuses (docs/ci.md).
const (
	ExitPass        = 0 // everything that had to be judged was, and nothing regressed
	ExitRegression  = 1 // at least one regression
	ExitUsage       = 2 // a usage error or an unreadable input
	ExitCannotJudge = 3 // could not judge: see Check.NotJudged and Check.Sentinel
)

// GateOptions are the settings of the gate.
type GateOptions struct {
	Threshold float64 // fraction of the baseline median: 0.05 is 5 %
	// Metric, where set, gates on that metric of each benchmark (its
	// per-sample values, schema 2) instead of the benchmark's own unit.
	Metric string
	// AllowMissing lists a benchmark that is missing, skipped or failing in
	// the current run instead of making the gate unable to judge.
	AllowMissing bool
}

// Check is the CI gate's verdict on a current run against a baseline.
//
// The rule. A benchmark regresses when both hold:
//
//  1. Mann–Whitney U says the two sample sets differ: p < 0.05; and
//  2. the two 95 % confidence intervals of the medians are apart by more
//     than the threshold, in the worse direction, measured as a fraction
//     of the baseline median: for a time (lower is better),
//     (current CI low − baseline CI high) / baseline median > threshold;
//     for a rate, (baseline CI low − current CI high) / baseline median.
//     Where there are too few samples for a finite interval, the range of
//     the samples stands in for it.
//
// An improvement is the mirror image. Everything else judged is unchanged.
//
// Why the interval edges and not the medians: on a shared or virtual host,
// the median of the same build drifts from run to run by a few per cent,
// and with ten samples a shift that small is often "significant" to the U
// test, because the test asks whether the runs differ, not whether the code
// did. Asking that the intervals clear each other by the threshold charges
// the comparison for the spread each run actually showed: a quiet host with
// tight intervals catches small regressions, a noisy one only large ones,
// and two runs of one build pass.
//
// What is not judged, and why (docs/ci.md): a benchmark whose sample sets
// are too small for the U test ever to reach p < 0.05, that is missing,
// skipped or failing in the current run (unless AllowMissing), or whose unit
// or direction changed, is in NotJudged, and the gate exits 3 rather than
// pass it. A benchmark whose samples split into clusters in either run
// (results.Clusters) has a median that stands for neither cluster: it is in
// Excluded, with its clusters, and never called a regression or an
// improvement; it does not change the exit status, since it says nothing
// either way (cpu=free benchmarks split by design). Where both runs carry
// host sentinels and the sentinel moved beyond the threshold, the host
// changed under the runs: the gate exits 3 whatever the benchmarks did.
type Check struct {
	Options GateOptions
	// Baseline and Current describe where each side's samples came from,
	// one line per run.
	Baseline, Current []string

	Regressions  []Change
	Improvements []Change
	Unchanged    []Change
	NotJudged    []Skip // could not judge: each one makes the gate exit 3
	Excluded     []Skip // samples in clusters: not judged on the median
	Listed       []Skip // nothing to judge: new, skipped in both, a failed baseline, missing with AllowMissing

	// Sentinel is the change of the host sentinel between the runs; nil
	// where either side has none.
	Sentinel *SentinelChange

	// EnvDiffs are differences of the environment that make the comparison
	// suspect (kernel, CPU, mitigations, governor, virtualisation, CPUs,
	// run settings), one sentence each.
	EnvDiffs []string
}

// Change is one benchmark judged.
type Change struct {
	Name          string
	Base, Current *results.Result // the samples judged (a metric's, as a result of its own, with --metric)
	Delta         Delta
	Worse, Better float64 // how far the intervals are apart in the worse / better direction, fraction of the baseline median; ≤ 0 when they overlap
	Regressed     bool
	Improved      bool
}

// Skip is a benchmark that was not judged, and why.
type Skip struct {
	Name, Why string
}

// Failed reports whether the gate found a regression.
func (c *Check) Failed() bool { return len(c.Regressions) > 0 }

// Judged is the number of benchmarks judged.
func (c *Check) Judged() int { return len(c.Regressions) + len(c.Improvements) + len(c.Unchanged) }

// ExitCode is the gate's exit status: 3 where the host moved (the verdict
// would blame the code for the machine), else 1 on any regression, else 3
// where something could not be judged or nothing was judged at all, else 0.
func (c *Check) ExitCode() int {
	switch {
	case c.Sentinel != nil && c.Sentinel.Moved():
		return ExitCannotJudge
	case len(c.Regressions) > 0:
		return ExitRegression
	case len(c.NotJudged) > 0, c.Judged() == 0:
		// Something could not be judged, or nothing was (every benchmark
		// excluded for its clusters): a gate that looked at nothing
		// cannot pass.
		return ExitCannotJudge
	}
	return ExitPass
}

// ErrNothingCompared is returned when the two sides have no benchmark in
// common to judge or to fail to judge: a gate that looked at nothing cannot
// pass.
var ErrNothingCompared = errors.New("no benchmark is in both runs: nothing to compare")

// CheckRuns applies the gate to the current run against the baseline runs
// (several baselines are pooled: see Judge), with the sentinel and
// environment checks of whole runs.
func CheckRuns(base []Input, cur Input, o GateOptions) (*Check, error) {
	var bres []results.Result
	var bsent []results.Sentinel
	for _, in := range base {
		bres = append(bres, in.Run.Results...)
		bsent = append(bsent, in.Run.Sentinel...)
	}
	c, err := Judge(bres, cur.Run.Results, o)
	if err != nil {
		return c, err
	}
	for _, in := range base {
		c.Baseline = append(c.Baseline, describe(in))
	}
	c.Current = []string{describe(cur)}
	if len(base) > 0 {
		c.EnvDiffs = envDiffs(base[len(base)-1].Run, cur.Run)
	}
	c.Sentinel = CompareSentinels(bsent, cur.Run.Sentinel, o.Threshold)
	return c, nil
}

// Judge is the gate's core: it judges the current results against the
// baseline results by the rule of Check. The baseline may hold several
// results of one benchmark (several runs of one build on one machine, as a
// history store keeps them): their samples are pooled, and their summary is
// computed from the pool. Results come in any order; the verdicts follow the
// current run's order, then what only the baseline has.
func Judge(base, cur []results.Result, o GateOptions) (*Check, error) {
	c := &Check{Options: o}
	if o.Metric != "" && results.MetricBetter(o.Metric) == "" {
		return c, fmt.Errorf("metric %q has no direction (neither lower nor higher is better), so no change of it is a regression: compare shows how it moved", o.Metric)
	}
	pooled := map[string]*results.Result{}
	var order []string
	bp := pool(base)
	for i := range bp {
		pooled[bp[i].Name] = &bp[i]
	}
	current := map[string]*results.Result{}
	for i := range cur {
		r := &cur[i]
		if _, dup := current[r.Name]; !dup {
			order = append(order, r.Name)
		}
		current[r.Name] = r
	}
	for _, r := range bp {
		if _, ok := current[r.Name]; !ok {
			order = append(order, r.Name)
		}
	}
	withMetric := 0
	for _, name := range order {
		b, k := pooled[name], current[name]
		if o.Metric != "" {
			var keep bool
			b, k, keep = metricSides(b, k, o.Metric)
			if !keep {
				continue
			}
			withMetric++
		}
		c.judgeOne(name, b, k)
	}
	if o.Metric != "" && withMetric == 0 {
		return c, fmt.Errorf("no benchmark in either run carries the samples of metric %q (schema-2 records keep them; schema 1 kept only medians)", o.Metric)
	}
	if c.Judged()+len(c.NotJudged)+len(c.Excluded) == 0 {
		return c, ErrNothingCompared
	}
	// Worst first.
	slices.SortStableFunc(c.Regressions, func(a, b Change) int { return -cmpFloat(a.Worse, b.Worse) })
	slices.SortStableFunc(c.Improvements, func(a, b Change) int { return -cmpFloat(a.Better, b.Better) })
	return c, nil
}

// metricSides turns each side's result into its metric's result. A
// benchmark that carries the metric on neither side is not in the gate at
// all (keep false); one that carries it only in the baseline is missing from
// the current run, and the other way round new.
func metricSides(b, k *results.Result, metric string) (bm, km *results.Result, keep bool) {
	conv := func(r *results.Result) *results.Result {
		if r == nil {
			return nil
		}
		if r.Skipped != "" || (r.Error != "" && !r.Measured()) {
			return r // skipped or failed: said as such
		}
		m, ok := r.MetricResult(metric)
		if !ok {
			return nil
		}
		return &m
	}
	bm, km = conv(b), conv(k)
	has := func(r *results.Result) bool {
		_, ok := r.MetricStats[metric]
		return ok
	}
	if (b == nil || !has(b)) && (k == nil || !has(k)) {
		return nil, nil, false
	}
	return bm, km, true
}

// pool merges results of one name (from several runs) into one: the
// samples of every measured one, summarised anew; metrics likewise. A name
// with no measured result keeps its first result (skipped or failed).
func pool(rs []results.Result) []results.Result {
	var out []results.Result
	at := map[string]int{}
	for _, r := range rs {
		i, seen := at[r.Name]
		if !seen {
			at[r.Name] = len(out)
			out = append(out, r)
			continue
		}
		p := &out[i]
		if !measuredOK(&r) {
			continue
		}
		if !measuredOK(p) {
			*p = r
			continue
		}
		if p.Unit != r.Unit || p.Better != r.Better {
			// Runs disagree on what the benchmark measures: keep the
			// latest, and let the unit check speak.
			*p = r
			continue
		}
		merged := *p
		merged.Samples = append(slices.Clone(p.Samples), r.Samples...)
		merged.Iterations = nil
		merged.Warnings = nil
		merged.Metrics, merged.MetricStats = nil, nil
		for _, k := range slices.Sorted(maps.Keys(p.MetricStats)) {
			if m, ok := r.MetricStats[k]; ok {
				merged.SetMetric(k, append(slices.Clone(p.MetricStats[k].Samples), m.Samples...))
			}
		}
		merged.Summarize()
		*p = merged
	}
	return out
}

// judgeOne sorts one benchmark into its section.
func (c *Check) judgeOne(name string, b, k *results.Result) {
	list := func(why string) { c.Listed = append(c.Listed, Skip{name, why}) }
	cannot := func(why string) {
		if c.Options.AllowMissing {
			list(why + " (allowed by --allow-missing)")
			return
		}
		c.NotJudged = append(c.NotJudged, Skip{name, why})
	}
	bs, ks := resultState(b), resultState(k)
	switch {
	case bs == "missing":
		list("new in the current run")
		return
	case bs == "skipped" && ks == "skipped":
		list("skipped in both runs: " + k.Skipped)
		return
	case bs == "error" && ks == "error":
		list("failed in both runs: " + k.Error)
		return
	case bs != "measured" && ks == "measured":
		why := "skipped in the baseline: " + b.Skipped
		if bs == "error" {
			why = "failed in the baseline, so there is nothing to judge against: " + b.Error
		}
		list(why)
		return
	case ks == "missing":
		if bs != "measured" {
			list("missing from the current run, and not measured in the baseline")
			return
		}
		cannot("missing from the current run")
		return
	case ks == "skipped":
		if bs != "measured" {
			list("skipped in the current run: " + k.Skipped)
			return
		}
		cannot("skipped in the current run: " + k.Skipped)
		return
	case ks == "error":
		cannot("failed in the current run: " + k.Error)
		return
	}
	// Measured in both.
	switch {
	case b.Unit != k.Unit:
		c.NotJudged = append(c.NotJudged, Skip{name, fmt.Sprintf("the unit changed: %s in the baseline, %s now", b.Unit, k.Unit)})
		return
	case b.Better != k.Better:
		c.NotJudged = append(c.NotJudged, Skip{name, fmt.Sprintf("the direction changed: %s was better in the baseline, %s now", b.Better, k.Better)})
		return
	}
	if bc, kc := clusterNote(b), clusterNote(k); bc != "" || kc != "" {
		if bc == "" {
			bc = "one cluster, median " + FormatValue(b.Median, b.Unit)
		}
		if kc == "" {
			kc = "one cluster, median " + FormatValue(k.Median, k.Unit)
		}
		c.Excluded = append(c.Excluded, Skip{name, fmt.Sprintf("samples in clusters, so the median stands for neither: baseline %s; current %s (%s)", bc, kc, k.Unit)})
		return
	}
	d := compareResults(b, k)
	if p := minP(len(b.Samples), len(k.Samples)); p >= d.Alpha {
		c.NotJudged = append(c.NotJudged, Skip{name, fmt.Sprintf("too few samples (%d and %d): the U test cannot reach p < %v however far they differ (the smallest p is %.2f); the median moved %s",
			len(b.Samples), len(k.Samples), d.Alpha, p, formatPct(d.Pct))})
		return
	}
	if b.Median == 0 {
		c.NotJudged = append(c.NotJudged, Skip{name, "the baseline median is 0: no relative change"})
		return
	}
	ch := Change{Name: name, Base: b, Current: k, Delta: d}
	blo, bhi := interval(b)
	clo, chi := interval(k)
	up := (clo - bhi) / b.Median   // current above baseline
	down := (blo - chi) / b.Median // current below baseline
	ch.Worse, ch.Better = up, down
	if b.Better == results.Higher {
		ch.Worse, ch.Better = down, up
	}
	sig := d.P < d.Alpha
	ch.Regressed = sig && ch.Worse > c.Options.Threshold
	ch.Improved = sig && ch.Better > c.Options.Threshold
	switch {
	case ch.Regressed:
		c.Regressions = append(c.Regressions, ch)
	case ch.Improved:
		c.Improvements = append(c.Improvements, ch)
	default:
		c.Unchanged = append(c.Unchanged, ch)
	}
}

// clusterNote describes r's clusters ("6 near 1.55 µs, 4 near 21.2 µs"),
// "" where its samples do not split.
func clusterNote(r *results.Result) string {
	lo, hi, ok := results.Clusters(r.Samples)
	if !ok {
		return ""
	}
	m := func(s []float64) string { return FormatValue(results.Summarize(s).Median, r.Unit) }
	return fmt.Sprintf("%d near %s and %d near %s", len(lo), m(lo), len(hi), m(hi))
}

// minP is the smallest two-sided p-value the Mann–Whitney U test can give
// for sample sets of n1 and n2 values: 2 / C(n1+n2, n1), where every value
// of one set lies beyond every value of the other.
func minP(n1, n2 int) float64 {
	if n1 == 0 || n2 == 0 {
		return 1
	}
	// C(n1+n2, n1) as a float: exact enough for the sizes zbench records.
	c := 1.0
	for i := 1; i <= n1; i++ {
		c = c * float64(n2+i) / float64(i)
	}
	return math.Min(1, 2/c)
}

// SentinelChange is the host sentinel of two runs compared: the pure-CPU
// loop and the null system call, per round.
type SentinelChange struct {
	Threshold    float64
	CPU, Syscall SentinelDelta
}

// SentinelDelta is one sentinel figure across two runs.
type SentinelDelta struct {
	What        string
	Base, Cur   results.Summary
	NBase, NCur int
	Pct         float64 // change of the median, in per cent
	Slower      float64 // how far the current interval lies above the baseline's, fraction of the baseline median; ≤ 0 when not
	Faster      float64 // the mirror image
	MovedBeyond bool    // Slower or Faster beyond the threshold
}

// Moved reports whether the host itself changed between the runs by more
// than the threshold: the sentinel's intervals (the range of its values,
// with fewer than 6 rounds) are apart by more than the threshold in either
// direction. A host that got slower makes the code look slower; one that
// got faster hides a regression.
func (s *SentinelChange) Moved() bool { return s.CPU.MovedBeyond || s.Syscall.MovedBeyond }

// CompareSentinels compares the host sentinels of two sides; nil where
// either has none.
func CompareSentinels(base, cur []results.Sentinel, threshold float64) *SentinelChange {
	if len(base) == 0 || len(cur) == 0 {
		return nil
	}
	get := func(ss []results.Sentinel, f func(results.Sentinel) float64) []float64 {
		var v []float64
		for _, s := range ss {
			if x := f(s); x > 0 {
				v = append(v, x)
			}
		}
		return v
	}
	one := func(what string, f func(results.Sentinel) float64) SentinelDelta {
		b, k := get(base, f), get(cur, f)
		d := SentinelDelta{What: what, NBase: len(b), NCur: len(k)}
		if len(b) == 0 || len(k) == 0 {
			return d
		}
		d.Base, d.Cur = results.Summarize(b), results.Summarize(k)
		br := &results.Result{Samples: b}
		kr := &results.Result{Samples: k}
		blo, bhi := interval(br)
		klo, khi := interval(kr)
		d.Pct = 100 * (d.Cur.Median - d.Base.Median) / d.Base.Median
		d.Slower = (klo - bhi) / d.Base.Median
		d.Faster = (blo - khi) / d.Base.Median
		d.MovedBeyond = d.Slower > threshold || d.Faster > threshold
		return d
	}
	return &SentinelChange{
		Threshold: threshold,
		CPU:       one("CPU loop", func(s results.Sentinel) float64 { return s.CPUNs }),
		Syscall:   one("null system call", func(s results.Sentinel) float64 { return s.SyscallNs }),
	}
}

// String says how the host moved, in one line.
func (s *SentinelChange) String() string {
	var parts []string
	for _, d := range []SentinelDelta{s.CPU, s.Syscall} {
		if d.NBase == 0 || d.NCur == 0 {
			continue
		}
		p := fmt.Sprintf("%s %s → %s ns/iter (%s, %d and %d rounds)", d.What, FormatValue(d.Base.Median, "ns"),
			FormatValue(d.Cur.Median, "ns"), formatPct(d.Pct), d.NBase, d.NCur)
		switch {
		case d.Slower > s.Threshold:
			p += fmt.Sprintf(": the host got slower, intervals %s apart", formatPct(100*d.Slower))
		case d.Faster > s.Threshold:
			p += fmt.Sprintf(": the host got faster, intervals %s apart", formatPct(100*d.Faster))
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "no sentinel values"
	}
	return strings.Join(parts, "; ")
}

// ParseThreshold reads a threshold written as a percentage: "5%", "2.5%",
// "0%". A bare number is refused, since "0.05" is read as five per cent by
// some and as five hundredths of a per cent by others.
func ParseThreshold(s string) (float64, error) {
	t := strings.TrimSpace(s)
	num, ok := strings.CutSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	switch {
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("threshold %q: want a percentage such as 5%%", s)
	case !ok:
		alt := strconv.FormatFloat(v*100, 'f', -1, 64)
		return 0, fmt.Errorf("threshold %q is ambiguous: write %s%% for %s per cent, or %s%% for the fraction %s", s, num, num, alt, num)
	case v < 0 || v >= 1000:
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
			d = append(d, fmt.Sprintf("%s: %s → %s", what, cmp.Or(x, "(none)"), cmp.Or(y, "(none)")))
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

// Markdown writes the verdict for a pull-request comment: the verdict in
// the heading, what was judged and what not in one line, the rule, the
// host sentinel and environment warnings, then regressions, improvements,
// what could not be judged and why, what was excluded for its clusters,
// the unchanged (folded), and what there was nothing to judge in.
func (c *Check) Markdown(w io.Writer) error {
	pct := strconv.FormatFloat(100*c.Options.Threshold, 'f', -1, 64) + "%"
	judged := plural(c.Judged(), "benchmark") + " judged"
	if c.Options.Metric != "" {
		judged += " on metric `" + c.Options.Metric + "`"
	}
	switch code := c.ExitCode(); {
	case code == ExitCannotJudge && c.Sentinel != nil && c.Sentinel.Moved():
		fmt.Fprintf(w, "## zbench check: ⚠️ could not judge: the host itself changed between the runs by more than %s\n\n", pct)
	case code == ExitRegression:
		fmt.Fprintf(w, "## zbench check: ❌ %s beyond %s (%s)\n\n", plural(len(c.Regressions), "regression"), pct, judged)
	case code == ExitCannotJudge && len(c.NotJudged) == 0:
		fmt.Fprintf(w, "## zbench check: ⚠️ could not judge: no benchmark was judged\n\n")
	case code == ExitCannotJudge:
		fmt.Fprintf(w, "## zbench check: ⚠️ could not judge %s (no regression beyond %s among %s)\n\n",
			plural(len(c.NotJudged), "benchmark"), pct, judged)
	default:
		fmt.Fprintf(w, "## zbench check: ✅ no regression beyond %s (%s)\n\n", pct, judged)
	}
	verbs := [2]string{"regressed", "improved"}
	if c.Sentinel != nil && c.Sentinel.Moved() {
		verbs = [2]string{"slower", "faster"}
	}
	fmt.Fprintf(w, "Judged: %d (%d %s, %d %s, %d unchanged). Not judged: %d could not be judged, %d excluded for clustered samples, %d with nothing to judge.\n\n",
		c.Judged(), len(c.Regressions), verbs[0], len(c.Improvements), verbs[1], len(c.Unchanged), len(c.NotJudged), len(c.Excluded), len(c.Listed))
	for _, b := range c.Baseline {
		fmt.Fprintf(w, "- baseline: %s\n", mdEscape(b))
	}
	for _, k := range c.Current {
		fmt.Fprintf(w, "- current: %s\n", mdEscape(k))
	}
	if c.Sentinel != nil {
		fmt.Fprintf(w, "- host sentinel: %s\n", mdEscape(c.Sentinel.String()))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "A benchmark regresses when its 95%% confidence interval lies beyond the baseline's by more than %s of the "+
		"baseline median, in the worse direction, and the Mann–Whitney U test gives p < 0.05. "+
		"\"Δ beyond CIs\" is that gap; \"overlap\" means the intervals overlap.\n\n", pct)
	if c.Sentinel != nil && c.Sentinel.Moved() {
		fmt.Fprintf(w, "> [!CAUTION]\n> The host sentinel (a fixed CPU loop and the null system call, timed every round) moved by more than %s "+
			"between the runs: the machine changed, not only the code, so no benchmark's change is blamed on the code. "+
			"Run both sides again, on a quieter or dedicated machine.\n\n", pct)
	}
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
	list := func(title, intro string, ss []Skip, foldOver int) {
		n := len(ss)
		if n == 0 {
			return
		}
		fold := n > foldOver // a long list would bury the verdict in a PR comment
		if fold {
			fmt.Fprintf(w, "<details><summary>%s (%d)</summary>\n\n", title, n)
		} else {
			fmt.Fprintf(w, "### %s (%d)\n\n", title, n)
		}
		if intro != "" {
			fmt.Fprintf(w, "%s\n\n", intro)
		}
		for _, s := range ss {
			fmt.Fprintf(w, "- `%s`: %s\n", s.Name, mdEscape(s.Why))
		}
		if fold {
			fmt.Fprintf(w, "\n</details>\n")
		}
		fmt.Fprintln(w)
	}
	if c.Sentinel != nil && c.Sentinel.Moved() {
		section("Slower, not blamed on the code: the host moved", c.Regressions, false)
		section("Faster, not credited to the code: the host moved", c.Improvements, false)
	} else {
		section("Regressions", c.Regressions, false)
		section("Improvements", c.Improvements, false)
	}
	list("Could not judge", "Each of these makes the gate exit 3: it passes nothing it could not judge.", c.NotJudged, 30)
	list("Excluded: samples in clusters", "Not judged on the median, which stands for neither cluster; never called a regression.", c.Excluded, 10)
	section("Unchanged", c.Unchanged, true)
	list("Nothing to judge", "", c.Listed, 10)
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

// p is the p-value.
func (x Change) p() string {
	return strconv.FormatFloat(x.Delta.P, 'f', 3, 64)
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return strconv.Itoa(n) + " " + s + "s"
}
