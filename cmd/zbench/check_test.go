package main

import (
	"path/filepath"
	"strings"
	"testing"

	"zbench/results"
)

func TestCheck(t *testing.T) {
	// A run that shares no measured benchmark with the baseline.
	nothingInCommon := filepath.Join(t.TempDir(), "other.json")
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
		{[]string{"check", "--baseline", fixture("vm-run1.json"), fixture("vm-run2.json")}, exitOK, "✅ no regression beyond 5%", ""},
		// A planted 20 % regression fails, and says so on stderr too.
		{[]string{"check", "--baseline", fixture("vm-run1.json"), fixture("regressed.json")}, exitFailed,
			"### Regressions (2)", "2 regressions beyond 5%"},
		{[]string{"check", fixture("regressed.json"), "--baseline", fixture("vm-run1.json"), "--threshold", "50%"}, exitOK, "✅", ""},
		{[]string{"check", "--baseline", fixture("box-a.json"), fixture("box-b.json")}, exitFailed, "> [!WARNING]", ""},
		{[]string{"check", fixture("vm-run2.json")}, exitUsage, "", "--baseline is required"},
		{[]string{"check", "--baseline", fixture("vm-run1.json")}, exitUsage, "", "want one current run record, got 0"},
		{[]string{"check", "--baseline", fixture("vm-run1.json"), "--threshold", "five", fixture("vm-run2.json")}, exitUsage, "", `threshold "five"`},
		{[]string{"check", "--baseline", fixture("vm-run1.json"), "--threshold", "-3%", fixture("vm-run2.json")}, exitUsage, "", "want 0% to 1000%"},
		{[]string{"check", "--baseline", fixture("corrupt.json"), fixture("vm-run2.json")}, exitUsage, "", "baseline: " + fixture("corrupt.json") + ": truncated"},
		{[]string{"check", "--baseline", fixture("vm-run1.json"), fixture("missing.json")}, exitUsage, "", "current: "},
		{[]string{"check", "--baseline", fixture("vm-run1.json"), nothingInCommon}, exitUsage, "", "nothing to compare"},
	} {
		code, stdout, stderr := zbench(tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.out) || !strings.Contains(stderr, tc.err) {
			t.Errorf("zbench %q: exit %d\nstdout %q\nstderr %q\nwant exit %d, %q on stdout and %q on stderr",
				tc.args, code, stdout, stderr, tc.code, tc.out, tc.err)
		}
	}
}
