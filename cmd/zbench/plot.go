package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"zbench/report"
)

func cmdPlot(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("plot", "plot [--out DIR] RUN...", stderr)
	out := fs.String("out", "zbench-plots", "directory the PNG charts are written to")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if len(pos) == 0 {
		fmt.Fprintln(stderr, "zbench plot: no run records given (files, or directories of *.json)")
		fs.Usage()
		return exitUsage
	}
	ins, err := report.Load(pos)
	if err != nil {
		fmt.Fprintf(stderr, "zbench plot: %v\n", err)
		return exitUsage
	}
	p, err := report.Plot(ins, *out)
	if p != nil {
		for _, f := range p.Files {
			fmt.Fprintln(stdout, f)
		}
		for _, s := range p.Skipped {
			fmt.Fprintf(stderr, "zbench plot: skipped %s\n", s.String())
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "zbench plot: %v\n", err)
		return exitFailed
	}
	if len(p.Files) == 0 {
		fmt.Fprintln(stderr, "zbench plot: the runs hold nothing any chart draws")
		return exitFailed
	}
	return exitOK
}
