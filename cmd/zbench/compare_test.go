package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// fixture is a committed run record of the report package's tests.
func fixture(name string) string { return filepath.Join("..", "..", "report", "testdata", name) }

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{[]string{"compare", fixture("box-a.json"), fixture("box-b.json")}, exitOK, "-46.6% (p=0.000) better", ""},
		{[]string{"compare", "--format", "markdown", fixture("box-a.json"), fixture("box-b.json")}, exitOK, "| lat/syscall/null |", ""},
		{[]string{"compare", fixture("box-a.json"), "--format", "csv", fixture("box-b.json")}, exitOK, "benchmark,metric,run,file,host", ""},
		{[]string{"compare", fixture("vm-run1.json"), "--ref", "lmbench-athlon-2003"}, exitOK, "1825 (n=1)", ""},
		{[]string{"compare", "--format", "yaml", fixture("box-a.json")}, exitUsage, "", `--format "yaml"`},
		// The flags are judged before the records are looked for.
		{[]string{"compare", "--format", "yaml"}, exitUsage, "", `--format "yaml"`},
		// compare, alone of the three, takes references without a record.
		{[]string{"compare", "--ref", "lmbench-athlon-2003"}, exitOK, "lmbench-athlon-2003", ""},
		{[]string{"compare", fixture("no-such.json")}, exitUsage, "", "no-such.json"},
	} {
		code, stdout, stderr := zbench(tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.out) || !strings.Contains(stderr, tc.err) {
			t.Errorf("zbench %q: exit %d\nstdout %q\nstderr %q\nwant exit %d, %q on stdout and %q on stderr",
				tc.args, code, stdout, stderr, tc.code, tc.out, tc.err)
		}
	}
}

// TestRunsCommands holds compare, plot and report to the front they share
// (runsCommand): --ref, --ref list, and reading the records named.
func TestRunsCommands(t *testing.T) {
	for _, cmd := range []string{"compare", "plot", "report"} {
		for _, tc := range []struct {
			args     []string
			code     int
			out, err string // in stdout, in stderr
		}{
			{nil, exitUsage, "", "zbench " + cmd + ": no run records given"},
			{[]string{fixture("box-a.json"), fixture("corrupt.json")}, exitUsage, "", "zbench " + cmd + ": " + fixture("corrupt.json") + ": truncated"},
			{[]string{fixture("no-such.json")}, exitUsage, "", "no-such.json"},
			{[]string{"--ref", "nope", fixture("box-a.json")}, exitUsage, "", "zbench " + cmd + `: --ref: no reference "nope"`},
			{[]string{"--ref", "list"}, exitOK, "lmbench-athlon-2003\n", ""},
			{[]string{fixture("box-a.json"), "--ref", "list"}, exitOK, "quoted figures, not zbench measurements", ""},
			{[]string{"--bogus"}, exitUsage, "", "flag provided but not defined"},
			{[]string{"-h"}, exitOK, "", "-ref NAME"},
		} {
			args := append([]string{cmd}, tc.args...)
			code, stdout, stderr := zbench(args...)
			if code != tc.code || !strings.Contains(stdout, tc.out) || !strings.Contains(stderr, tc.err) {
				t.Errorf("zbench %q: exit %d\nstdout %q\nstderr %q\nwant exit %d, %q on stdout and %q on stderr",
					args, code, stdout, stderr, tc.code, tc.out, tc.err)
			}
		}
	}
	// plot and report draw records; a reference alone is not a run.
	for _, cmd := range []string{"plot", "report"} {
		if code, _, stderr := zbench(cmd, "--ref", "lmbench-athlon-2003"); code != exitUsage || !strings.Contains(stderr, "no run records given") {
			t.Errorf("zbench %s --ref lmbench-athlon-2003: exit %d stderr %q; want exit %d, no run records given", cmd, code, stderr, exitUsage)
		}
	}
}
