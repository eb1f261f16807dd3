package main

import (
	"fmt"
	"io"

	"zbench/report"
)

func cmdPlot(args []string, stdout, stderr io.Writer) int {
	rc := newRunsCommand("plot", "plot [--out DIR] [--ref NAME]... RUN...", "to the charts", stderr)
	out := rc.fs.String("out", "zbench-plots", "directory the PNG charts are written to")
	ins, code, ok := rc.inputs(args, stdout, stderr)
	if !ok {
		return code
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
