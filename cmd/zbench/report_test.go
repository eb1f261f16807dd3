package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.html")
	code, stdout, stderr := zbench("report", fixture("vm-run1.json"), fixture("vm-run2.json"), "--ref", "lmbench-athlon-2003", "--out", out)
	if code != exitOK || strings.TrimSpace(stdout) != out {
		t.Fatalf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{"<!DOCTYPE html>", "ref:lmbench-athlon-2003", "lat/syscall/null", "<svg"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The shared front (no records, bad records, --ref) is TestRunsCommands'.
	if code, _, stderr := zbench("report", "--out", filepath.Join(out, "x.html"), fixture("vm-run1.json")); code != exitFailed || !strings.Contains(stderr, "not a directory") {
		t.Errorf("--out under a file: exit %d stderr %q; want exit %d and not a directory", code, stderr, exitFailed)
	}
	if code, _, help := zbench("report", "-h"); code != exitOK || !strings.Contains(help, "-out") || !strings.Contains(help, "-ref") {
		t.Errorf("report -h: exit %d\n%s", code, help)
	}
}
