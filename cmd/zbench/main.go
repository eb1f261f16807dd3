// Command zbench measures what entering the kernel, switching context and
// moving bytes cost on this host, and records every sample. It is the wiring
// of the pipeline: families declare specs, bench.Runner measures them in
// worker processes, results records the run, report renders it.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"zbench/bench"
)

func main() {
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	if exe, err := os.Executable(); err == nil {
		fmt.Fprint(os.Stderr, goRunHint(exe, code))
	}
	os.Exit(code)
}

// goRunHint explains, under `go run`, an exit status that go run will not
// pass on: it prints "exit status N" and exits 1 for any failure. Empty
// where the status survives (a built binary) or is 0 or 1 anyway.
func goRunHint(exe string, code int) string {
	if code <= exitFailed || !strings.Contains(exe, "go-build") || filepath.Base(filepath.Dir(exe)) != "exe" {
		return ""
	}
	return fmt.Sprintf("zbench: exit status %d (%s); go run exits 1 whatever the status: "+
		"build it (go build -o zbench ./cmd/zbench) where the status matters\n", code, statusMeaning(code))
}

func statusMeaning(code int) string {
	switch code {
	case exitUsage:
		return "bad usage or unusable input"
	case exitSignaled:
		return "interrupted"
	}
	return "see the README's exit statuses"
}

const usage = `usage: zbench <command> [arguments]

commands:
  run [PATTERN...]   run benchmarks (default: the default suite; "all": everything)
  list [PATTERN...]  benchmarks, what one op is, and why one would be skipped here
  env                the environment record of this host
  serve              the remote end for network benchmarks (--transport peer)
  compare RUN...     runs side by side: median ± CI per run, deltas with p-values
  check RUN          against --baseline RUN: exit 1 on a significant regression
  plot RUN...        PNG charts into --out DIR
  export RUN         the run as --format benchfmt|gab|bencher|prom|csv|markdown
  history CMD        the run history: add, list, changes (change points), plot
  report RUN...      one self-contained HTML page: summary, every result, charts, environments
  version            the zbench build: module version and commit (also --version)

Run 'zbench <command> -h' for a command's flags.
`

// Exit statuses.
const (
	exitOK       = 0
	exitFailed   = 1 // a benchmark errored, or the record could not be written
	exitUsage    = 2
	exitSignaled = 130
)

func run(args []string, stdout, stderr io.Writer) int {
	// The hidden sub-commands: zbench re-executed as a worker or helper.
	if code, ok := bench.Serve(registry(), args); ok {
		return code
	}
	version := command(cmdVersion)
	return dispatch("zbench", usage, map[string]command{
		"run":       cmdRun,
		"list":      cmdList,
		"env":       cmdEnv,
		"serve":     cmdServe,
		"compare":   cmdCompare,
		"check":     cmdCheck,
		"plot":      cmdPlot,
		"export":    cmdExport,
		"history":   cmdHistory,
		"report":    cmdReport,
		"version":   version,
		"--version": version,
		"-version":  version,
	}, args, stdout, stderr)
}
