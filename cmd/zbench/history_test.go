package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zbench/internal/host"
	"zbench/results"
)

// writeSeries writes n run records of one machine, lat/syscall/null at 100
// ns/op (±3%) and at 100·factor from run `at` on.
func writeSeries(t *testing.T, dir string, n, at int, factor float64) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	var paths []string
	for i := range n {
		run := &results.Run{
			Schema: results.Schema, Zbench: results.Version{Version: "(devel)", Commit: fmt.Sprintf("c%02d", i)},
			Started: t0.Add(time.Duration(i) * time.Minute), Finished: t0.Add(time.Duration(i)*time.Minute + time.Second),
			Host: host.Env{Hostname: "box", CPUModel: "CPU X", CPUsOnline: 2, Kernel: "6.18", Virtualization: "none"},
		}
		lvl := 100.0
		if i >= at {
			lvl *= factor
		}
		lvl *= 1 + 0.03*(2*rng.Float64()-1)
		r := results.Result{Name: "lat/syscall/null", Unit: "ns/op", Better: results.Lower, CPU: 1}
		for range 6 {
			r.Samples = append(r.Samples, lvl*(1+0.01*(2*rng.Float64()-1)))
		}
		r.Summarize()
		run.Results = append(run.Results, r)
		p := filepath.Join(dir, fmt.Sprintf("r%02d.json", i))
		if err := results.Write(p, run); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestHistoryCommands(t *testing.T) {
	dir := t.TempDir()
	writeSeries(t, filepath.Join(dir, "runs"), 30, 15, 1.2)
	store := filepath.Join(dir, "h.db")

	code, out, errs := zbench("history", "add", "--store", store, filepath.Join(dir, "runs"))
	if code != exitOK || !strings.Contains(out, "30 added, 0 already stored") {
		t.Fatalf("history add: %d\n%s%s", code, out, errs)
	}
	code, out, _ = zbench("history", "add", "--store", store, filepath.Join(dir, "runs", "r03.json"))
	if code != exitOK || !strings.Contains(out, "0 added, 1 already stored") {
		t.Errorf("history add of a stored record: %d\n%s", code, out)
	}
	code, out, _ = zbench("history", "list", "--store", store)
	if code != exitOK || !strings.Contains(out, "30 runs in") || !strings.Contains(out, "CPU X, 2 CPUs, 6.18, none") {
		t.Errorf("history list: %d\n%s", code, out)
	}

	code, out, errs = zbench("history", "changes", "--store", store, "--json")
	if code != exitOK {
		t.Fatalf("history changes --json: %d %s", code, errs)
	}
	var cs []map[string]any
	if err := json.Unmarshal([]byte(out), &cs); err != nil {
		t.Fatalf("history changes --json: %v\n%s", err, out)
	}
	if len(cs) != 1 {
		t.Fatalf("%d change points, want the one planted: %s", len(cs), out)
	}
	c := cs[0]
	if c["benchmark"] != "lat/syscall/null" || c["before"] != "2026-11-30T08:14:00Z" || c["after"] != "2026-11-30T08:15:00Z" ||
		c["after_commit"] != "c15" || c["verdict"] != "regression" {
		t.Errorf("change point %v: want lat/syscall/null between runs 14 and 15", c)
	}
	if ch, _ := c["change"].(float64); ch < 0.15 || ch > 0.25 {
		t.Errorf("change %v, want about +0.20", c["change"])
	}
	if p, _ := c["p"].(float64); p <= 0 || p > 0.01 {
		t.Errorf("p = %v", c["p"])
	}
	if _, ok := c["machine"].(string); !ok {
		t.Errorf("no machine: %v", c)
	}

	code, out, _ = zbench("history", "changes", "--store", store)
	if code != exitOK || !strings.Contains(out, "1 change points in 1 series") || !strings.Contains(out, "regression +") {
		t.Errorf("history changes: %d\n%s", code, out)
	}
	code, out, _ = zbench("history", "changes", "--store", store, "--markdown")
	if code != exitOK || !strings.Contains(out, "| `lat/syscall/null` |") || !strings.Contains(out, "🔴 regression") ||
		!strings.Contains(out, "2026-11-30T08:15:00Z `c15`") {
		t.Errorf("history changes --markdown: %d\n%s", code, out)
	}
	code, out, _ = zbench("history", "changes", "--store", store, "--markdown", "--last", "5")
	if code != exitOK || !strings.Contains(out, "0 change points") {
		t.Errorf("history changes --last 5 (the change is 15 runs old): %d\n%s", code, out)
	}

	code, out, errs = zbench("history", "plot", "lat/syscall/null", "--store", store, "--out", filepath.Join(dir, "plots"))
	if code != exitOK {
		t.Fatalf("history plot: %d %s", code, errs)
	}
	png := strings.TrimSpace(out)
	if b, err := os.ReadFile(png); err != nil || len(b) < 1000 || string(b[1:4]) != "PNG" {
		t.Errorf("history plot wrote %q: %v", png, err)
	}
	if code, _, _ := zbench("history", "plot", "lat/nothing", "--store", store, "--out", filepath.Join(dir, "plots")); code != exitFailed {
		t.Errorf("history plot of an unknown benchmark: exit %d, want %d", code, exitFailed)
	}
}

func TestHistoryBadInput(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("junk", 1000)), 0o644)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"history"}, exitUsage, "usage"},
		{[]string{"history", "frob"}, exitUsage, "unknown command"},
		{[]string{"history", "list", "--store", junk}, exitUsage, "not an SQLite database"},
		{[]string{"history", "add", "--store", filepath.Join(dir, "h.db")}, exitUsage, "no run records"},
		{[]string{"history", "changes", "--store", filepath.Join(dir, "typo.db")}, exitUsage, "no history store at"},
		{[]string{"history", "add", "--store", filepath.Join(dir, "h.db"), junk}, exitUsage, "junk.db"},
		{[]string{"history", "changes", "--store", filepath.Join(dir, "h.db"), "--p", "2"}, exitUsage, "--p"},
		{[]string{"history", "changes", "--store", filepath.Join(dir, "h.db"), "--p", "0.001", "--permutations", "99"}, exitUsage, "can never give"},
		{[]string{"history", "add", "--store", filepath.Join(dir, "h.db"), empty}, exitUsage, empty + ": a directory with no *.json run records"},
		{[]string{"history", "plot", "--store", filepath.Join(dir, "h.db"), "--min-runs", "1", "lat/"}, exitUsage, "zbench history plot: --min-runs 1: want at least 2"},
	} {
		code, _, errs := zbench(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("%q: exit %d (want %d), stderr %q (want %q in it)", tc.args, code, tc.code, errs, tc.msg)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.db")); err == nil {
		t.Error("history changes created the store it was asked to read")
	}
}
