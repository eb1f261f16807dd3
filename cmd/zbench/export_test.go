package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExport(t *testing.T) {
	for format, want := range map[string]string{
		"benchfmt": "BenchmarkLat/syscall/null 100000 ",
		"bencher":  `"latency": {`,
		"prom":     "# TYPE zbench_ns_per_op gauge",
		"csv":      "host,started,zbench,commit,benchmark,metric,unit",
		"markdown": "| lat/syscall/null |",
	} {
		code, stdout, stderr := zbench("export", "--format", format, fixture("box-a.json"))
		if code != exitOK || !strings.Contains(stdout, want) {
			t.Errorf("export --format %s: exit %d, stderr %q; stdout lacks %q", format, code, stderr, want)
		}
	}
	// --out writes a file instead of stdout.
	dir := t.TempDir()
	out := filepath.Join(dir, "run.prom")
	if code, stdout, _ := zbench("export", "--format", "prom", "--out", out, fixture("box-a.json")); code != exitOK || stdout != "" {
		t.Errorf("export --out: exit %d, stdout %q", code, stdout)
	}
	if data, err := os.ReadFile(out); err != nil || !strings.Contains(string(data), "zbench_last_run_timestamp_seconds") {
		t.Errorf("export --out wrote %q, %v", data, err)
	}
	// gab: one file per direction, only where there are entries.
	gab := filepath.Join(dir, "gab")
	code, stdout, stderr := zbench("export", "--format", "gab", "--out", gab, fixture("box-a.json"))
	if code != exitOK {
		t.Fatalf("gab: exit %d, %s", code, stderr)
	}
	for _, f := range []string{gabSmaller, gabBigger} {
		path := filepath.Join(gab, f)
		var entries []map[string]any
		data, err := os.ReadFile(path)
		if err != nil || json.Unmarshal(data, &entries) != nil || len(entries) == 0 || !strings.Contains(stdout, path) {
			t.Errorf("%s: %v, %d entries; stdout %q", path, err, len(entries), stdout)
		}
	}
	code, _, _ = zbench("export", "--format", "gab", "--out", gab, fixture("vm-run1.json"))
	if _, err := os.Stat(filepath.Join(gab, gabBigger)); code != exitOK || !os.IsNotExist(err) {
		t.Errorf("a run without rates: exit %d, and %s must not be left behind (%v)", code, gabBigger, err)
	}
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"export", fixture("box-a.json")}, exitUsage, `--format ""`},
		{[]string{"export", "--format", "yaml", fixture("box-a.json")}, exitUsage, `--format "yaml"`},
		{[]string{"export", "--format", "csv"}, exitUsage, "want one run record, got 0"},
		{[]string{"export", "--format", "csv", fixture("box-a.json"), fixture("box-b.json")}, exitUsage, "got 2"},
		{[]string{"export", "--format", "gab", fixture("box-a.json")}, exitUsage, "give --out DIR"},
		{[]string{"export", "--format", "csv", fixture("corrupt.json")}, exitUsage, fixture("corrupt.json") + ": truncated"},
	} {
		code, _, stderr := zbench(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.err) {
			t.Errorf("zbench %q: exit %d stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.err)
		}
	}
}

// A record whose stored median its samples contradict is an input error
// for every reader, naming the file and the benchmark.
func TestLyingRecordRefused(t *testing.T) {
	data, err := os.ReadFile(fixture("vm-run1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	r := raw["results"].([]any)[0].(map[string]any)
	r["median"] = r["median"].(float64) * 0.5 // a better number than the samples give
	data, _ = json.Marshal(raw)
	lie := filepath.Join(t.TempDir(), "lie.json")
	os.WriteFile(lie, data, 0o644)
	for _, args := range [][]string{
		{"compare", fixture("vm-run2.json"), lie},
		{"check", "--baseline", lie, fixture("vm-run2.json")},
		{"export", "--format", "csv", lie},
	} {
		code, _, stderr := zbench(args...)
		if code != exitUsage || !strings.Contains(stderr, lie+": result 0 (lat/syscall/null): the stored median") {
			t.Errorf("zbench %q: exit %d, stderr %q; want exit 2 naming the file and the benchmark", args, code, stderr)
		}
	}
}

// export --out never leaves half a file or a temporary file behind.
func TestExportOutAtomic(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := zbench("export", "--format", "csv", "--out", dir, fixture("box-a.json")); code == exitOK || !strings.Contains(stderr, "is a directory") {
		t.Errorf("--out a directory: exit %d, %q", code, stderr)
	}
	if code, _, _ := zbench("export", "--format", "csv", "--out", filepath.Join(dir, "no", "such", "x.csv"), fixture("box-a.json")); code == exitOK {
		t.Errorf("--out in a missing directory: exit 0")
	}
	out := filepath.Join(dir, "x.csv")
	if code, _, stderr := zbench("export", "--format", "csv", "--out", out, fixture("box-a.json")); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "x.csv" {
		t.Errorf("directory holds %v; want x.csv alone", entries)
	}
}
