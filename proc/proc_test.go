package proc

import (
	"math"
	"strings"
	"testing"

	"zbench/internal/benchtest"
)

func TestMain(m *testing.M) { benchtest.Main(m, Specs) }

// A spawn runs: every sample timed at least one whole spawn, and the result
// is a time.
func TestSpawn(t *testing.T) {
	for _, r := range benchtest.Run(t, Specs(), benchtest.Options{Count: 2}, "proc/spawn") {
		if r.Error != "" {
			t.Fatalf("%s: %s", r.Name, r.Error)
		}
		for i, n := range r.Iterations {
			if n < 1 {
				t.Errorf("sample %d timed %d spawns", i, n)
			}
		}
		if !(r.Median > 0) || math.IsInf(r.Median, 0) {
			t.Errorf("%s = %v ns/op: not a time", r.Name, r.Median)
		}
	}
}

// A program that is missing is a skip with the reason, not an error.
func TestSpawnNeedsTheProgram(t *testing.T) {
	saved := trueProgram
	defer func() { trueProgram = saved }()
	trueProgram = "/nonexistent/zbench-true"
	err := programRuns()
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/zbench-true") {
		t.Errorf("programRuns() = %v, want a skip naming the program", err)
	}
}
