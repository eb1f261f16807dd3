package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"zbench/report"
)

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", "check --baseline BASE [--threshold 5%] CURRENT", stderr)
	basePath := fs.String("baseline", "", "the baseline run record (required)")
	threshold := fs.String("threshold", "5%", "fail on a regression whose 95% intervals are apart by more than this, in per cent of the baseline median")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	thr, err := report.ParseThreshold(*threshold)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "zbench check: --%v\n", err)
		return exitUsage
	case *basePath == "":
		fmt.Fprintln(stderr, "zbench check: --baseline is required")
		fs.Usage()
		return exitUsage
	case len(pos) != 1:
		fmt.Fprintf(stderr, "zbench check: want one current run record, got %d\n", len(pos))
		fs.Usage()
		return exitUsage
	}
	base, err := loadOne(*basePath)
	if err != nil {
		fmt.Fprintf(stderr, "zbench check: baseline: %v\n", err)
		return exitUsage
	}
	cur, err := loadOne(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "zbench check: current: %v\n", err)
		return exitUsage
	}
	pair := []report.Input{base, cur}
	pair[0].Label, pair[1].Label = "", ""
	report.Label(pair)
	c, err := report.CheckRuns(pair[0], pair[1], thr)
	if err != nil {
		fmt.Fprintf(stderr, "zbench check: %v\n", err)
		return exitUsage
	}
	if err := c.Markdown(stdout); err != nil {
		fmt.Fprintf(stderr, "zbench check: %v\n", err)
		return exitFailed
	}
	if c.Failed() {
		what := "regressions"
		if len(c.Regressions) == 1 {
			what = "regression"
		}
		fmt.Fprintf(stderr, "zbench check: %d %s beyond %s%%\n", len(c.Regressions), what,
			strconv.FormatFloat(100*thr, 'f', -1, 64))
		return exitFailed
	}
	return exitOK
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
