package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"zbench/results"
)

func load(t *testing.T, paths ...string) []Input {
	t.Helper()
	for i, p := range paths {
		paths[i] = filepath.Join("testdata", p)
	}
	ins, err := Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

// compareInputs is box-a against box-b (every kind of cell) with the
// embedded reference as a third column.
func compareInputs(t *testing.T) []Input {
	ins := load(t, "box-a.json", "box-b.json")
	ref, err := LoadReference("lmbench-athlon-2003")
	if err != nil {
		t.Fatal(err)
	}
	return append(ins, ref)
}

func TestCompareGolden(t *testing.T) {
	c := Compare(compareInputs(t))
	for _, f := range []struct {
		file   string
		render func(*bytes.Buffer) error
	}{
		{"compare.txt", func(b *bytes.Buffer) error { return c.Text(b) }},
		{"compare.md", func(b *bytes.Buffer) error { return c.Markdown(b) }},
		{"compare.csv", func(b *bytes.Buffer) error { return c.CSV(b) }},
	} {
		var out bytes.Buffer
		if err := f.render(&out); err != nil {
			t.Fatal(err)
		}
		golden(t, f.file, out.Bytes())
	}
}

func TestCompareCells(t *testing.T) {
	c := Compare(compareInputs(t))
	row := func(name string) Row {
		for _, r := range c.Rows {
			if r.Name == name {
				return r
			}
		}
		t.Fatalf("no row %s", name)
		return Row{}
	}
	for _, tc := range []struct {
		name  string
		col   int
		state string
		sig   string // "yes", "no", or "" for no delta
	}{
		{"lat/syscall/null", 1, "measured", "yes"},                                         // -47 %, p < 0.001
		{"lat/syscall/read", 1, "measured", "no"},                                          // same machine speed
		{"lat/syscall/stat", 1, "measured", "no"},                                          // 3 samples each: benchmath warns
		{"lat/syscall/int80", 0, "skipped", ""},                                            // skipped in the baseline
		{"lat/syscall/int80", 1, "measured", ""},                                           // so no delta
		{"lat/syscall/openclose", 1, "error", ""},                                          // failed
		{"lat/syscall/vdso", 1, "missing", ""},                                             // missing from box-b
		{"lat/syscall/batch/size=8", 0, "missing", ""},                                     // only in box-b
		{"zerocopy/send/method=sendfile/size=64KiB/transport=loopback", 1, "measured", ""}, // units differ
		{"ctxsw/ring/procs=2/ws=0KiB/cpu=same/kind=process", 2, "measured", ""},
	} {
		cell := row(tc.name).Cells[tc.col]
		if cell.State() != tc.state {
			t.Errorf("%s column %d: state %s, want %s", tc.name, tc.col, cell.State(), tc.state)
		}
		got := ""
		if cell.Delta != nil {
			got = map[bool]string{true: "yes", false: "no"}[cell.Delta.Significant]
		}
		if got != tc.sig {
			t.Errorf("%s column %d: significant %q, want %q", tc.name, tc.col, got, tc.sig)
		}
	}
	if w := row("lat/syscall/stat").Cells[1].Delta.Warnings; len(w) == 0 {
		t.Error("3 samples against 3: benchmath's warning is lost")
	}
	if why := row("zerocopy/send/method=sendfile/size=64KiB/transport=loopback").Cells[1].Why; !strings.Contains(why, "units differ") {
		t.Errorf("different units: why = %q", why)
	}
}

func TestReferenceHasNoInventedSpread(t *testing.T) {
	ref, err := LoadReference("lmbench-athlon-2003")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ref.Run.Results {
		if len(r.Samples) != 1 || r.CILow != nil || r.CIHigh != nil {
			t.Errorf("%s: %d samples, CI %v..%v: a quoted figure is one value without an interval", r.Name, len(r.Samples), r.CILow, r.CIHigh)
		}
		if !strings.Contains(r.Doc, "not a zbench measurement") {
			t.Errorf("%s: the doc must say the figure is quoted, not measured: %q", r.Name, r.Doc)
		}
		if got := formatCell(&r); !strings.HasSuffix(got, "(n=1)") {
			t.Errorf("a reference cell reads %q, want the value marked n=1", got)
		}
	}
	if _, err := LoadReference("no-such-ref"); err == nil || !strings.Contains(err.Error(), "lmbench-athlon-2003") {
		t.Errorf("unknown reference: %v; want an error listing the known ones", err)
	}
}

func TestLoad(t *testing.T) {
	// A directory stands for its *.json files; hosts that repeat give way
	// to file names as labels.
	dir := t.TempDir()
	for _, f := range []string{"vm-run1.json", "vm-run2.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a record"), 0o644)
	ins, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || ins[0].Label != "vm-run1" || ins[1].Label != "vm-run2" {
		t.Errorf("labels %v; want vm-run1, vm-run2 (both runs are host vm)", labels(ins))
	}
	ins = load(t, "box-a.json", "box-b.json")
	if ins[0].Label != "box-a" || ins[1].Label != "box-b" {
		t.Errorf("labels %v; want the host names", labels(ins))
	}
	// Errors name the file.
	for _, bad := range []string{"testdata/corrupt.json", "testdata/no-such.json", t.TempDir()} {
		_, err := Load([]string{"testdata/box-a.json", bad})
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("Load(%s): %v; want an error naming it", bad, err)
		}
	}
}

func labels(ins []Input) []string { return strs(ins, func(in Input) string { return in.Label }) }

// Each delta says whether it is better or worse in its unit's direction: a
// time down and a rate up are both better.
func TestCompareMarks(t *testing.T) {
	c := Compare(load(t, "box-a.json", "box-b.json"))
	want := map[string]string{
		"lat/syscall/null":   "better", // ns/op down 47 %
		"bw/pipe/size=64KiB": "worse",  // B/s down 26 %
		"lat/syscall/read":   "",       // not significant
	}
	for _, row := range c.Rows {
		w, ok := want[row.Name]
		if !ok || row.Metric != "" {
			continue
		}
		if got := row.Cells[1].Delta.Mark(row.Cells[1].Result.Better); got != w {
			t.Errorf("%s: %q, want %q", row.Name, got, w)
		}
	}
	for _, tc := range []struct {
		pct    float64
		better string
		want   string
	}{{-19, "lower", "better"}, {59, "higher", "better"}, {19, "lower", "worse"}, {-59, "higher", "worse"}, {30, "", ""}} {
		if got := (Delta{Pct: tc.pct, Significant: true}).Mark(tc.better); got != tc.want {
			t.Errorf("%+.0f%% with %q better: %q, want %q", tc.pct, tc.better, got, tc.want)
		}
	}
	// The metric with its samples has its own row and delta; CPU per byte
	// up is worse.
	for _, bench := range c.Rows {
		for _, row := range bench.Metrics {
			if row.Name == "bw/pipe/size=64KiB" && row.Metric == "sender-cpu-ns/B" {
				if d := row.Cells[1].Delta; d == nil || d.Mark(results.Lower) != "worse" || row.Unit != "sender-cpu-ns/B" {
					t.Errorf("sender-cpu-ns/B row: %+v", row)
				}
				return
			}
		}
	}
	t.Errorf("no row for bw/pipe's sender-cpu-ns/B")
}

// Many runs side by side fold into one line per benchmark and run rather
// than one column per run.
func TestCompareFoldsWideTables(t *testing.T) {
	var ins []Input
	for i := 1; i <= 6; i++ {
		ins = append(ins, load(t, fmt.Sprintf("vm-run%d.json", i))...)
	}
	Label(ins)
	c := Compare(ins)
	if w := c.grid().width(); w <= MaxWidth {
		t.Fatalf("six runs side by side are %d wide: the test needs a wide table", w)
	}
	var out bytes.Buffer
	if err := c.Text(&out); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(out.String(), "\n") {
		if n := utf8.RuneCountInString(line); n > MaxWidth && strings.HasPrefix(line, "│") {
			t.Errorf("line %d is %d wide: %s", i, n, line)
		}
	}
	if !strings.Contains(out.String(), "│ benchmark ") || !strings.Contains(out.String(), "│ run ") {
		t.Errorf("the folded table has no run column:\n%s", out.String())
	}
	// Two runs stay side by side.
	if g := Compare(load(t, "vm-run1.json", "vm-run2.json")).layout(); len(g.header) != 5 || g.header[2] == "run" {
		t.Errorf("two runs: header %q", g.header)
	}
}

// compare reports how the host sentinel moved between the runs.
func TestCompareSentinel(t *testing.T) {
	ins := load(t, "vm-run1.json", "vm-run2.json")
	for i, cpu := range []float64{1.0, 1.4} {
		for round := range 10 {
			ins[i].Run.Sentinel = append(ins[i].Run.Sentinel, results.Sentinel{Round: round, CPUNs: cpu * (1 + 0.001*float64(round)), SyscallNs: 900})
		}
	}
	var out bytes.Buffer
	if err := Compare(ins).Text(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"host sentinel, vm-run2 against vm-run1: CPU loop 1.004 → 1.406 ns/iter (+40.0%, 10 and 10 rounds): the host got slower, intervals +39.2% apart",
		"null system call 900.0 → 900.0 ns/iter (+0.0%"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("compare lacks %q:\n%s", want, out.String()[:min(len(out.String()), 1500)])
		}
	}
}
