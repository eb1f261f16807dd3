package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	"zbench/report"
)

func cmdPlot(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("plot", "plot [--out DIR] [--ref NAME]... RUN...", stderr)
	out := fs.String("out", "zbench-plots", "directory the PNG charts are written to")
	var refs []string
	fs.Func("ref", "add the embedded reference run `NAME` to the charts (repeatable); --ref list lists them",
		func(s string) error { refs = append(refs, s); return nil })
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if slices.Contains(refs, "list") {
		return listReferences(stdout, stderr)
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
	for _, r := range refs {
		in, err := report.LoadReference(r)
		if err != nil {
			fmt.Fprintf(stderr, "zbench plot: --ref: %v\n", err)
			return exitUsage
		}
		ins = append(ins, in)
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
