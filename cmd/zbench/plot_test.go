package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "charts")
	code, stdout, stderr := zbench("plot", fixture("vm-run1.json"), "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	want := filepath.Join(dir, "syscalls-lat-syscall.png")
	if strings.TrimSpace(stdout) != want {
		t.Errorf("stdout %q, want the one file written, %s", stdout, want)
	}
	if _, err := os.Stat(want); err != nil {
		t.Error(err)
	}
	if n := strings.Count(stderr, "zbench plot: skipped "); n != 5 {
		t.Errorf("stderr names %d skipped charts, want 5 (no zerocopy send or response, bw, ctxsw or round-trip data):\n%s", n, stderr)
	}
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"plot"}, exitUsage, "no run records given"},
		{[]string{"plot", fixture("corrupt.json")}, exitUsage, fixture("corrupt.json")},
		{[]string{"plot", "--ref", "nope", fixture("vm-run1.json")}, exitUsage, `no reference "nope"`},
		{[]string{"plot", "--out", filepath.Join(dir, "syscalls-lat-syscall.png", "x"), fixture("vm-run1.json")}, exitFailed, "not a directory"},
	} {
		code, _, stderr := zbench(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.err) {
			t.Errorf("zbench %q: exit %d stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.err)
		}
	}
}
