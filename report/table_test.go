package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"zbench/results"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestTable(t *testing.T) {
	run, err := results.Read("testdata/syscall-run.json")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Table(&out, run); err != nil {
		t.Fatal(err)
	}
	golden(t, "syscall-run.table", out.Bytes())
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{175.234, "ns/op", "175.2"},
		{1.5, "ns/op", "1.500"},
		{23456.7, "ns/op", "23457"},
		{0, "ns/op", "0"},
		{12.5e9, "B/s", "12.50G"},
		{999, "B/s", "999.0"},
		{1500, "op/s", "1.500k"},
	} {
		if got := FormatValue(tc.v, tc.unit); got != tc.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

func TestFormatCI(t *testing.T) {
	lo, hi := 90.0, 112.0
	r := &results.Result{Median: 100, CILow: &lo, CIHigh: &hi}
	if got := FormatCI(r); got != "±12%" {
		t.Errorf("FormatCI = %q, want ±12%% (the larger half-width)", got)
	}
	lo, hi = 99.5, 100.25
	if got := FormatCI(r); got != "±0.5%" {
		t.Errorf("FormatCI = %q, want ±0.5%%", got)
	}
	if got := FormatCI(&results.Result{Median: 100}); got != "±∞" {
		t.Errorf("FormatCI without an interval = %q, want ±∞", got)
	}
}

// The header names the build: never "(devel)" alone.
func TestBuildLabel(t *testing.T) {
	for _, tc := range []struct {
		v    results.Version
		want string
	}{
		{results.Version{Version: "(devel)"}, "(devel, no VCS stamp: commit unknown)"},
		{results.Version{Version: "(devel)", Commit: "638a12421e8667c46275a57c"}, "(devel) 638a12421e86"},
		{results.Version{Version: "(devel)", Commit: "638a12421e8667c46275a57c", Modified: true}, "(devel) 638a12421e86+"},
		{results.Version{Version: "v1.2.0"}, "v1.2.0"},
	} {
		if got := buildLabel(tc.v); got != tc.want {
			t.Errorf("buildLabel(%+v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}
