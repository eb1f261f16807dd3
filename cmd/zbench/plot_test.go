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
	// The shared front (no records, bad records, --ref) is TestRunsCommands'.
	if code, _, stderr := zbench("plot", "--out", filepath.Join(dir, "syscalls-lat-syscall.png", "x"), fixture("vm-run1.json")); code != exitFailed || !strings.Contains(stderr, "not a directory") {
		t.Errorf("--out under a file: exit %d stderr %q; want exit %d and not a directory", code, stderr, exitFailed)
	}
}
