package main

import (
	"path/filepath"
	"strings"
	"testing"

	"zbench/results"
)

func TestCheck(t *testing.T) {
	// A run that shares no measured benchmark with the baseline.
	nothingInCommon := filepath.Join(t.TempDir(), "other.json") // only int80, skipped
	err := results.Write(nothingInCommon, &results.Run{Schema: results.Schema, Results: []results.Result{
		{Name: "lat/syscall/int80", Unit: "ns/op", Better: "lower", Skipped: "no IA32 emulation"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		out  string
		err  string
	}{
		// Two real runs of one build on one host pass at the default threshold.
		{[]string{"check", "--baseline", fixture("vm-run1.json"), fixture("vm-run2.json")}, exitOK, "✅ no regression beyond 5% (11 benchmarks judged)", ""},
		// Baselines pooled from several runs of one build.
		{[]string{"check", "--baseline", fixture("vm-run1.json"), "--baseline", fixture("vm-run3.json"), fixture("vm-run2.json")}, exitOK, "- baseline: vm-run3", ""},
		// Two --quick runs: three samples can never show a difference.
		{[]string{"check", "--baseline", fixture("gate-quick-a.json"), fixture("gate-quick-b.json")}, 3,
			"⚠️ could not judge 13 benchmarks", "could not judge 13 of 13 benchmarks"},
		// A benchmark that failed in the current run, unless allowed.
		{[]string{"check", "--baseline", fixture("gate-default-a.json"), fixture("gate-default-b.json")}, 3,
			"failed in the current run", "could not judge 1 of"},
		{[]string{"check", "--allow-missing", "--baseline", fixture("gate-default-a.json"), fixture("gate-default-b.json")}, exitOK,
			"(allowed by --allow-missing)", ""},
		{[]string{"check", "--metric", "p99-ns", "--baseline", fixture("gate-syscall6-a.json"), fixture("gate-syscall6-b.json")}, exitOK,
			"judged on metric `p99-ns`", ""},
		{[]string{"check", "--metric", "copied-fraction", "--baseline", fixture("gate-syscall6-a.json"), fixture("gate-syscall6-b.json")}, exitUsage,
			"", "has no direction"},
		// A planted 20 % regression fails, and says so on stderr too.
		{[]string{"check", "--baseline", fixture("vm-run1.json"), fixture("regressed.json")}, exitFailed,
			"### Regressions (2)", "2 regressions beyond 5%"},
		{[]string{"check", fixture("regressed.json"), "--baseline", fixture("vm-run1.json"), "--threshold", "50%"}, exitOK, "✅", ""},
		{[]string{"check", "--baseline", fixture("box-a.json"), fixture("box-b.json")}, exitFailed, "> [!WARNING]", ""},
		{[]string{"check", fixture("vm-run2.json")}, exitUsage, "", "--baseline or --history is required"},
		{[]string{"check", "--baseline", fixture("vm-run1.json")}, exitUsage, "", "want one current run record, got 0"},
		{[]string{"check", "--baseline", fixture("vm-run1.json"), "--threshold", "five", fixture("vm-run2.json")}, exitUsage, "", `threshold "five"`},
		{[]string{"check", "--baseline", fixture("vm-run1.json"), "--threshold", "-3%", fixture("vm-run2.json")}, exitUsage, "", "want 0% to 1000%"},
		{[]string{"check", "--baseline", fixture("vm-run1.json"), "--threshold", "0.05", fixture("vm-run2.json")}, exitUsage, "", `"0.05" is ambiguous: write 0.05% for 0.05 per cent, or 5% for the fraction 0.05`},
		{[]string{"check", "--baseline", fixture("corrupt.json"), fixture("vm-run2.json")}, exitUsage, "", "baseline: " + fixture("corrupt.json") + ": truncated"},
		{[]string{"check", "--baseline", fixture("vm-run1.json"), fixture("missing.json")}, exitUsage, "", "current: "},
		// Every benchmark of the baseline is missing now: nothing judged.
		{[]string{"check", "--baseline", fixture("vm-run1.json"), nothingInCommon}, 3, "`lat/syscall/null`: missing from the current run", "could not judge 12 of 12"},
		// Nothing in common at all: not a gate's input.
		{[]string{"check", "--baseline", nothingInCommon, fixture("box-b.json")}, exitUsage, "", "nothing to compare"},
	} {
		code, stdout, stderr := zbench(tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.out) || !strings.Contains(stderr, tc.err) {
			t.Errorf("zbench %q: exit %d\nstdout %q\nstderr %q\nwant exit %d, %q on stdout and %q on stderr",
				tc.args, code, stdout, stderr, tc.code, tc.out, tc.err)
		}
	}
}
