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
		{[]string{"compare", "--ref", "list"}, exitOK, "lmbench-athlon-2003\n", ""},
		{[]string{"compare"}, exitUsage, "", "no run records given"},
		{[]string{"compare", "--format", "yaml", fixture("box-a.json")}, exitUsage, "", `--format "yaml"`},
		{[]string{"compare", "--ref", "nope", fixture("box-a.json")}, exitUsage, "", `no reference "nope"`},
		{[]string{"compare", fixture("box-a.json"), fixture("corrupt.json")}, exitUsage, "", fixture("corrupt.json") + ": truncated"},
		{[]string{"compare", fixture("no-such.json")}, exitUsage, "", "no-such.json"},
		{[]string{"compare", "--bogus"}, exitUsage, "", "flag provided but not defined"},
	} {
		code, stdout, stderr := zbench(tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.out) || !strings.Contains(stderr, tc.err) {
			t.Errorf("zbench %q: exit %d\nstdout %q\nstderr %q\nwant exit %d, %q on stdout and %q on stderr",
				tc.args, code, stdout, stderr, tc.code, tc.out, tc.err)
		}
	}
}
