package main

import (
	"fmt"
	"io"

	"zbench/report"
)

func cmdReport(args []string, stdout, stderr io.Writer) int {
	rc := newRunsCommand("report", "report [--out FILE] [--ref NAME]... RUN...", "as a column", stderr)
	out := rc.fs.String("out", "zbench-report.html", "the HTML file to write (one self-contained page)")
	ins, code, ok := rc.inputs(args, stdout, stderr)
	if !ok {
		return code
	}
	if err := report.WriteHTML(*out, ins); err != nil {
		fmt.Fprintf(stderr, "zbench report: %v\n", err)
		return exitFailed
	}
	fmt.Fprintln(stdout, *out)
	return exitOK
}
