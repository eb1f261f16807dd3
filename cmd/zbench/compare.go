package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"zbench/report"
	"zbench/results"
)

func cmdCompare(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("compare", "compare [--format text|markdown|csv] [--ref NAME]... RUN...", stderr)
	format := fs.String("format", "text", "output format: text, markdown or csv")
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
	if !slices.Contains([]string{"text", "markdown", "csv"}, *format) {
		fmt.Fprintf(stderr, "zbench compare: --format %q: want text, markdown or csv\n", *format)
		return exitUsage
	}
	if len(pos) == 0 && len(refs) == 0 {
		fmt.Fprintln(stderr, "zbench compare: no run records given (files, or directories of *.json)")
		fs.Usage()
		return exitUsage
	}
	ins, err := report.Load(pos)
	if err != nil {
		fmt.Fprintf(stderr, "zbench compare: %v\n", err)
		return exitUsage
	}
	for _, name := range refs {
		in, err := report.LoadReference(name)
		if err != nil {
			fmt.Fprintf(stderr, "zbench compare: %v\n", err)
			return exitUsage
		}
		ins = append(ins, in)
	}
	c := report.Compare(ins)
	switch *format {
	case "markdown":
		err = c.Markdown(stdout)
	case "csv":
		err = c.CSV(stdout)
	default:
		err = c.Text(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zbench compare: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// listReferences prints the embedded reference runs: what each is and which
// benchmarks it has a figure for.
func listReferences(stdout, stderr io.Writer) int {
	for _, name := range results.References() {
		run, err := results.Reference(name)
		if err != nil {
			fmt.Fprintf(stderr, "zbench compare: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(stdout, "%s\n    %s, %d; quoted figures, not zbench measurements\n", name, run.Host.CPUModel, run.Started.Year())
		for _, r := range run.Results {
			fmt.Fprintf(stdout, "    %s = %s %s\n", r.Name, report.FormatValue(r.Median, r.Unit), r.Unit)
			for _, line := range wrap(r.Doc, 92) {
				fmt.Fprintf(stdout, "        %s\n", line)
			}
		}
	}
	return exitOK
}

// wrap breaks text into lines of at most width runes where it can.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
