package main

import (
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
	rc := newRunsCommand("compare", "compare [--format text|markdown|csv] [--ref NAME]... RUN...", "as a column", stderr)
	format := rc.fs.String("format", "text", "output format: text, markdown or csv")
	rc.refsAlone = true
	rc.check = func() error {
		if !slices.Contains([]string{"text", "markdown", "csv"}, *format) {
			return fmt.Errorf("--format %q: want text, markdown or csv", *format)
		}
		return nil
	}
	ins, code, ok := rc.inputs(args, stdout, stderr)
	if !ok {
		return code
	}
	c := report.Compare(ins)
	var err error
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

// runsCommand is the shared front of the commands that read run records
// side by side (compare, plot, report): their flag set, the repeatable
// --ref flag for an embedded reference run, --ref list, and loading the
// records and references named.
type runsCommand struct {
	fs        *flag.FlagSet
	refs      []string
	refsAlone bool         // references alone, with no run record, are enough
	check     func() error // when set, checks the command's own flags
}

// newRunsCommand makes the flag set of command name with --ref, whose
// reference runs are added where says.
func newRunsCommand(name, synopsis, where string, stderr io.Writer) *runsCommand {
	rc := &runsCommand{fs: newFlagSet(name, synopsis, stderr)}
	rc.fs.Func("ref", "add the embedded reference run `NAME` "+where+" (repeatable); --ref list lists them",
		func(s string) error { rc.refs = append(rc.refs, s); return nil })
	return rc
}

// inputs parses args and reads the run records they name, then the --ref
// references, in that order. Where ok is false the command ends there with
// code: after --help or a bad flag (as parseArgs), after --ref list (having
// listed the embedded references), after a failed check, or when no record
// is given or one cannot be read.
func (rc *runsCommand) inputs(args []string, stdout, stderr io.Writer) (ins []report.Input, code int, ok bool) {
	pos, code, ok := parseArgs(rc.fs, args)
	name := rc.fs.Name()
	switch {
	case !ok:
		return nil, code, false
	case slices.Contains(rc.refs, "list"):
		return nil, listReferences(name, stdout, stderr), false
	case rc.check != nil:
		if err := rc.check(); err != nil {
			fmt.Fprintf(stderr, "zbench %s: %v\n", name, err)
			return nil, exitUsage, false
		}
	}
	if len(pos) == 0 && (!rc.refsAlone || len(rc.refs) == 0) {
		fmt.Fprintf(stderr, "zbench %s: no run records given (files, or directories of *.json)\n", name)
		rc.fs.Usage()
		return nil, exitUsage, false
	}
	ins, err := report.Load(pos)
	if err != nil {
		fmt.Fprintf(stderr, "zbench %s: %v\n", name, err)
		return nil, exitUsage, false
	}
	for _, r := range rc.refs {
		in, err := report.LoadReference(r)
		if err != nil {
			fmt.Fprintf(stderr, "zbench %s: --ref: %v\n", name, err)
			return nil, exitUsage, false
		}
		ins = append(ins, in)
	}
	return ins, 0, true
}

// listReferences prints the embedded reference runs: what each is and which
// benchmarks it has a figure for.
func listReferences(cmd string, stdout, stderr io.Writer) int {
	for _, name := range results.References() {
		run, err := results.Reference(name)
		if err != nil {
			fmt.Fprintf(stderr, "zbench %s: %v\n", cmd, err)
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
