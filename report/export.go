package report

import (
	"bytes"
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

	"github.com/olekukonko/tablewriter/tw"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"golang.org/x/perf/benchfmt"
	"google.golang.org/protobuf/proto"

	"zbench/name"
	"zbench/results"
)

// ExportFormats are the formats of `zbench export`.
var ExportFormats = []string{"benchfmt", "gab", "bencher", "prom", "csv", "markdown", "junit"}

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
	case "junit":
		return JUnit(w, in.Run)
	case "gab":
		return fmt.Errorf("format gab writes two files: give a directory")
	}
	return fmt.Errorf("unknown export format %q (want one of %s)", format, strings.Join(ExportFormats, ", "))
}

// BenchName is the Go benchmark format's name of a zbench benchmark
// (docs/design.md §3): "lat/syscall/null" → "BenchmarkLat/syscall/null", so that
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

// Benchfmt writes run in the Go benchmark format that benchstat reads,
// through x/perf's benchfmt writer: configuration lines describing the host
// (benchstat puts runs whose configuration differs in separate tables:
// compare machines with -ignore host,kernel,cpu,cpus), a Unit line per unit
// saying which direction is better, and one result line per sample with its
// iteration count and every unit measured in it: the benchmark's own and
// each metric's value in that sample (schema 2), so that benchstat sees
// every sample of every unit and computes the same medians and intervals
// zbench does. A metric with fewer values than the benchmark has samples
// (one not reported in every sample) gets lines of its own. A metric that
// the record keeps only as a median (schema 1) is left out: it is not a
// sample. Skipped and failed benchmarks appear as comment lines, which
// benchstat ignores.
func Benchfmt(w io.Writer, run *results.Run) error {
	h := run.Host
	var cfg []benchfmt.Config
	add := func(k, v string) {
		if v = strings.TrimSpace(strings.ReplaceAll(v, "\n", " ")); v != "" {
			cfg = append(cfg, benchfmt.Config{Key: k, Value: []byte(v), File: true})
		}
	}
	add("goos", h.OS)
	add("goarch", h.Arch)
	add("cpu", h.CPUModel)
	add("host", h.Hostname)
	add("kernel", h.Kernel)
	if h.CPUsOnline > 0 {
		add("cpus", strconv.Itoa(h.CPUsOnline))
	}
	add("governor", h.Governor)
	add("virtualization", h.Virtualization)
	add("go", h.Go)
	// Not a configuration line: benchstat splits tables on any key whose
	// value differs between files, and two builds compared on one host
	// differ exactly here.
	if _, err := fmt.Fprintf(w, "# zbench %s, started %s\n", version(run), run.Started.UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	units := map[string]string{}
	for i := range run.Results {
		r := &run.Results[i]
		if !measuredOK(r) {
			continue
		}
		units[r.Unit] = r.Better
		for k, m := range r.MetricStats {
			if _, ok := units[k]; !ok || units[k] == "" {
				units[k] = m.Better
			}
		}
	}
	bw := benchfmt.NewWriter(w)
	for _, u := range slices.Sorted(maps.Keys(units)) {
		if units[u] == "" {
			continue
		}
		if err := bw.Write(&benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u, Key: "better"}, OrigUnit: u, Value: units[u]}); err != nil {
			return err
		}
	}
	for i := range run.Results {
		r := &run.Results[i]
		var err error
		switch {
		case r.Skipped != "":
			_, err = fmt.Fprintf(w, "# %s: skipped: %s\n", r.Name, oneLine(r.Skipped))
		case r.Error != "":
			_, err = fmt.Fprintf(w, "# %s: error: %s\n", r.Name, oneLine(r.Error))
		}
		if err != nil {
			return err
		}
		if !measuredOK(r) {
			continue
		}
		name := benchfmt.Name(strings.TrimPrefix(BenchName(r.Name), "Benchmark"))
		iters := func(i int) int {
			if i < len(r.Iterations) && r.Iterations[i] > 0 {
				return int(r.Iterations[i])
			}
			return 1
		}
		var aligned, apart []string
		for _, k := range slices.Sorted(maps.Keys(r.MetricStats)) {
			if k == r.Unit {
				continue
			}
			if len(r.MetricStats[k].Samples) == len(r.Samples) {
				aligned = append(aligned, k)
			} else {
				apart = append(apart, k)
			}
		}
		for i, v := range r.Samples {
			vals := []benchfmt.Value{{Value: v, Unit: r.Unit}}
			for _, k := range aligned {
				vals = append(vals, benchfmt.Value{Value: r.MetricStats[k].Samples[i], Unit: k})
			}
			if err := bw.Write(&benchfmt.Result{Config: cfg, Name: name, Iters: iters(i), Values: vals}); err != nil {
				return err
			}
		}
		for _, k := range apart {
			for i, v := range r.MetricStats[k].Samples {
				if err := bw.Write(&benchfmt.Result{Config: cfg, Name: name, Iters: iters(i), Values: []benchfmt.Value{{Value: v, Unit: k}}}); err != nil {
					return err
				}
			}
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

// withMetrics is a measured result followed by each of its metrics that
// has samples (schema 2), each as a result of its own whose unit is the
// metric's name (results.Result.MetricResult), sorted by name.
func withMetrics(r *results.Result) []*results.Result {
	out := []*results.Result{r}
	for _, k := range slices.Sorted(maps.Keys(r.MetricStats)) {
		if k == r.Unit {
			continue
		}
		if m, ok := r.MetricResult(k); ok {
			out = append(out, &m)
		}
	}
	return out
}

// GAB splits run into github-action-benchmark's two custom tools: entries
// for `tool: customSmallerIsBetter` (times, CPU per byte) and for
// `tool: customBiggerIsBetter` (rates). Each value is a median; range is
// "± " the larger half-width of its 95 % confidence interval. Each metric
// with samples and a direction is an entry of its own, named
// "BENCHMARK METRIC"; a metric with no direction (a fraction) fits neither
// tool and is left out.
func GAB(run *results.Run) (smaller, bigger []GABEntry) {
	for i := range run.Results {
		r := &run.Results[i]
		if !measuredOK(r) {
			continue
		}
		for _, x := range withMetrics(r) {
			name := r.Name
			if x != r {
				name += " " + x.Unit
			}
			e := GABEntry{Name: name, Unit: x.Unit, Value: tidy(x.Median)}
			if x.CILow != nil && x.CIHigh != nil {
				e.Range = "± " + strconv.FormatFloat(max(x.Median-*x.CILow, *x.CIHigh-x.Median), 'g', 4, 64)
			}
			e.Extra = fmt.Sprintf("%d samples; median ± 95%% CI %s; %s, %s, zbench %s", len(x.Samples), FormatCI(x),
				run.Host.Hostname, run.Host.Kernel, version(run))
			switch x.Better {
			case results.Higher:
				bigger = append(bigger, e)
			case results.Lower:
				smaller = append(smaller, e)
			}
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
// one), and each of the benchmark's metrics as a further measure, with its
// interval where the record keeps its samples (schema 2), its median alone
// otherwise.
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
		m := map[string]metric{}
		for _, x := range withMetrics(r) {
			k := x.Unit
			if x == r {
				k = bencherMeasure(r.Unit)
			}
			m[k] = metric{Value: tidy(x.Median), Lower: tidyPtr(x.CILow), Upper: tidyPtr(x.CIHigh)}
		}
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

// Prom writes run for node_exporter's textfile collector, through
// Prometheus' own text encoder (expfmt): gauges without timestamps, one
// metric per unit (zbench_ns_per_op, zbench_bytes_per_second, ... in the
// benchmark's own unit, with _ci_low and _ci_high beside the median), each
// benchmark's metrics (zbench_metric_KEY, with _ci_low and _ci_high where the
// record keeps the metric's samples), its sample count and status, the
// run's identity (zbench_run_info) and zbench_last_run_timestamp_seconds.
// Labels: benchmark (the full name) and one label per key=value parameter of
// the name.
func Prom(w io.Writer, run *results.Run) error {
	fams := map[string]*dto.MetricFamily{}
	var order []string
	add := func(metric, help string, labels [][2]string, v float64) {
		f, ok := fams[metric]
		if !ok {
			f = &dto.MetricFamily{Name: proto.String(metric), Help: proto.String(help), Type: dto.MetricType_GAUGE.Enum()}
			fams[metric] = f
			order = append(order, metric)
		}
		m := &dto.Metric{Gauge: &dto.Gauge{Value: proto.Float64(v)}}
		for _, l := range labels {
			if l[1] != "" {
				m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(l[0]), Value: proto.String(l[1])})
			}
		}
		f.Metric = append(f.Metric, m)
	}
	h := run.Host
	add("zbench_last_run_timestamp_seconds", "When the last zbench run finished, in seconds since the Unix epoch.", nil,
		float64(run.Finished.UnixMilli())/1e3)
	add("zbench_run_info", "The zbench run these figures come from; the value is always 1.",
		[][2]string{{"host", h.Hostname}, {"kernel", h.Kernel}, {"cpu_model", h.CPUModel},
			{"version", run.Zbench.Version}, {"commit", run.Zbench.Commit}}, 1)
	for i := range run.Results {
		r := &run.Results[i]
		labels := benchLabels(r.Name)
		status := resultState(r)
		if status == "measured" {
			status = "ok" // the status values this metric has always had
		}
		add("zbench_benchmark_status", "Outcome of each benchmark in the last run (ok, skipped or error); the value is always 1.",
			append(slices.Clone(labels), [2]string{"status", status}), 1)
		if status != "ok" {
			continue
		}
		u := promUnitName(r.Unit)
		dir := r.Better + " is better"
		add("zbench_"+u, fmt.Sprintf("Median of the benchmark's samples, in %s (%s).", r.Unit, dir), labels, tidy(r.Median))
		if r.CILow != nil && r.CIHigh != nil {
			add("zbench_"+u+"_ci_low", fmt.Sprintf("Low end of the 95%% confidence interval of the median, in %s.", r.Unit), labels, tidy(*r.CILow))
			add("zbench_"+u+"_ci_high", fmt.Sprintf("High end of the 95%% confidence interval of the median, in %s.", r.Unit), labels, tidy(*r.CIHigh))
		}
		add("zbench_samples", "Number of samples behind each benchmark's summary.", labels, float64(len(r.Samples)))
		for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
			name := "zbench_metric_" + promName(k)
			add(name, fmt.Sprintf("The benchmark metric %q (median over samples).", k), labels, tidy(r.Metrics[k]))
			if m, ok := r.MetricResult(k); ok && m.CILow != nil && m.CIHigh != nil {
				add(name+"_ci_low", fmt.Sprintf("Low end of the 95%% confidence interval of the median of metric %q.", k), labels, tidy(*m.CILow))
				add(name+"_ci_high", fmt.Sprintf("High end of the 95%% confidence interval of the median of metric %q.", k), labels, tidy(*m.CIHigh))
			}
		}
	}
	// Encode whole, then write: a failed family leaves nothing half-written.
	var buf bytes.Buffer
	for _, m := range order {
		if _, err := expfmt.MetricFamilyToText(&buf, fams[m]); err != nil {
			return fmt.Errorf("prom: %s: %w", m, err)
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
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

// CSVHeader is the header of the csv export: the same columns whatever the
// run holds, so that files from many runs and hosts concatenate (keep the
// first file's header: tail -n +2 the others).
var CSVHeader = []string{"host", "started", "zbench", "commit", "benchmark", "metric", "unit", "better", "status",
	"samples", "median", "ci_low", "ci_high", "min", "max", "note"}

// CSV writes one row per benchmark, then one per metric of it (long format),
// each with the run's host, start time and build, its summary and status.
// A metric that the record keeps only as a median (schema 1) has the median
// alone.
func CSV(w io.Writer, run *results.Run) error {
	cw := csv.NewWriter(w)
	cw.Write(CSVHeader)
	started := run.Started.UTC().Format(time.RFC3339)
	for i := range run.Results {
		r := &run.Results[i]
		status := resultState(r) // measured, skipped or error
		row := func(metric string, x *results.Result, note string) []string {
			rec := []string{run.Host.Hostname, started, run.Zbench.Version, run.Zbench.Commit, r.Name, metric,
				x.Unit, x.Better, status, strconv.Itoa(len(x.Samples)), "", "", "", "", "", note}
			if status == "measured" && len(x.Samples) > 0 {
				rec[10], rec[13], rec[14] = fnum(x.Median), fnum(x.Min), fnum(x.Max)
				if x.CILow != nil && x.CIHigh != nil {
					rec[11], rec[12] = fnum(*x.CILow), fnum(*x.CIHigh)
				}
			}
			return rec
		}
		cw.Write(row("", r, oneLine(r.Skipped+r.Error)))
		if status == "skipped" {
			continue
		}
		for _, k := range r.MetricNames() {
			if m, ok := r.MetricResult(k); ok {
				cw.Write(row(k, &m, ""))
				continue
			}
			rec := row(k, &results.Result{Unit: k, Better: results.MetricBetter(k)}, "median only: the record keeps no samples of this metric")
			rec[9], rec[10] = "", fnum(r.Metrics[k])
			cw.Write(rec)
		}
	}
	cw.Flush()
	return cw.Error()
}

// Markdown writes one run as a Markdown table, the Markdown twin of the
// `zbench run` table, followed by a table of the benchmarks' metrics.
func Markdown(w io.Writer, in Input) error {
	r := in.Run
	fmt.Fprintf(w, "### zbench run: %s\n\n", mdEscape(describe(in)))
	fmt.Fprintf(w, "%d samples per benchmark, %s; median ± 95%% CI, best = the best sample.\n\n",
		r.Settings.Count, sampleLength(&r.Settings))
	runGrid(r).markdown(w)
	var rows [][]string
	for i := range r.Results {
		x := &r.Results[i]
		if !measuredOK(x) {
			continue
		}
		for _, k := range x.MetricNames() {
			row := []string{x.Name, k, "", ""}
			if m, ok := x.MetricResult(k); ok {
				row[2], row[3] = FormatValue(m.Median, k), FormatCI(&m)
			} else {
				row[2], row[3] = FormatValue(x.Metrics[k], k), "median only"
			}
			rows = append(rows, row)
		}
	}
	if len(rows) > 0 {
		fmt.Fprintf(w, "\n#### Metrics\n\n")
		writeMarkdownTable(w, []string{"benchmark", "metric", "median", "± CI"},
			[]tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight}, rows)
	}
	return nil
}
