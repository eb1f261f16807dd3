package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zbench/report"
	"zbench/results"
)

// run --store adds the run it wrote; a store that is not zbench's is
// refused before anything is measured, and nothing is written.
func TestRunStore(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "history.db")
	out := filepath.Join(dir, "run.json")
	code, _, errs := zbench("run", "lat/syscall/vdso", "--quick", "--out", out, "--store", store)
	if code != exitOK || !strings.Contains(errs, "history: added to "+store) {
		t.Fatalf("run --store: exit %d\n%s", code, errs)
	}
	code, list, errs := zbench("history", "list", "--store", store)
	rec, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if code != exitOK || !strings.Contains(list, rec.Started.Format("2006-01-02")) {
		t.Fatalf("history list after run --store: exit %d\n%s%s", code, list, errs)
	}

	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("not a database at all, not even close"), 0o600); err != nil {
		t.Fatal(err)
	}
	out2 := filepath.Join(dir, "run2.json")
	code, _, errs = zbench("run", "lat/syscall/vdso", "--quick", "--out", out2, "--store", junk)
	if code != exitUsage || !strings.Contains(errs, "--store") {
		t.Errorf("run --store JUNK: exit %d, want %d before the run\n%s", code, exitUsage, errs)
	}
	if _, err := os.Stat(out2); err == nil {
		t.Error("a run with an unusable store was measured and written")
	}
}

// check --history gates against the store's stable segment of the
// current run's machine: a run like the series passes, one 20 % slower
// fails, and a machine the store has never seen cannot be judged.
func TestCheckHistory(t *testing.T) {
	dir := t.TempDir()
	paths := writeSeries(t, filepath.Join(dir, "runs"), 21, 100, 1)
	store := filepath.Join(dir, "h.db")
	if code, out, errs := zbench(append([]string{"history", "add", "--store", store}, paths[:20]...)...); code != exitOK {
		t.Fatalf("history add: %d\n%s%s", code, out, errs)
	}
	if code, out, errs := zbench("check", "--history", store, paths[20]); code != exitOK {
		t.Errorf("check --history, a run like the series: exit %d, want 0\n%s%s", code, out, errs)
	}

	slow, err := results.Read(paths[20])
	if err != nil {
		t.Fatal(err)
	}
	for i := range slow.Results {
		r := &slow.Results[i]
		for j := range r.Samples {
			r.Samples[j] *= 1.2
		}
		r.Summarize()
	}
	slowPath := filepath.Join(dir, "slow.json")
	if err := results.Write(slowPath, slow); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := zbench("check", "--history", store, slowPath); code != report.ExitRegression {
		t.Errorf("check --history, 20 %% slower: exit %d, want %d\n%s%s", code, report.ExitRegression, out, errs)
	}

	other := *slow
	other.Host.CPUModel = "another CPU"
	otherPath := filepath.Join(dir, "other.json")
	if err := results.Write(otherPath, &other); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := zbench("check", "--history", store, otherPath); code != report.ExitCannotJudge {
		t.Errorf("check --history, a machine the store has not seen: exit %d, want %d\n%s%s", code, report.ExitCannotJudge, out, errs)
	}

	if code, _, _ := zbench("check", "--history", store, "--baseline", paths[0], paths[20]); code != exitUsage {
		t.Errorf("--history with --baseline: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := zbench("check", "--history", filepath.Join(dir, "typo.db"), paths[20]); code != exitUsage {
		t.Errorf("--history naming no store: exit %d, want %d", code, exitUsage)
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.db")); err == nil {
		t.Error("check --history created the store it was pointed at")
	}
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("not a database at all, not even close"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := zbench("check", "--history", junk, paths[20]); code != exitUsage {
		t.Errorf("--history naming a file that is no store: exit %d, want %d\n%s", code, exitUsage, errs)
	}
}
