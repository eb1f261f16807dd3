package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"zbench/bench"
	"zbench/internal/host"
	"zbench/name"
)

func cmdList(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("list", "list [--long] [PATTERN...]", stderr)
	long := fs.Bool("long", false, "also say, under each name, what one op is")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		pos = []string{"all"}
	}
	specs, err := bench.Select(registry(), pos)
	if err != nil {
		fmt.Fprintf(stderr, "zbench list: %v\n", err)
		return exitUsage
	}
	writeList(stdout, specs, *long)
	return exitOK
}

// writeList prints specs grouped by family, in registry order, the legend
// first. A benchmark that would be skipped here carries a numbered note,
// written under its family; one reason shared by many is written once.
func writeList(w io.Writer, specs []bench.Spec, long bool) {
	fmt.Fprintln(w, "* in the default suite (`zbench run` with no pattern); [n] skipped here, for the numbered reason below it")
	if !long {
		fmt.Fprintln(w, "`zbench list --long` says what one op is for each benchmark")
	}
	var order []string
	byFamily := map[string][]bench.Spec{}
	for _, s := range specs {
		f := name.Parse(s.Name).Family()
		if _, ok := byFamily[f]; !ok {
			order = append(order, f)
		}
		byFamily[f] = append(byFamily[f], s)
	}
	var reasons []string
	for _, f := range order {
		ss := byFamily[f]
		fmt.Fprintf(w, "\n%s (%d): %s\n", f, len(ss), name.FamilyWhat(f))
		first := len(reasons)
		for _, s := range ss {
			mark := " "
			if s.Default {
				mark = "*"
			}
			note := ""
			if err := s.Probe(); err != nil {
				r := bench.SkipReason(err)
				i := slices.Index(reasons, r)
				if i < 0 {
					i = len(reasons)
					reasons = append(reasons, r)
				}
				note = fmt.Sprintf("  [%d]", i+1)
			}
			fmt.Fprintf(w, "%s %s%s\n", mark, s.Name, note)
			if long {
				fmt.Fprintf(w, "    %s\n", s.Doc)
			}
		}
		for i := first; i < len(reasons); i++ {
			fmt.Fprintf(w, "  [%d] skipped here: %s\n", i+1, reasons[i])
		}
	}
}

func cmdEnv(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("env", "env [--json]", stderr)
	asJSON := fs.Bool("json", false, "print the environment record as JSON")
	if code, ok := parseFlagsOnly(fs, args, stderr); !ok {
		return code
	}
	env := host.Probe()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(env); err != nil {
			fmt.Fprintf(stderr, "zbench env: %v\n", err)
			return exitFailed
		}
		return exitOK
	}
	for _, kv := range env.Summary() {
		fmt.Fprintf(stdout, "%-28s %s\n", kv.Key, kv.Value)
	}
	for _, w := range env.Warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	return exitOK
}
