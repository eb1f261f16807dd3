package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/joshdk/go-junit"

	"zbench/results"
)

// A JUnit parser (the one CI reporters in Go use) reads the export back: a
// suite per family, a case per benchmark, skipped and failed benchmarks as
// such with their reasons, measured ones passing with their median.
func TestJUnitReadBack(t *testing.T) {
	for _, file := range []string{"gate-default-a.json", "vm-run2.json"} {
		run := load(t, file)[0].Run
		var out bytes.Buffer
		if err := JUnit(&out, run); err != nil {
			t.Fatal(err)
		}
		suites, err := junit.Ingest(out.Bytes())
		if err != nil {
			t.Fatalf("%s: the JUnit parser refuses the export: %v", file, err)
		}
		byName := map[string]junit.Test{}
		for _, s := range suites {
			if !strings.HasPrefix(s.Name, "zbench.") {
				t.Errorf("%s: suite %q", file, s.Name)
			}
			for _, c := range s.Tests {
				byName[c.Name] = c
			}
		}
		if len(byName) != len(run.Results) {
			t.Errorf("%s: %d cases, want one per benchmark (%d)", file, len(byName), len(run.Results))
		}
		var skipped, failed int
		for i := range run.Results {
			r := &run.Results[i]
			c, ok := byName[r.Name]
			if !ok {
				t.Errorf("%s: no case for %s", file, r.Name)
				continue
			}
			switch {
			case r.Skipped != "":
				skipped++
				if c.Status != junit.StatusSkipped || c.Message != r.Skipped {
					t.Errorf("%s: %s: status %s message %q, want skipped with %q", file, r.Name, c.Status, c.Message, r.Skipped)
				}
			case r.Error != "":
				failed++
				if c.Status != junit.StatusError || c.Message != r.Error {
					t.Errorf("%s: %s: status %s message %q, want an error with %q", file, r.Name, c.Status, c.Message, r.Error)
				}
			default:
				if c.Status != junit.StatusPassed || !strings.HasPrefix(c.SystemOut, "median ") || !strings.Contains(c.SystemOut, r.Unit) {
					t.Errorf("%s: %s: status %s output %q, want passed with its median", file, r.Name, c.Status, c.SystemOut)
				}
			}
		}
		if file == "gate-default-a.json" && skipped+failed == 0 {
			t.Errorf("%s: the fixture has skipped or failed benchmarks; none read back", file)
		}
	}
	// An empty run is an empty, valid report.
	var out bytes.Buffer
	if err := JUnit(&out, &results.Run{}); err != nil {
		t.Fatal(err)
	}
	if _, err := junit.Ingest(out.Bytes()); err != nil {
		t.Errorf("empty run: %v", err)
	}
}
