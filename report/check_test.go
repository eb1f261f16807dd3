package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"zbench/results"
)

func check(t *testing.T, base, cur string, threshold float64) *Check {
	t.Helper()
	ins := load(t, base, cur)
	c, err := CheckRuns(ins[0], ins[1], threshold)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func names(cs []Change) []string {
	var s []string
	for _, c := range cs {
		s = append(s, c.Name)
	}
	return s
}

// Two real runs of one build on one VM, one after the other: the medians
// moved by up to 5.2 % (lat/syscall/batch/size=1) and one shift of 2.2 % was
// "significant" to the U test (openclose, p = 0.015). The gate must pass
// them at the default threshold.
func TestCheckSameBuildPasses(t *testing.T) {
	c := check(t, "vm-run1.json", "vm-run2.json", DefaultThreshold)
	if c.Failed() || len(c.Improvements) != 0 {
		t.Errorf("two runs of one build: regressions %v, improvements %v; want none", names(c.Regressions), names(c.Improvements))
	}
	if len(c.EnvDiffs) != 0 {
		t.Errorf("same host, same settings: environment differences %q", c.EnvDiffs)
	}
	// The rule, not luck: a median-only rule at the same threshold would
	// have nothing to stop it; the interval gap is negative for every one.
	for _, x := range c.Unchanged {
		if x.Worse > 0 {
			t.Errorf("%s: the intervals of two runs of one build are apart by %.1f%%", x.Name, 100*x.Worse)
		}
	}
	var md bytes.Buffer
	c.Markdown(&md)
	golden(t, "check-same.md", md.Bytes())
}

// Six real runs of one build on this VM (vm-run1..6.json, `zbench run
// lat/syscall`, 10 samples each, taken over a few minutes while other work
// shared the machine): all 15 pairs pass at the default threshold, although
// medians moved by up to 27 % and 27 of the 180 comparisons were
// "significant" to the U test alone; a rule of "significant and the median
// moved more than 5 %" would have failed 7 of the 15 pairs.
func TestCheckSameBuildAllPairs(t *testing.T) {
	medianRule := 0
	for a := 1; a <= 6; a++ {
		for b := a + 1; b <= 6; b++ {
			c := check(t, fmt.Sprintf("vm-run%d.json", a), fmt.Sprintf("vm-run%d.json", b), DefaultThreshold)
			if c.Failed() {
				t.Errorf("runs %d and %d of one build: regressions %v", a, b, names(c.Regressions))
			}
			for _, x := range c.Unchanged {
				if x.Delta.Significant && math.Abs(x.Delta.Pct) > 100*DefaultThreshold {
					medianRule++
					break
				}
			}
		}
	}
	if medianRule != 7 {
		t.Errorf("a median-only rule fails %d of the 15 pairs; the comment above says 7", medianRule)
	}
}

// A 20 % regression planted in two benchmarks of a real run (and a 20 %
// improvement in a third) is caught; the rest passes.
func TestCheckPlantedRegression(t *testing.T) {
	c := check(t, "vm-run1.json", "regressed.json", DefaultThreshold)
	if !c.Failed() {
		t.Fatal("a planted 20% regression passed the gate")
	}
	got := strings.Join(names(c.Regressions), " ")
	if got != "lat/syscall/openclose lat/syscall/vdso" && got != "lat/syscall/vdso lat/syscall/openclose" {
		t.Errorf("regressions %q; want openclose and vdso", got)
	}
	if got := names(c.Improvements); len(got) != 1 || got[0] != "lat/syscall/null/path=inline" {
		t.Errorf("improvements %q; want null/path=inline", got)
	}
	var md bytes.Buffer
	c.Markdown(&md)
	golden(t, "check-regressed.md", md.Bytes())
	// A threshold above the gap lets it through.
	if c := check(t, "vm-run1.json", "regressed.json", 0.5); c.Failed() {
		t.Errorf("at 50%% a 20%% regression still fails: %v", names(c.Regressions))
	}
}

// Machines that differ: the environment warnings, a rate that dropped (a
// regression where higher is better), and every cell that is not compared.
func TestCheckAcrossMachines(t *testing.T) {
	c := check(t, "box-a.json", "box-b.json", DefaultThreshold)
	if got := names(c.Regressions); len(got) != 1 || got[0] != "bw/pipe/size=64KiB" {
		t.Errorf("regressions %q; want the B/s drop of bw/pipe", got)
	}
	env := strings.Join(c.EnvDiffs, "\n")
	for _, want := range []string{"kernel: 6.18.44 → 6.19.2", "CPU model", "mitigation spectre_v2"} {
		if !strings.Contains(env, want) {
			t.Errorf("environment differences lack %q:\n%s", want, env)
		}
	}
	if len(c.NotCompared) != 5 {
		t.Errorf("not compared: %v; want int80, openclose, vdso, zerocopy (units) and batch", c.NotCompared)
	}
	var md bytes.Buffer
	c.Markdown(&md)
	golden(t, "check-machines.md", md.Bytes())
}

func TestCheckRule(t *testing.T) {
	mk := func(better string, vs ...float64) Input {
		r := results.Result{Name: "x", Unit: "ns/op", Better: better, Samples: vs}
		if better == results.Higher {
			r.Unit = "B/s"
		}
		r.Summarize()
		return Input{Run: &results.Run{Results: []results.Result{r}}}
	}
	ten := func(center, spread float64) []float64 {
		var s []float64
		for i := range 10 {
			s = append(s, center*(1+spread*(float64(i)/4.5-1)))
		}
		return s
	}
	for _, tc := range []struct {
		what      string
		base, cur Input
		want      string
	}{
		{"time up 20%, tight", mk("lower", ten(100, 0.02)...), mk("lower", ten(120, 0.02)...), "regression"},
		{"time down 20%, tight", mk("lower", ten(100, 0.02)...), mk("lower", ten(80, 0.02)...), "improvement"},
		{"rate down 20%, tight", mk("higher", ten(100, 0.02)...), mk("higher", ten(80, 0.02)...), "regression"},
		{"rate up 20%, tight", mk("higher", ten(100, 0.02)...), mk("higher", ten(120, 0.02)...), "improvement"},
		// Host drift: 5 % between medians, significant, intervals ±2 %:
		// the intervals are 1 % apart, inside the threshold.
		{"drift 5%", mk("lower", ten(100, 0.02)...), mk("lower", ten(105, 0.02)...), "unchanged"},
		// 20 % up but each run spread ±30 %: the intervals overlap.
		{"noisy 20%", mk("lower", ten(100, 0.3)...), mk("lower", ten(120, 0.3)...), "unchanged"},
		// Too few samples for the U test: never a regression.
		{"3 samples", mk("lower", 100, 101, 99), mk("lower", 200, 201, 199), "unchanged"},
	} {
		c, err := CheckRuns(tc.base, tc.cur, DefaultThreshold)
		if err != nil {
			t.Fatal(err)
		}
		got := "unchanged"
		switch {
		case len(c.Regressions) > 0:
			got = "regression"
		case len(c.Improvements) > 0:
			got = "improvement"
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.what, got, tc.want)
		}
	}
	// Nothing in common: the gate refuses rather than passes.
	_, err := CheckRuns(mk("lower", 1, 2, 3), Input{Run: &results.Run{}}, DefaultThreshold)
	if !errors.Is(err, ErrNothingCompared) {
		t.Errorf("no common benchmark: %v, want ErrNothingCompared", err)
	}
}

func TestParseThreshold(t *testing.T) {
	for in, want := range map[string]float64{"5%": 0.05, "5": 0.05, "2.5%": 0.025, " 10 % ": 0.1, "0": 0} {
		if got, err := ParseThreshold(in); err != nil || got != want {
			t.Errorf("ParseThreshold(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "%", "five", "-1%", "NaN", "1e9"} {
		if _, err := ParseThreshold(bad); err == nil {
			t.Errorf("ParseThreshold(%q) accepted", bad)
		}
	}
}
