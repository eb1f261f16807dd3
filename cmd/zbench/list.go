package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"zbench/bench"
	"zbench/internal/host"
)

func cmdList(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("list", "list [PATTERN...]", stderr)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if len(pos) == 0 {
		pos = []string{"all"}
	}
	specs, err := bench.Select(registry(), pos)
	if err != nil {
		fmt.Fprintf(stderr, "zbench list: %v\n", err)
		return exitUsage
	}
	for _, s := range specs {
		mark := " "
		if s.Default {
			mark = "*"
		}
		fmt.Fprintf(stdout, "%s %s\n    %s\n", mark, s.Name, s.Doc)
		if err := s.Probe(); err != nil {
			fmt.Fprintf(stdout, "    skipped here: %s\n", bench.SkipReason(err))
		}
	}
	fmt.Fprintln(stdout, "\n* in the default suite (`zbench run` with no pattern)")
	return exitOK
}

func cmdEnv(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("env", "env [--json]", stderr)
	asJSON := fs.Bool("json", false, "print the environment record as JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zbench env: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
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
