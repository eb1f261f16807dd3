package results

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"zbench/internal/host"
)

func sampleRun() *Run {
	r := &Run{
		Schema:   Schema,
		Zbench:   Version{Version: "(devel)", Commit: "abc123"},
		Started:  time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC),
		Finished: time.Date(2026, 11, 22, 3, 1, 0, 0, time.UTC),
		Host:     host.Env{Hostname: "vm", Kernel: "6.18.44", CPUModel: "AMD EPYC", CPUsOnline: 2, Mitigations: map[string]string{"meltdown": "Mitigation: PTI"}},
		Settings: Settings{Args: []string{"run", "lat/syscall"}, Count: 10, SampleTargetNs: 1e8, SamplesPerWorker: 1, CPU: 1},
		Sentinel: []Sentinel{{Round: 0, CPUNs: 1.25, SyscallNs: 101}, {Round: 1, CPUNs: 1.5, SyscallNs: 99}},
		Results: []Result{
			{Name: "lat/syscall/null", Unit: "ns/op", Better: Lower, Samples: []float64{175, 176, 174, 177, 175, 173, 178, 176, 175, 174},
				Iterations: []int64{5e5, 5e5, 5e5, 5e5, 5e5, 5e5, 5e5, 5e5, 5e5, 5e5}, Warnings: []string{"w"}},
			{Name: "lat/syscall/int80", Unit: "ns/op", Better: Lower, CPU: -1, Skipped: "no IA32 emulation"},
			{Name: "lat/syscall/broken", Unit: "ns/op", Better: Lower, Error: "worker failed"},
		},
	}
	r.Results[0].Summarize()
	r.Results[0].SetMetric("ns/enter", []float64{3, 2, 4, 3, 3, 2, 3, 4, 3, 3})
	return r
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "run.json")
	want := sampleRun()
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the run:\n got %+v\nwant %+v", got, want)
	}
	// Atomic write: only the final file remains.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only run.json (no temporary files left)", len(entries))
	}
	// Overwriting replaces the file whole.
	want.Results = want.Results[:1]
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	if got, _ := Read(path); len(got.Results) != 1 {
		t.Errorf("after overwrite: %d results, want 1", len(got.Results))
	}
}

func TestWriteRefusesNonFinite(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		r := sampleRun()
		r.Results[0].Samples[1] = bad
		path := filepath.Join(t.TempDir(), "run.json")
		if err := Write(path, r); err == nil || !strings.Contains(err.Error(), "lat/syscall/null") {
			t.Errorf("Write with a %v sample: err = %v, want an error naming the benchmark", bad, err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("a refused write left a file behind")
		}
	}
}

func TestReadErrors(t *testing.T) {
	good, err := os.ReadFile(writeTemp(t, sampleRun()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty", "", "empty file"},
		{"truncated", string(good[:len(good)/2]), "truncated"},
		{"garbage", "this is not json", "corrupt JSON at byte 2"},
		{"corrupt middle", strings.Replace(string(good), `"results": [`, `"results": [}`, 1), "corrupt JSON"},
		{"not a record", `{"hello": 1}`, `no "schema" field`},
		{"future schema", `{"schema": 3, "results": []}`, "schema 3 is not supported (this zbench reads schemas 1 to 2)"},
		{"schema 0", `{"schema": 0, "results": []}`, "schema 0 is not supported"},
		{"metric direction", `{"schema":2,"results":[{"name":"a","unit":"ns/op","better":"lower","samples":[1],"median":1,"min":1,"max":1,"metrics":{"p99-ns":1},"metric_stats":{"p99-ns":{"better":"up","samples":[1]}}}]}`, `metric p99-ns: "better" is "up"`},
		{"metric without samples", `{"schema":2,"results":[{"name":"a","unit":"ns/op","better":"lower","samples":[1],"median":1,"min":1,"max":1,"metrics":{"p99-ns":1},"metric_stats":{"p99-ns":{"better":"lower","samples":[]}}}]}`, "metric p99-ns has no samples"},
		{"metric without median", `{"schema":2,"results":[{"name":"a","unit":"ns/op","better":"lower","samples":[1],"median":1,"min":1,"max":1,"metric_stats":{"p99-ns":{"better":"lower","samples":[1]}}}]}`, `no median in "metrics"`},
		{"wrong type", strings.Replace(string(good), `"count": 10`, `"count": "ten"`, 1), `field "settings.count" has the wrong type`},
		{"no name", `{"schema":1,"results":[{"unit":"ns/op","better":"lower","samples":[1]}]}`, "result 0: no name"},
		{"duplicate", `{"schema":1,"results":[{"name":"a","skipped":"x"},{"name":"a","skipped":"x"}]}`, "appears twice"},
		{"no samples", `{"schema":1,"results":[{"name":"a","unit":"ns/op","better":"lower"}]}`, "no samples"},
		{"bad direction", `{"schema":1,"results":[{"name":"a","unit":"ns/op","better":"up","samples":[1]}]}`, `"better" is "up"`},
		{"iterations", `{"schema":1,"results":[{"name":"a","unit":"ns/op","better":"lower","samples":[1,2],"iterations":[1]}]}`, "2 samples but 1 iteration counts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.json")
			os.WriteFile(path, []byte(tc.data), 0o644)
			_, err := Read(path)
			if err == nil {
				t.Fatalf("Read accepted %s", tc.name)
			}
			if !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q: want it to name the file and contain %q", err, tc.want)
			}
		})
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing.json")); !os.IsNotExist(err) {
		t.Errorf("missing file: %v, want a not-exist error", err)
	}
}

// Records that lie are refused, naming the file and the benchmark: an
// impossible sample, or a stored summary its samples contradict.
func TestReadRefusesLies(t *testing.T) {
	for _, tc := range []struct {
		what   string
		change func(r *Result)
		want   string
	}{
		{"negative sample", func(r *Result) { r.Samples[3] = -177; r.Summarize() }, "sample 4 is -177: a ns/op is never negative"},
		{"median moved", func(r *Result) { r.Median *= 0.8 }, "the stored median 140 is not what the samples give (175)"},
		{"samples slowed, summary kept", func(r *Result) {
			for i := range r.Samples {
				r.Samples[i] *= 1.2
			}
		}, "the stored median 175 is not what the samples give (210)"},
		{"interval narrowed", func(r *Result) { lo := *r.CILow + 0.5; r.CILow = &lo }, "the stored ci_low"},
		{"interval dropped", func(r *Result) { r.CILow, r.CIHigh = nil, nil }, "the confidence interval is missing"},
		{"interval made up", func(r *Result) {
			r.Samples = r.Samples[:3]
			r.Iterations = r.Iterations[:3]
			r.Median, r.Min, r.Max = 175, 174, 176
		}, "a confidence interval is stored, but 3 samples are too few for one"},
		{"min", func(r *Result) { r.Min = 1 }, "the stored min 1"},
		{"metric median", func(r *Result) { r.Metrics["ns/enter"] = 2 }, "metric ns/enter: median 2 is not what the samples give (3)"},
		{"metric interval", func(r *Result) {
			m := r.MetricStats["ns/enter"]
			hi := *m.CIHigh * 2
			m.CIHigh = &hi
			r.MetricStats["ns/enter"] = m
		}, "metric ns/enter: ci_high"},
		{"negative metric", func(r *Result) { r.SetMetric("ns/enter", []float64{3, -2, 4}) }, "metric ns/enter: sample 2 is -2"},
	} {
		run := sampleRun()
		tc.change(&run.Results[0])
		path := filepath.Join(t.TempDir(), "lie.json")
		if err := Write(path, run); err != nil {
			t.Fatal(err)
		}
		_, err := Read(path)
		if err == nil || !strings.HasPrefix(err.Error(), path+": result 0 (lat/syscall/null): ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error naming the file, the benchmark and %q", tc.what, err, tc.want)
		}
	}
	// A value JSON can write but float64 cannot hold.
	path := filepath.Join(t.TempDir(), "inf.json")
	os.WriteFile(path, []byte(`{"schema":2,"results":[{"name":"a","unit":"ns/op","better":"lower","samples":[1e999]}]}`), 0o644)
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), `result 0 (a): field "results.samples" has the wrong type (number 1e999`) {
		t.Errorf("an infinite sample: %v", err)
	}
}

// A schema-1 record (no metric_stats, no sentinel) is still read, with its
// metrics' medians.
func TestReadSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.json")
	old := `{"schema":1,"results":[{"name":"lat/tcp/size=1B/cpu=same","unit":"ns/op","better":"lower",
		"samples":[10,11,12],"median":11,"min":10,"max":12,"metrics":{"p99-ns":15}}]}`
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	r := &run.Results[0]
	if run.Schema != 1 || r.Metrics["p99-ns"] != 15 || r.MetricStats != nil || run.Sentinel != nil {
		t.Errorf("schema-1 record read as %+v", run)
	}
	if _, ok := r.MetricResult("p99-ns"); ok {
		t.Errorf("a schema-1 metric (a median only) came back as a result with samples")
	}
}

func writeTemp(t *testing.T, r *Run) string {
	path := filepath.Join(t.TempDir(), "run.json")
	if err := Write(path, r); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSummarize(t *testing.T) {
	r := Result{Unit: "ns/op", Better: Lower, Samples: []float64{5, 1, 4, 2, 3, 9, 7, 8, 6, 10}}
	r.Summarize()
	if r.Median != 5.5 || r.Min != 1 || r.Max != 10 || r.Best() != 1 {
		t.Errorf("median %v min %v max %v best %v", r.Median, r.Min, r.Max, r.Best())
	}
	if r.CILow == nil || r.CIHigh == nil || !(*r.CILow <= r.Median && r.Median <= *r.CIHigh) || r.Confidence < Confidence {
		t.Errorf("CI %v..%v at %v does not bracket the median", r.CILow, r.CIHigh, r.Confidence)
	}
	if r.Samples[0] != 5 || r.Samples[9] != 10 {
		t.Errorf("Summarize reordered the samples: %v", r.Samples)
	}
	few := Result{Unit: "B/s", Better: Higher, Samples: []float64{3, 1, 2}}
	few.Summarize()
	if few.CILow != nil || few.CIHigh != nil || len(few.Warnings) != 1 || few.Best() != 3 {
		t.Errorf("3 samples: CI %v..%v warnings %q best %v; want no finite CI, one warning, best = max", few.CILow, few.CIHigh, few.Warnings, few.Best())
	}
	if _, ok := few.HalfCIPercent(); ok {
		t.Errorf("HalfCIPercent reported a width without an interval")
	}
}
