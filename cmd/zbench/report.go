package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"slices"

	"zbench/report"
)

func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("report", "report [--out FILE] [--ref NAME]... RUN...", stderr)
	out := fs.String("out", "zbench-report.html", "the HTML file to write (one self-contained page)")
	var refs []string
	fs.Func("ref", "add the embedded reference run `NAME` as a column (repeatable); --ref list lists them",
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
		fmt.Fprintln(stderr, "zbench report: no run records given (files, or directories of *.json)")
		fs.Usage()
		return exitUsage
	}
	ins, err := report.Load(pos)
	if err != nil {
		fmt.Fprintf(stderr, "zbench report: %v\n", err)
		return exitUsage
	}
	for _, r := range refs {
		in, err := report.LoadReference(r)
		if err != nil {
			fmt.Fprintf(stderr, "zbench report: --ref: %v\n", err)
			return exitUsage
		}
		ins = append(ins, in)
	}
	if err := report.WriteHTML(*out, ins); err != nil {
		fmt.Fprintf(stderr, "zbench report: %v\n", err)
		return exitFailed
	}
	fmt.Fprintln(stdout, *out)
	return exitOK
}
