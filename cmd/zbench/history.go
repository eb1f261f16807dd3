package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"

	"zbench/history"
	"zbench/report"
)

const historyUsage = `usage: zbench history <command> [--store PATH|URL] [arguments]

commands:
  add RUN...        import run records (files, or directories of *.json); a record already stored is skipped
  list              the stored runs, oldest first
  changes           change points per benchmark, metric and machine (E-Divisive means, permutation test)
  plot NAME...      PNG charts of the named benchmarks' series, change points marked, into --out DIR

The store is an SQLite file (default ` + history.DefaultPath + `) or a PostgreSQL
database named by a postgres:// URL.
`

func cmdHistory(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	withCtx := func(f func(context.Context, []string, io.Writer, io.Writer) int) command {
		return func(args []string, stdout, stderr io.Writer) int { return f(ctx, args, stdout, stderr) }
	}
	return dispatch("zbench history", historyUsage, map[string]command{
		"add":     withCtx(historyAdd),
		"list":    withCtx(historyList),
		"changes": withCtx(historyChanges),
		"plot":    withCtx(historyPlot),
	}, args, stdout, stderr)
}

func storeFlag(fs *flag.FlagSet) *string {
	return fs.String("store", history.DefaultPath, "the history store: an SQLite file, or a postgres:// URL")
}

// seriesCommand is the front of the history commands that read series
// and find change points in them (changes, plot): --store, --metrics and
// the change-point detector's settings.
type seriesCommand struct {
	fs      *flag.FlagSet
	store   *string
	metrics *bool
	d       history.Detector
}

func newSeriesCommand(name, synopsis, metricsUsage string, stderr io.Writer) *seriesCommand {
	sc := &seriesCommand{fs: newFlagSet(name, synopsis, stderr)}
	sc.store = storeFlag(sc.fs)
	sc.metrics = sc.fs.Bool("metrics", false, metricsUsage)
	sc.fs.Float64Var(&sc.d.P, "p", 0.01, "largest p-value of a change point")
	sc.fs.IntVar(&sc.d.Permutations, "permutations", 199, "shuffles of the permutation test")
	sc.fs.IntVar(&sc.d.MinSegment, "min-runs", 3, "fewest runs on each side of a change point")
	return sc
}

// parse is parseArgs, and also ends the command with exitUsage where the
// detector's settings cannot work.
func (sc *seriesCommand) parse(args []string, stderr io.Writer) ([]string, int, bool) {
	pos, code, ok := parseArgs(sc.fs, args)
	if ok && !checkDetector(&sc.d, stderr, sc.fs.Name()) {
		return nil, exitUsage, false
	}
	return pos, code, ok
}

func checkDetector(d *history.Detector, stderr io.Writer, cmd string) bool {
	switch {
	case d.P <= 0 || d.P >= 1:
		fmt.Fprintf(stderr, "zbench %s: --p %g: want a p-value between 0 and 1\n", cmd, d.P)
	case d.Permutations < 1:
		fmt.Fprintf(stderr, "zbench %s: --permutations %d: want at least 1\n", cmd, d.Permutations)
	case d.MinSegment < 2:
		fmt.Fprintf(stderr, "zbench %s: --min-runs %d: want at least 2\n", cmd, d.MinSegment)
	case float64(d.Permutations+1)*d.P < 1:
		fmt.Fprintf(stderr, "zbench %s: --permutations %d can never give p <= %g: want at least %d\n",
			cmd, d.Permutations, d.P, int(1/d.P))
	default:
		return true
	}
	return false
}

// openToRead opens a store that must exist already: reading a mistyped path
// would otherwise create an empty store and report that it holds nothing.
func openToRead(ctx context.Context, spec string) (*history.Store, error) {
	if !history.IsURL(spec) {
		if _, err := os.Stat(spec); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no history store at %s (history add, or run --store, makes one)", spec)
		}
	}
	return history.Open(ctx, spec)
}

func historyAdd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("history add", "history add [--store PATH|URL] RUN...", stderr)
	store := storeFlag(fs)
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		fmt.Fprintln(stderr, "zbench history add: no run records given (files, or directories of *.json)")
		fs.Usage()
		return exitUsage
	}
	// Read every record first: a bad one stops the import before anything
	// is stored.
	ins, err := report.Load(pos)
	if err != nil {
		fmt.Fprintf(stderr, "zbench history add: %v\n", err)
		return exitUsage
	}
	s, err := history.Open(ctx, *store)
	if err != nil {
		fmt.Fprintf(stderr, "zbench history add: %v\n", err)
		return exitUsage
	}
	defer s.Close()
	added, had := 0, 0
	for _, in := range ins {
		isNew, err := s.Import(ctx, in.Run)
		if err != nil {
			fmt.Fprintf(stderr, "zbench history add: %s: %v\n", in.Path, err)
			fmt.Fprintf(stdout, "%s: %d added, %d already stored before the error\n", s, added, had)
			return exitFailed
		}
		if isNew {
			added++
		} else {
			had++
		}
	}
	fmt.Fprintf(stdout, "%s: %d added, %d already stored\n", s, added, had)
	return exitOK
}

func historyList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("history list", "history list [--store PATH|URL] [--json]", stderr)
	store := storeFlag(fs)
	asJSON := fs.Bool("json", false, "a JSON list instead of the table")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "zbench history list: unexpected arguments %q\n", pos)
		return exitUsage
	}
	s, err := openToRead(ctx, *store)
	if err != nil {
		fmt.Fprintf(stderr, "zbench history list: %v\n", err)
		return exitUsage
	}
	defer s.Close()
	runs, err := s.Runs(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "zbench history list: %v\n", err)
		return exitFailed
	}
	if *asJSON {
		if runs == nil {
			runs = []history.RunInfo{}
		}
		return writeJSON(stdout, stderr, "list", runs)
	}
	machines := map[string]history.Machine{}
	fmt.Fprintf(stdout, "%d runs in %s\n\n", len(runs), s)
	for _, r := range runs {
		machines[r.Machine.ID] = r.Machine
		fmt.Fprintf(stdout, "%-32s  %-14s  %-12s  %-13s  %3d measured", r.Started, r.Hostname, r.Machine.ID, short(r.Commit), r.Measured)
		if r.Failed > 0 {
			fmt.Fprintf(stdout, ", %d failed", r.Failed)
		}
		if r.Skipped > 0 {
			fmt.Fprintf(stdout, ", %d skipped", r.Skipped)
		}
		fmt.Fprintln(stdout)
	}
	if len(machines) > 0 {
		fmt.Fprintln(stdout, "\nmachines:")
		ids := make([]string, 0, len(machines))
		for id := range machines {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			fmt.Fprintf(stdout, "  %s\n", machines[id])
		}
	}
	return exitOK
}

func writeJSON(stdout, stderr io.Writer, cmd string, v any) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(stderr, "zbench history %s: %v\n", cmd, err)
		return exitFailed
	}
	return exitOK
}

func historyChanges(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	sc := newSeriesCommand("history changes", "history changes [--store PATH|URL] [--json|--markdown] [--metrics] [--last N] [BENCHMARK...]",
		"every metric's series too, not only each benchmark's own unit", stderr)
	asJSON := sc.fs.Bool("json", false, "a JSON list of change points")
	asMD := sc.fs.Bool("markdown", false, "a Markdown table (for a pull-request comment)")
	last := sc.fs.Int("last", 0, "only change points whose first run after is among the newest N runs of its series (0: all)")
	pos, code, ok := sc.parse(args, stderr)
	if !ok {
		return code
	}
	if *asJSON && *asMD {
		fmt.Fprintln(stderr, "zbench history changes: --json and --markdown exclude each other")
		return exitUsage
	}
	s, series, code, ok := sc.read(ctx, pos, stderr)
	if !ok {
		return code
	}
	defer s.Close()
	changes := history.Changes(series, sc.d)
	if *last > 0 {
		kept := changes[:0]
		for _, c := range changes {
			if c.Index >= c.Runs-*last {
				kept = append(kept, c)
			}
		}
		changes = kept
	}
	switch {
	case *asJSON:
		if changes == nil {
			changes = []history.Change{}
		}
		return writeJSON(stdout, stderr, "changes", changes)
	case *asMD:
		writeChangesMarkdown(stdout, changes, len(series), sc.d)
	default:
		writeChangesText(stdout, changes, len(series), s.String(), sc.d)
	}
	return exitOK
}

// read opens the store and reads the median series of the benchmarks
// named (all where none is), with every metric's series too after
// --metrics. Where ok is false it has said why, closed the
// store, and cmd ends with code; otherwise the caller closes the store.
func (sc *seriesCommand) read(ctx context.Context, benchmarks []string, stderr io.Writer) (*history.Store, []history.Series, int, bool) {
	s, err := openToRead(ctx, *sc.store)
	if err != nil {
		fmt.Fprintf(stderr, "zbench %s: %v\n", sc.fs.Name(), err)
		return nil, nil, exitUsage, false
	}
	f := history.Filter{Benchmarks: benchmarks, MediansOnly: true}
	if *sc.metrics {
		f.Metric = "*"
	}
	series, err := s.Series(ctx, f)
	if err != nil {
		s.Close()
		fmt.Fprintf(stderr, "zbench %s: %v\n", sc.fs.Name(), err)
		return nil, nil, exitFailed, false
	}
	return s, series, 0, true
}

func pct(f float64) string { return fmt.Sprintf("%+.1f%%", 100*f) }

func sentinelNote(c history.Change) string {
	var parts []string
	if c.SentinelChange != nil {
		parts = append(parts, "null syscall "+pct(*c.SentinelChange))
	}
	if c.SentinelCPUChange != nil {
		parts = append(parts, "CPU loop "+pct(*c.SentinelCPUChange))
	}
	return strings.Join(parts, ", ")
}

func short(commit string) string {
	if commit == "" {
		return "-"
	}
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func seriesName(c history.Change) string {
	if c.Metric != "" {
		return c.Benchmark + " [" + c.Metric + "]"
	}
	return c.Benchmark
}

func writeChangesText(w io.Writer, changes []history.Change, nseries int, store string, d history.Detector) {
	fmt.Fprintf(w, "%d change points in %d series (%s; E-Divisive means, p <= %g)\n", len(changes), nseries, store, d.P)
	for _, c := range changes {
		fmt.Fprintf(w, "\n%s on %s\n", seriesName(c), c.MachineDesc)
		fmt.Fprintf(w, "  %s %s [%s, %s]  p=%.3g  %.4g → %.4g %s\n", c.Verdict, pct(c.Change), pct(c.ChangeLow),
			pct(c.ChangeHigh), c.P, c.BeforeMedian, c.AfterMedian, c.Unit)
		fmt.Fprintf(w, "  before %s %s (%d runs), after %s %s (%d runs)\n", c.Before, short(c.BeforeCommit),
			c.BeforeRuns, c.After, short(c.AfterCommit), c.AfterRuns)
		if n := sentinelNote(c); n != "" {
			fmt.Fprintf(w, "  host sentinel across the change: %s\n", n)
		}
	}
}

func writeChangesMarkdown(w io.Writer, changes []history.Change, nseries int, d history.Detector) {
	fmt.Fprintf(w, "### zbench history: %d change points in %d series\n\n", len(changes), nseries)
	if len(changes) == 0 {
		fmt.Fprintf(w, "No change point (E-Divisive means, p <= %g).\n", d.P)
		return
	}
	fmt.Fprintln(w, "| benchmark | machine | verdict | change [95% CI] | p | before → after | last run before | first run after | host sentinel |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, c := range changes {
		icon := ""
		switch c.Verdict {
		case "regression":
			icon = "🔴 "
		case "improvement":
			icon = "🟢 "
		}
		sen := sentinelNote(c)
		if sen == "" {
			sen = "-"
		}
		fmt.Fprintf(w, "| `%s` | `%s` | %s%s | %s [%s, %s] | %.3g | %.4g → %.4g %s | %s `%s` | %s `%s` | %s |\n",
			seriesName(c), c.Machine, icon, c.Verdict, pct(c.Change), pct(c.ChangeLow), pct(c.ChangeHigh), c.P,
			c.BeforeMedian, c.AfterMedian, c.Unit, c.Before, short(c.BeforeCommit), c.After, short(c.AfterCommit), sen)
	}
	fmt.Fprintf(w, "\nE-Divisive means with a permutation test, p <= %g, per benchmark and machine.\n", d.P)
}

func historyPlot(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	sc := newSeriesCommand("history plot", "history plot [--store PATH|URL] [--out DIR] [--metrics] BENCHMARK...",
		"the benchmarks' metrics too", stderr)
	out := sc.fs.String("out", "zbench-plots", "directory the PNG charts are written to")
	pos, code, ok := sc.parse(args, stderr)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		fmt.Fprintln(stderr, "zbench history plot: name a benchmark (or a prefix ending in /)")
		sc.fs.Usage()
		return exitUsage
	}
	s, series, code, ok := sc.read(ctx, pos, stderr)
	if !ok {
		return code
	}
	defer s.Close()
	if len(series) == 0 {
		fmt.Fprintf(stderr, "zbench history plot: no stored series of %s\n", strings.Join(pos, ", "))
		return exitFailed
	}
	files, err := history.PlotSeries(series, sc.d, *out)
	for _, f := range files {
		fmt.Fprintln(stdout, f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zbench history plot: %v\n", err)
		return exitFailed
	}
	return exitOK
}
