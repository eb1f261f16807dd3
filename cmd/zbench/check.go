package main

import (
	"fmt"
	"io"
	"strconv"

	"zbench/report"
)

// cmdCheck is the CI gate. Its exit statuses are report.Exit*: 0 no
// regression, 1 a regression, 2 a usage error or an unreadable input, 3
// could not judge (docs/ci.md).
func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", "check (--baseline BASE [--baseline BASE2...] | --history STORE) [--threshold 5%] [--metric NAME] [--allow-missing] CURRENT", stderr)
	var basePaths []string
	fs.Func("baseline", "a baseline run record, or a directory of them (required; repeatable: the samples of several runs of one build are pooled)",
		func(s string) error { basePaths = append(basePaths, s); return nil })
	threshold := fs.String("threshold", "5%", "fail on a regression whose 95% intervals are apart by more than this percentage of the baseline median (write the % sign: 5%, 0.5%)")
	metric := fs.String("metric", "", "gate on this metric of each benchmark (e.g. p99-ns, sender-cpu-ns/B) instead of its own unit")
	hist := fs.String("history", "", "gate against the latest stable segment of this machine's series in this history store (a SQLite file or a postgres:// URL) instead of --baseline")
	allowMissing := fs.Bool("allow-missing", false, "a benchmark missing, skipped or failing in the current run is listed instead of making the gate exit 3")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	thr, err := report.ParseThreshold(*threshold)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "zbench check: --%v\n", err)
		return report.ExitUsage
	case len(basePaths) > 0 && *hist != "":
		fmt.Fprintln(stderr, "zbench check: --baseline and --history: name one baseline")
		return report.ExitUsage
	case len(basePaths) == 0 && *hist == "":
		fmt.Fprintln(stderr, "zbench check: --baseline or --history is required")
		fs.Usage()
		return report.ExitUsage
	case len(pos) != 1:
		fmt.Fprintf(stderr, "zbench check: want one current run record, got %d\n", len(pos))
		fs.Usage()
		return report.ExitUsage
	}
	cur, err := loadOne(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "zbench check: current: %v\n", err)
		return report.ExitUsage
	}
	var base []report.Input
	if *hist != "" {
		var code int
		if base, code, err = historyBaseline(*hist, cur.Run); err != nil {
			fmt.Fprintf(stderr, "zbench check: --history %s: %v\n", *hist, err)
			return code
		}
	} else if base, err = report.Load(basePaths); err != nil {
		fmt.Fprintf(stderr, "zbench check: baseline: %v\n", err)
		return report.ExitUsage
	}
	all := append(base, cur)
	for i := range all {
		all[i].Label = ""
	}
	report.Label(all)
	base, cur = all[:len(all)-1], all[len(all)-1]
	c, err := report.CheckRuns(base, cur, report.GateOptions{Threshold: thr, Metric: *metric, AllowMissing: *allowMissing})
	if err != nil {
		fmt.Fprintf(stderr, "zbench check: %v\n", err)
		return report.ExitUsage
	}
	if err := c.Markdown(stdout); err != nil {
		fmt.Fprintf(stderr, "zbench check: %v\n", err)
		return report.ExitUsage
	}
	pct := strconv.FormatFloat(100*thr, 'f', -1, 64) + "%"
	code = c.ExitCode()
	switch {
	case code == report.ExitCannotJudge && c.Sentinel != nil && c.Sentinel.Moved():
		fmt.Fprintf(stderr, "zbench check: could not judge: the host itself moved by more than %s (%s)\n", pct, c.Sentinel)
	case code == report.ExitRegression:
		what := "regressions"
		if len(c.Regressions) == 1 {
			what = "regression"
		}
		fmt.Fprintf(stderr, "zbench check: %d %s beyond %s\n", len(c.Regressions), what, pct)
	case code == report.ExitCannotJudge && len(c.NotJudged) == 0:
		fmt.Fprintln(stderr, "zbench check: could not judge: no benchmark was judged")
	case code == report.ExitCannotJudge:
		fmt.Fprintf(stderr, "zbench check: could not judge %d of %d benchmarks (see \"Could not judge\")\n",
			len(c.NotJudged), len(c.NotJudged)+c.Judged())
	}
	return code
}

// loadOne reads exactly one run record (a directory must hold exactly one).
func loadOne(path string) (report.Input, error) {
	ins, err := report.Load([]string{path})
	if err != nil {
		return report.Input{}, err
	}
	if len(ins) != 1 {
		return report.Input{}, fmt.Errorf("%s holds %d run records; name one file", path, len(ins))
	}
	return ins[0], nil
}
