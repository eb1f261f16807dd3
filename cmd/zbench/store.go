package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"zbench/history"
	"zbench/report"
	"zbench/results"
)

// storeTimeout bounds opening a history store and adding one run to it: a
// PostgreSQL server that does not answer is an error, never a hang.
const storeTimeout = 30 * time.Second

// openStore opens the history store of `run --store` before anything is
// measured, so that a wrong path or URL, or a store that is not zbench's,
// is one clear error before the run rather than after it.
func openStore(spec string) (*history.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	return history.Open(ctx, spec)
}

// storeRun adds the written record to the store. The record file is
// already on disk, so a refusal loses nothing: the message says how to add
// it later.
func storeRun(s *history.Store, spec, written string, rec *results.Run, stderr io.Writer) bool {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if err := s.Add(ctx, rec); err != nil {
		fmt.Fprintf(stderr, "zbench run: --store %s: %v; the record is in %s: add it later with zbench history add --store %s %s\n",
			spec, err, written, spec, written)
		return false
	}
	fmt.Fprintf(stderr, "history: added to %s\n", spec)
	return true
}

// historyBaseline is the baseline of `check --history`: the runs of the
// latest stable segment of each benchmark's series on the current run's
// machine, read from the store. A store that is missing or unreadable is
// bad input (exit 2); one that holds nothing stable of this machine is a
// baseline the gate cannot judge against (exit 3), never a pass.
func historyBaseline(spec string, cur *results.Run) ([]report.Input, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*storeTimeout)
	defer cancel()
	s, err := openToRead(ctx, spec)
	if err != nil {
		return nil, report.ExitUsage, err
	}
	defer s.Close()
	runs, err := s.BaselineRuns(ctx, cur, history.BaselineOptions{})
	if err != nil {
		return nil, report.ExitCannotJudge, fmt.Errorf("could not judge: %w", err)
	}
	base := make([]report.Input, len(runs))
	for i, r := range runs {
		base[i] = report.Input{Path: spec, Run: r}
	}
	return base, report.ExitPass, nil
}
