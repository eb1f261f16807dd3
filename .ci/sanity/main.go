// Command sanity reads back the record of a `zbench run --quick --json` and
// checks what must hold for any host: a valid record of the current schema,
// the same run on stdout and in the file, every benchmark measured or
// skipped with a reason, every metric with its samples, the host sentinel of
// every round, and plausible system-call figures.
package main

import (
	"fmt"
	"os"

	"zbench/results"
)

func main() {
	if err := check(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "sanity:", err)
		os.Exit(1)
	}
}

func check(file, stdout string) error {
	rec, err := results.Read(file)
	if err != nil {
		return err
	}
	printed, err := results.Read(stdout)
	if err != nil {
		return fmt.Errorf("--json output: %w", err)
	}
	if len(rec.Results) == 0 || len(printed.Results) != len(rec.Results) {
		return fmt.Errorf("%d results in the file, %d printed", len(rec.Results), len(printed.Results))
	}
	if rec.Host.Kernel == "" || rec.Host.CPUsOnline < 1 {
		return fmt.Errorf("no environment recorded: %+v", rec.Host)
	}
	byName := map[string]*results.Result{}
	measured, skipped := 0, 0
	for i := range rec.Results {
		r := &rec.Results[i]
		byName[r.Name] = r
		switch {
		case r.Error != "":
			return fmt.Errorf("%s: error: %s", r.Name, r.Error)
		case r.Skipped != "":
			skipped++
		case len(r.Samples) != rec.Settings.Count:
			return fmt.Errorf("%s: %d samples, want %d", r.Name, len(r.Samples), rec.Settings.Count)
		default:
			measured++
		}
		for m := range r.Metrics {
			if n := len(r.MetricStats[m].Samples); n != len(r.Samples) {
				return fmt.Errorf("%s: metric %s has %d samples, the benchmark %d", r.Name, m, n, len(r.Samples))
			}
		}
	}
	if rec.Schema != results.Schema {
		return fmt.Errorf("schema %d, want %d", rec.Schema, results.Schema)
	}
	if len(rec.Sentinel) == 0 {
		return fmt.Errorf("no host sentinel recorded")
	}
	for _, s := range rec.Sentinel {
		if !(s.CPUNs > 0) || !(s.SyscallNs > 0) {
			return fmt.Errorf("host sentinel of round %d: %+v", s.Round, s)
		}
	}
	null, vdso := byName["lat/syscall/null"], byName["lat/syscall/vdso"]
	if null == nil || !null.Measured() {
		return fmt.Errorf("the default suite did not measure lat/syscall/null")
	}
	if null.Median < 10 || null.Median > 10000 {
		return fmt.Errorf("lat/syscall/null = %v ns/op, want 10 ns to 10 µs", null.Median)
	}
	if vdso != nil && vdso.Measured() && vdso.Median > null.Median {
		return fmt.Errorf("vdso %v ns/op > null syscall %v ns/op", vdso.Median, null.Median)
	}
	fmt.Printf("sanity: %d measured, %d skipped; lat/syscall/null %.1f ns/op\n", measured, skipped, null.Median)
	return nil
}
