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
	"path/filepath"
	"sort"
	"strings"

	"zbench/history"
	"zbench/results"
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
	if len(args) == 0 {
		fmt.Fprint(stderr, historyUsage)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	switch cmd, rest := args[0], args[1:]; cmd {
	case "add":
		return historyAdd(ctx, rest, stdout, stderr)
	case "list":
		return historyList(ctx, rest, stdout, stderr)
	case "changes":
		return historyChanges(ctx, rest, stdout, stderr)
	case "plot":
		return historyPlot(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, historyUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "zbench history: unknown command %q\n\n%s", cmd, historyUsage)
		return exitUsage
	}
}

func storeFlag(fs *flag.FlagSet) *string {
	return fs.String("store", history.DefaultPath, "the history store: an SQLite file, or a postgres:// URL")
}

// detectorFlags are the change-point detector's settings.
func detectorFlags(fs *flag.FlagSet) *history.Detector {
	d := &history.Detector{}
	fs.Float64Var(&d.P, "p", 0.01, "largest p-value of a change point")
	fs.IntVar(&d.Permutations, "permutations", 199, "shuffles of the permutation test")
	fs.IntVar(&d.MinSegment, "min-runs", 3, "fewest runs on each side of a change point")
	return d
}

func checkDetector(d *history.Detector, stderr io.Writer, cmd string) bool {
	switch {
	case d.P <= 0 || d.P >= 1:
		fmt.Fprintf(stderr, "zbench history %s: --p %g: want a p-value between 0 and 1\n", cmd, d.P)
	case d.Permutations < 1:
		fmt.Fprintf(stderr, "zbench history %s: --permutations %d: want at least 1\n", cmd, d.Permutations)
	case d.MinSegment < 2:
		fmt.Fprintf(stderr, "zbench history %s: --min-runs %d: want at least 2\n", cmd, d.MinSegment)
	case float64(d.Permutations+1)*d.P < 1:
		fmt.Fprintf(stderr, "zbench history %s: --permutations %d can never give p <= %g: want at least %d\n",
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
	paths, err := recordPaths(pos)
	if err != nil {
		fmt.Fprintf(stderr, "zbench history add: %v\n", err)
		return exitUsage
	}
	// Read every record first: a bad one stops the import before anything
	// is stored.
	runs := make([]*results.Run, len(paths))
	for i, p := range paths {
		if runs[i], err = results.Read(p); err != nil {
			fmt.Fprintf(stderr, "zbench history add: %v\n", err)
			return exitUsage
		}
	}
	s, err := history.Open(ctx, *store)
	if err != nil {
		fmt.Fprintf(stderr, "zbench history add: %v\n", err)
		return exitUsage
	}
	defer s.Close()
	added, had := 0, 0
	for i, run := range runs {
		isNew, err := s.Import(ctx, run)
		if err != nil {
			fmt.Fprintf(stderr, "zbench history add: %s: %v\n", paths[i], err)
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

// recordPaths expands directories to the *.json files in them, sorted.
func recordPaths(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.json"))
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s: no *.json run records", a)
		}
		sort.Strings(m)
		out = append(out, m...)
	}
	return out, nil
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
		commit := r.Commit
		if commit == "" {
			commit = "-"
		} else if len(commit) > 12 {
			commit = commit[:12]
		}
		fmt.Fprintf(stdout, "%-32s  %-14s  %-12s  %-13s  %3d measured", r.Started, r.Hostname, r.Machine.ID, commit, r.Measured)
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
	fs := newFlagSet("history changes", "history changes [--store PATH|URL] [--json|--markdown] [--metrics] [--last N] [BENCHMARK...]", stderr)
	store := storeFlag(fs)
	asJSON := fs.Bool("json", false, "a JSON list of change points")
	asMD := fs.Bool("markdown", false, "a Markdown table (for a pull-request comment)")
	metrics := fs.Bool("metrics", false, "every metric's series too, not only each benchmark's own unit")
	last := fs.Int("last", 0, "only change points whose first run after is among the newest N runs of its series (0: all)")
	d := detectorFlags(fs)
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if !checkDetector(d, stderr, "changes") {
		return exitUsage
	}
	if *asJSON && *asMD {
		fmt.Fprintln(stderr, "zbench history changes: --json and --markdown exclude each other")
		return exitUsage
	}
	s, err := openToRead(ctx, *store)
	if err != nil {
		fmt.Fprintf(stderr, "zbench history changes: %v\n", err)
		return exitUsage
	}
	defer s.Close()
	f := history.Filter{Benchmarks: pos, MediansOnly: true}
	if *metrics {
		f.Metric = "*"
	}
	series, err := s.Series(ctx, f)
	if err != nil {
		fmt.Fprintf(stderr, "zbench history changes: %v\n", err)
		return exitFailed
	}
	changes := history.Changes(series, *d)
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
		writeChangesMarkdown(stdout, changes, len(series), *d)
	default:
		writeChangesText(stdout, changes, len(series), s.String(), *d)
	}
	return exitOK
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
	fs := newFlagSet("history plot", "history plot [--store PATH|URL] [--out DIR] [--metrics] BENCHMARK...", stderr)
	store := storeFlag(fs)
	out := fs.String("out", "zbench-plots", "directory the PNG charts are written to")
	metrics := fs.Bool("metrics", false, "the benchmarks' metrics too")
	d := detectorFlags(fs)
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if !checkDetector(d, stderr, "plot") {
		return exitUsage
	}
	if len(pos) == 0 {
		fmt.Fprintln(stderr, "zbench history plot: name a benchmark (or a prefix ending in /)")
		fs.Usage()
		return exitUsage
	}
	s, err := openToRead(ctx, *store)
	if err != nil {
		fmt.Fprintf(stderr, "zbench history plot: %v\n", err)
		return exitUsage
	}
	defer s.Close()
	f := history.Filter{Benchmarks: pos, MediansOnly: true}
	if *metrics {
		f.Metric = "*"
	}
	series, err := s.Series(ctx, f)
	if err != nil {
		fmt.Fprintf(stderr, "zbench history plot: %v\n", err)
		return exitFailed
	}
	if len(series) == 0 {
		fmt.Fprintf(stderr, "zbench history plot: no stored series of %s\n", strings.Join(pos, ", "))
		return exitFailed
	}
	files, err := history.PlotSeries(series, *d, *out)
	for _, f := range files {
		fmt.Fprintln(stdout, f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zbench history plot: %v\n", err)
		return exitFailed
	}
	return exitOK
}
