package report

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Every format on box-b.json: measured times and rates, a CPU-per-byte
// unit, extra metrics and a failed benchmark; box-a.json adds a skip.
func TestExportGolden(t *testing.T) {
	for _, file := range []string{"box-a", "box-b"} {
		in := load(t, file+".json")[0]
		for _, f := range []struct{ format, ext string }{
			{"benchfmt", "txt"}, {"bencher", "json"}, {"prom", "prom"}, {"csv", "csv"}, {"markdown", "md"}, {"junit", "xml"},
		} {
			var out bytes.Buffer
			if err := Export(&out, f.format, in); err != nil {
				t.Fatalf("%s: %v", f.format, err)
			}
			golden(t, "export-"+file+"."+f.format+"."+f.ext, out.Bytes())
		}
		smaller, bigger := GAB(in.Run)
		for name, entries := range map[string][]GABEntry{"smaller": smaller, "bigger": bigger} {
			data, err := json.MarshalIndent(entries, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "export-"+file+".gab-"+name+".json", append(data, '\n'))
		}
	}
	var out bytes.Buffer
	if err := Export(&out, "yaml", load(t, "box-a.json")[0]); err == nil {
		t.Error("an unknown format was accepted")
	}
}

func TestBenchName(t *testing.T) {
	for in, want := range map[string]string{
		"lat/syscall/null": "BenchmarkLat/syscall/null",
		"zerocopy/send/method=sendfile/size=64KiB/transport=veth": "BenchmarkZerocopy/send/method=sendfile/size=64KiB/transport=veth",
	} {
		if got := BenchName(in); got != want {
			t.Errorf("BenchName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPromFormat(t *testing.T) {
	var out bytes.Buffer
	run := load(t, "families.json")[0].Run
	if err := Prom(&out, run); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	// Prometheus' own text parser reads it, and reads back what was meant.
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(s))
	if err != nil {
		t.Fatalf("Prometheus' text parser refuses the page: %v", err)
	}
	if f := fams["zbench_last_run_timestamp_seconds"]; f == nil || f.GetType() != dto.MetricType_GAUGE ||
		f.Metric[0].GetGauge().GetValue() != float64(run.Finished.Unix()) {
		t.Errorf("zbench_last_run_timestamp_seconds: %v; want the run's end, %d", f, run.Finished.Unix())
	}
	for _, want := range []string{
		`zbench_bytes_per_second{benchmark="zerocopy/send/method=sendfile/size=64KiB/transport=loopback",method="sendfile",size="64KiB",transport="loopback"} `,
		`zbench_ns_per_op{benchmark="ctxsw/ring/procs=2/ws=0KiB/cpu=same/kind=process",procs="2",ws="0KiB",cpu="same",kind="process"} `,
		`zbench_metric_p99_9_ns{benchmark="lat/pipe/size=1B/cpu=same",size="1B",cpu="same"} `,
		`zbench_benchmark_status{benchmark="lat/syscall/int80",status="skipped"} 1`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("prom output lacks %q", want)
		}
	}
	// Each metric family's lines are together, after its HELP and TYPE.
	seen := map[string]bool{}
	last := ""
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		m := line[:strings.IndexAny(line, "{ ")]
		if m != last && seen[m] {
			t.Errorf("metric %s is split in two groups", m)
		}
		seen[m], last = true, m
	}
}

// benchstat reads the benchfmt export of two runs and compares them, and
// -col /path puts the variants named path=... side by side. benchstat comes
// from the module's own golang.org/x/perf (go.mod pins it), built from the
// module cache: no network after `go mod download`.
func TestBenchstatReadsExport(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build benchstat with")
	}
	dir := t.TempDir()
	var files []string
	for _, f := range []string{"vm-run1", "vm-run2"} {
		var out bytes.Buffer
		if err := Benchfmt(&out, load(t, f+".json")[0].Run); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, f+".txt")
		os.WriteFile(path, out.Bytes(), 0o644)
		files = append(files, path)
	}
	benchstat := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goTool, append([]string{"run", "golang.org/x/perf/cmd/benchstat"}, args...)...)
		cmd.Env = append(os.Environ(), "GOPROXY=off") // offline: from the module cache
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("benchstat %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := benchstat(files...)
	for _, want := range []string{"vm-run1.txt", "vm-run2.txt", "vs base", "Lat/syscall/null/path=inline", "sec/op", "~ (p=0.684 n=10)"} {
		if !strings.Contains(out, want) {
			t.Errorf("benchstat output lacks %q:\n%s", want, out)
		}
	}
	// openclose: benchstat's own test agrees with zbench compare (+2.2 %, p = 0.015).
	if !strings.Contains(out, "+2.17% (p=0.015 n=10)") {
		t.Errorf("benchstat and zbench disagree on lat/syscall/openclose:\n%s", out)
	}
	// Schema 2: every sample line carries the metrics of that sample, and
	// benchstat compares each metric as a unit of its own.
	var metricFiles []string
	for _, f := range []string{"gate-syscall6-a", "gate-syscall6-b"} {
		var out bytes.Buffer
		if err := Benchfmt(&out, load(t, f+".json")[0].Run); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "p99-ns") || !strings.Contains(out.String(), "Unit p99-ns better=lower") {
			t.Errorf("%s: the export lacks the p99-ns samples", f)
		}
		path := filepath.Join(dir, f+".txt")
		os.WriteFile(path, out.Bytes(), 0o644)
		metricFiles = append(metricFiles, path)
	}
	out = benchstat(metricFiles...)
	// benchstat tidies ns to sec: p99-ns is its p99-sec, ns/enter its
	// sec/enter. Its verdict on the pipe is zbench compare's.
	for _, want := range []string{"p99-sec", "p99.9-sec", "sec/enter", "-55.52% (p=0.015 n=6)"} {
		if !strings.Contains(out, want) {
			t.Errorf("benchstat output of schema-2 exports lacks %q:\n%s", want, out)
		}
	}
	out = benchstat("-col", "/path", files[0])
	for _, want := range []string{"inline", "raw", "go", "Lat/syscall/null "} {
		if !strings.Contains(out, want) {
			t.Errorf("benchstat -col /path lacks %q:\n%s", want, out)
		}
	}
}

// A real schema-2 run: Prometheus' parser reads every metric, with the
// interval of each metric that kept its samples.
func TestPromRealRun(t *testing.T) {
	var out bytes.Buffer
	if err := Prom(&out, load(t, "gate-default-a.json")[0].Run); err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(&out)
	if err != nil {
		t.Fatalf("Prometheus' text parser refuses the page: %v", err)
	}
	found := false
	for _, m := range fams["zbench_metric_p99_ns_ci_high"].GetMetric() {
		for _, l := range m.Label {
			found = found || (l.GetName() == "benchmark" && l.GetValue() == "lat/pipe/size=1B/cpu=same")
		}
	}
	if !found {
		t.Errorf("no interval of the pipe's p99-ns: %v", fams["zbench_metric_p99_ns_ci_high"])
	}
	if n := len(fams["zbench_metric_copied_fraction"].GetMetric()); n != 2 {
		t.Errorf("copied-fraction of %d zerocopy sends, want 2 (msgzerocopy and uringzc)", n)
	}
}
