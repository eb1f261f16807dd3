package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	"zbench/name"

	"zbench/results"
)

// ExportFormats are the formats of `zbench export`.
var ExportFormats = []string{"benchfmt", "gab", "bencher", "prom", "csv", "markdown"}

// Export writes one run in format: every format but "gab", which has two
// outputs (see GAB).
func Export(w io.Writer, format string, in Input) error {
	switch format {
	case "benchfmt":
		return Benchfmt(w, in.Run)
	case "bencher":
		return Bencher(w, in.Run)
	case "prom":
		return Prom(w, in.Run)
	case "csv":
		return CSV(w, in.Run)
	case "markdown":
		return Markdown(w, in)
	case "gab":
		return fmt.Errorf("format gab writes two files: give a directory")
	}
	return fmt.Errorf("unknown export format %q (want one of %s)", format, strings.Join(ExportFormats, ", "))
}

// BenchName is the Go benchmark format's name of a zbench benchmark
// (DESIGN.md §3): "lat/syscall/null" → "BenchmarkLat/syscall/null", so that
// benchstat's -col /method and -row /size work on the key=value parts.
func BenchName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, name)
	r, n := utf8.DecodeRuneInString(name)
	return "Benchmark" + string(unicode.ToUpper(r)) + name[n:]
}

// Benchfmt writes run in the Go benchmark format that benchstat reads:
// configuration lines describing the host (benchstat puts runs whose
// configuration differs in separate tables: compare machines with
// -ignore host,kernel,cpu,cpus), a Unit line per unit saying
// which direction is better, and one result line per sample (with its
// iteration count), so that benchstat sees every sample and computes the
// same median and interval zbench does. Skipped and failed benchmarks
// appear as comment lines, which benchstat ignores. Per-benchmark metrics
// (percentiles, CPU per byte, ...) are medians, not samples, and are left
// to the other formats.
func Benchfmt(w io.Writer, run *results.Run) error {
	h := run.Host
	cfg := func(k, v string) {
		if v = strings.TrimSpace(strings.ReplaceAll(v, "\n", " ")); v != "" {
			fmt.Fprintf(w, "%s: %s\n", k, v)
		}
	}
	cfg("goos", h.OS)
	cfg("goarch", h.Arch)
	cfg("cpu", h.CPUModel)
	cfg("host", h.Hostname)
	cfg("kernel", h.Kernel)
	if h.CPUsOnline > 0 {
		cfg("cpus", strconv.Itoa(h.CPUsOnline))
	}
	cfg("governor", h.Governor)
	cfg("virtualization", h.Virtualization)
	cfg("go", h.Go)
	// Not a configuration line: benchstat splits tables on any key whose
	// value differs between files, and two builds compared on one host
	// differ exactly here.
	fmt.Fprintf(w, "# zbench %s, started %s\n", version(run), run.Started.UTC().Format(time.RFC3339))
	units := map[string]string{}
	for _, r := range run.Results {
		if r.Measured() && r.Skipped == "" && r.Error == "" {
			units[r.Unit] = r.Better
		}
	}
	for _, u := range slices.Sorted(maps.Keys(units)) {
		fmt.Fprintf(w, "Unit %s better=%s\n", u, units[u])
	}
	fmt.Fprintln(w)
	for _, r := range run.Results {
		switch {
		case r.Skipped != "":
			fmt.Fprintf(w, "# %s: skipped: %s\n", r.Name, oneLine(r.Skipped))
			continue
		case r.Error != "":
			fmt.Fprintf(w, "# %s: error: %s\n", r.Name, oneLine(r.Error))
			continue
		}
		name := BenchName(r.Name)
		for i, v := range r.Samples {
			n := int64(1)
			if i < len(r.Iterations) && r.Iterations[i] > 0 {
				n = r.Iterations[i]
			}
			fmt.Fprintf(w, "%s\t%d\t%s %s\n", name, n, strconv.FormatFloat(v, 'g', -1, 64), r.Unit)
		}
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// GABEntry is one benchmark in github-action-benchmark's custom JSON format.
type GABEntry struct {
	Name  string  `json:"name"`
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
	Range string  `json:"range,omitempty"`
	Extra string  `json:"extra,omitempty"`
}

// GAB splits run into github-action-benchmark's two custom tools: entries
// for `tool: customSmallerIsBetter` (times, CPU per byte) and for
// `tool: customBiggerIsBetter` (rates). Each value is a median; range is
// "± " the larger half-width of its 95 % confidence interval.
func GAB(run *results.Run) (smaller, bigger []GABEntry) {
	for i := range run.Results {
		r := &run.Results[i]
		if !measuredOK(r) {
			continue
		}
		e := GABEntry{Name: r.Name, Unit: r.Unit, Value: tidy(r.Median)}
		if r.CILow != nil && r.CIHigh != nil {
			e.Range = "± " + strconv.FormatFloat(max(r.Median-*r.CILow, *r.CIHigh-r.Median), 'g', 4, 64)
		}
		e.Extra = fmt.Sprintf("%d samples; median ± 95%% CI %s; %s, %s, zbench %s", len(r.Samples), FormatCI(r),
			run.Host.Hostname, run.Host.Kernel, version(run))
		if r.Better == results.Higher {
			bigger = append(bigger, e)
		} else {
			smaller = append(smaller, e)
		}
	}
	return smaller, bigger
}

// bencherMeasure maps a unit to a Bencher measure: Bencher's built-in
// "latency" (nanoseconds) and "throughput" (operations per second) where
// the units agree, the unit itself (a measure Bencher creates) otherwise.
func bencherMeasure(unit string) string {
	switch unit {
	case "ns/op":
		return "latency"
	case "op/s":
		return "throughput"
	}
	return unit
}

// Bencher writes run in the Bencher Metric Format: for each benchmark, a
// measure with the median as value and the 95 % confidence interval as
// lower_value and upper_value (absent where there are too few samples for
// one), and the benchmark's extra metrics as further measures (value only:
// they are medians).
func Bencher(w io.Writer, run *results.Run) error {
	type metric struct {
		Value float64  `json:"value"`
		Lower *float64 `json:"lower_value,omitempty"`
		Upper *float64 `json:"upper_value,omitempty"`
	}
	out := map[string]map[string]metric{}
	for i := range run.Results {
		r := &run.Results[i]
		if !measuredOK(r) {
			continue
		}
		m := map[string]metric{bencherMeasure(r.Unit): {Value: tidy(r.Median), Lower: tidyPtr(r.CILow), Upper: tidyPtr(r.CIHigh)}}
		for k, v := range r.Metrics {
			if _, taken := m[k]; !taken {
				m[k] = metric{Value: tidy(v)}
			}
		}
		out[r.Name] = m
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out) // maps encode with sorted keys: stable output
}

var promUnsafe = regexp.MustCompile(`[^a-zA-Z0-9_]+`)

// promName makes a Prometheus metric or label name of s: "ns/op" →
// "ns_per_op", "p99.9-ns" → "p99_9_ns".
func promName(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "/", "_per_"))
	s = strings.Trim(promUnsafe.ReplaceAllString(s, "_"), "_")
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "_" + s
	}
	return s
}

// promUnitName names the metric of a unit after what it counts.
func promUnitName(unit string) string {
	switch unit {
	case "B/s":
		return "bytes_per_second"
	case "op/s":
		return "ops_per_second"
	case "cpu-ns/B":
		return "cpu_ns_per_byte"
	}
	return promName(unit)
}

func promEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// Prom writes run for node_exporter's textfile collector: gauges without
// timestamps, one metric per unit (zbench_ns_per_op, zbench_bytes_per_second,
// ... in the benchmark's own unit, with _ci_low and _ci_high beside the
// median), each benchmark's extra metrics (zbench_metric_KEY), its sample
// count and status, the run's identity (zbench_run_info) and
// zbench_last_run_timestamp_seconds. Labels: benchmark (the full name) and
// one label per key=value parameter of the name.
func Prom(w io.Writer, run *results.Run) error {
	type sample struct {
		labels string
		value  float64
	}
	type family struct {
		help    string
		samples []sample
	}
	fams := map[string]*family{}
	var order []string
	add := func(metric, help, labels string, v float64) {
		f, ok := fams[metric]
		if !ok {
			f = &family{help: help}
			fams[metric] = f
			order = append(order, metric)
		}
		f.samples = append(f.samples, sample{labels, v})
	}
	h := run.Host
	add("zbench_last_run_timestamp_seconds", "When the last zbench run finished, in seconds since the Unix epoch.", "",
		float64(run.Finished.UnixMilli())/1e3)
	add("zbench_run_info", "The zbench run these figures come from; the value is always 1.",
		promLabels([][2]string{{"host", h.Hostname}, {"kernel", h.Kernel}, {"cpu_model", h.CPUModel},
			{"version", run.Zbench.Version}, {"commit", run.Zbench.Commit}}), 1)
	for i := range run.Results {
		r := &run.Results[i]
		labels := benchLabels(r.Name)
		status := "ok"
		switch {
		case r.Skipped != "":
			status = "skipped"
		case r.Error != "":
			status = "error"
		}
		add("zbench_benchmark_status", "Outcome of each benchmark in the last run (ok, skipped or error); the value is always 1.",
			promLabels(append(slices.Clone(labels), [2]string{"status", status})), 1)
		if status != "ok" {
			continue
		}
		l := promLabels(labels)
		u := promUnitName(r.Unit)
		dir := r.Better + " is better"
		add("zbench_"+u, fmt.Sprintf("Median of the benchmark's samples, in %s (%s).", r.Unit, dir), l, r.Median)
		if r.CILow != nil && r.CIHigh != nil {
			add("zbench_"+u+"_ci_low", fmt.Sprintf("Low end of the 95%% confidence interval of the median, in %s.", r.Unit), l, *r.CILow)
			add("zbench_"+u+"_ci_high", fmt.Sprintf("High end of the 95%% confidence interval of the median, in %s.", r.Unit), l, *r.CIHigh)
		}
		add("zbench_samples", "Number of samples behind each benchmark's summary.", l, float64(len(r.Samples)))
		for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
			add("zbench_metric_"+promName(k), fmt.Sprintf("The benchmark metric %q (median over samples).", k), l, r.Metrics[k])
		}
	}
	for _, m := range order {
		f := fams[m]
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", m, f.help, m)
		for _, s := range f.samples {
			fmt.Fprintf(w, "%s%s %s\n", m, s.labels, fnum(s.value))
		}
	}
	return nil
}

// benchLabels are the labels of a benchmark: its full name, and each
// key=value parameter of the name (renamed param_KEY where the key would
// clash with a label zbench sets itself).
func benchLabels(full string) [][2]string {
	n := name.Parse(full)
	l := [][2]string{{"benchmark", full}}
	for _, k := range n.Keys() {
		lk := promName(k)
		if lk == "benchmark" || lk == "status" || strings.HasPrefix(lk, "__") {
			lk = "param_" + strings.TrimLeft(lk, "_")
		}
		l = append(l, [2]string{lk, n.Param(k)})
	}
	return l
}

func promLabels(kv [][2]string) string {
	var parts []string
	for _, p := range kv {
		if p[1] == "" {
			continue
		}
		parts = append(parts, p[0]+`="`+promEscape(p[1])+`"`)
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// CSV writes one row per benchmark: its summary and status, then one column
// per extra metric found in the run.
func CSV(w io.Writer, run *results.Run) error {
	metrics := map[string]bool{}
	for _, r := range run.Results {
		for k := range r.Metrics {
			metrics[k] = true
		}
	}
	keys := slices.Sorted(maps.Keys(metrics))
	cw := csv.NewWriter(w)
	cw.Write(append([]string{"benchmark", "unit", "better", "status", "samples", "median", "ci_low", "ci_high",
		"min", "max", "note"}, keys...))
	for i := range run.Results {
		r := &run.Results[i]
		status := "measured"
		switch {
		case r.Skipped != "":
			status = "skipped"
		case r.Error != "":
			status = "error"
		}
		rec := []string{r.Name, r.Unit, r.Better, status, strconv.Itoa(len(r.Samples)), "", "", "", "", "",
			oneLine(r.Skipped + r.Error)}
		if status == "measured" {
			rec[5], rec[8], rec[9] = fnum(r.Median), fnum(r.Min), fnum(r.Max)
			if r.CILow != nil && r.CIHigh != nil {
				rec[6], rec[7] = fnum(*r.CILow), fnum(*r.CIHigh)
			}
		}
		for _, k := range keys {
			v, ok := r.Metrics[k]
			s := ""
			if ok {
				s = fnum(v)
			}
			rec = append(rec, s)
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// Markdown writes one run as a Markdown table, the Markdown twin of the
// `zbench run` table.
func Markdown(w io.Writer, in Input) error {
	r := in.Run
	fmt.Fprintf(w, "### zbench run: %s\n\n", mdEscape(describe(in)))
	fmt.Fprintf(w, "%d samples per benchmark, %s; median ± 95%% CI, best = the best sample.\n\n",
		r.Settings.Count, sampleLength(&r.Settings))
	runGrid(r).markdown(w)
	return nil
}
