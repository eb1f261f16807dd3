package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"zbench/name"

	"zbench/internal/host"
	"zbench/results"
)

// The synthetic fixtures under testdata/ are written by this file with
// -update and checked against it otherwise, so that what they contain is
// readable here:
//
//   - box-a.json, box-b.json: two machines, with a significant change each
//     way, no change, too few samples, a skip, an error, a benchmark missing
//     from each side and a unit that differs; a metric with its samples
//     (sender-cpu-ns/B) and one with its median only (ns/enter);
//   - regressed.json: vm-run2.json (a real run) with a 20 % regression
//     planted in two benchmarks and a 20 % improvement in one;
//   - families.json: every chart's family, with the names and metric keys
//     the families use (docs/design.md §3), numbers shaped like the real ones;
//   - corrupt.json: a record cut off in the middle (box-a.json's first half).
//
// vm-run1.json … vm-run6.json are six real runs of one zbench binary (built
// at f25618c) on one 2-vCPU VM, taken one after another (`zbench run
// lat/syscall`, 10 samples each) while other work shared the machine. Runs
// 3 to 6 name a later commit: a binary built without a VCS stamp asks git
// about its source tree when it runs, and the tree had moved on.

func fixtureHost(name, kernel, cpu string) host.Env {
	return host.Env{Hostname: name, Kernel: kernel, Arch: "amd64", OS: "linux", CPUModel: cpu, CPUsOnline: 8, CPUsAllowed: 8,
		Governor: "performance", Mitigations: map[string]string{"meltdown": "Not affected", "spectre_v2": "Mitigation: Enhanced IBRS"},
		Clocksource: "tsc", Virtualization: "none", Go: "go1.26.8", Version: "(devel)"}
}

func fixtureRun(h host.Env, started time.Time, rs ...results.Result) *results.Run {
	return &results.Run{
		Schema:   results.Schema,
		Zbench:   results.Version{Version: "(devel)", Commit: "0123456789abcdef0123456789abcdef01234567"},
		Started:  started,
		Finished: started.Add(time.Minute),
		Host:     h,
		Settings: results.Settings{Args: []string{"run"}, Count: 10, SampleTargetNs: 1e8, SamplesPerWorker: 1, CPU: 1},
		Results:  rs,
	}
}

// measured is a result of n samples around median with relative spread.
func measured(rng *rand.Rand, name, unit string, median, spread float64, n int, metrics map[string]float64) results.Result {
	better, _ := results.Better(unit)
	r := results.Result{Name: name, Unit: unit, Better: better, CPU: 1, Workers: n, Metrics: metrics}
	for range n {
		v := median * (1 + spread*(2*rng.Float64()-1))
		r.Samples = append(r.Samples, round4(v))
		r.Iterations = append(r.Iterations, 100000)
	}
	r.Summarize()
	return r
}

// withMetric gives r a metric with one value per sample around median
// (schema 2); metrics given to measured keep only their median, as schema-1
// records did.
func withMetric(rng *rand.Rand, r results.Result, name string, median, spread float64) results.Result {
	vs := make([]float64, len(r.Samples))
	for i := range vs {
		vs[i] = round4(median * (1 + spread*(2*rng.Float64()-1)))
	}
	r.SetMetric(name, vs)
	return r
}

func round4(v float64) float64 {
	if v == 0 {
		return 0
	}
	e := math.Pow(10, 4-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*e) / e
}

func boxRuns() (a, b *results.Run) {
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	a = fixtureRun(fixtureHost("box-a", "6.18.44", "AMD EPYC 7B13"), t0,
		measured(rng, "lat/syscall/null", "ns/op", 180, 0.02, 10, nil),
		measured(rng, "lat/syscall/read", "ns/op", 260, 0.03, 10, nil),
		measured(rng, "lat/syscall/stat", "ns/op", 700, 0.02, 3, nil),
		results.Result{Name: "lat/syscall/int80", Unit: "ns/op", Better: results.Lower, CPU: -1,
			Skipped: "int $0x80 faults here: the kernel runs without IA32 emulation"},
		measured(rng, "lat/syscall/openclose", "ns/op", 1500, 0.03, 10, nil),
		measured(rng, "lat/syscall/vdso", "ns/op", 21, 0.01, 10, nil),
		withMetric(rng, measured(rng, "bw/pipe/size=64KiB", "B/s", 4.2e9, 0.03, 10, nil), "sender-cpu-ns/B", 0.21, 0.03),
		measured(rng, "zerocopy/send/method=sendfile/size=64KiB/transport=loopback", "B/s", 9.1e9, 0.04, 10, nil),
	)
	b = fixtureRun(fixtureHost("box-b", "6.19.2", "Intel Xeon Gold 6338"), t0.Add(26*time.Hour),
		measured(rng, "lat/syscall/null", "ns/op", 95, 0.02, 10, nil),
		measured(rng, "lat/syscall/read", "ns/op", 261, 0.03, 10, nil),
		measured(rng, "lat/syscall/stat", "ns/op", 520, 0.02, 3, nil),
		measured(rng, "lat/syscall/int80", "ns/op", 240, 0.02, 10, nil),
		results.Result{Name: "lat/syscall/openclose", Unit: "ns/op", Better: results.Lower, CPU: 1,
			Error: "worker exited with status 2 and no report"},
		withMetric(rng, measured(rng, "bw/pipe/size=64KiB", "B/s", 3.1e9, 0.03, 10, nil), "sender-cpu-ns/B", 0.29, 0.03),
		measured(rng, "zerocopy/send/method=sendfile/size=64KiB/transport=loopback", "cpu-ns/B", 0.12, 0.04, 10, nil),
		measured(rng, "lat/syscall/batch/size=8", "ns/op", 48, 0.02, 10, map[string]float64{"ns/enter": 390}),
	)
	b.Host.Mitigations["spectre_v2"] = "Mitigation: Retpolines"
	return a, b
}

// regressedRun plants regressions and an improvement of 20 % in a real run.
func regressedRun(t *testing.T) *results.Run {
	run, err := results.Read("testdata/vm-run2.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range run.Results {
		r := &run.Results[i]
		f := 1.0
		switch r.Name {
		case "lat/syscall/openclose", "lat/syscall/vdso":
			f = 1.2
		case "lat/syscall/null/path=inline":
			f = 0.8
		}
		if f != 1 {
			for k := range r.Samples {
				r.Samples[k] = round4(r.Samples[k] * f)
			}
			r.Summarize()
		}
	}
	return run
}

// familiesRun has a result for every chart, shaped like real numbers: a
// send's time is a per-call cost plus a per-byte cost; loopback copies
// "zero-copy" sends; a context switch grows with the working set.
func familiesRun() *results.Run {
	rng := rand.New(rand.NewPCG(3, 4))
	var rs []results.Result
	sizes := []int64{64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20}
	for _, m := range []struct {
		name   string
		call   float64 // ns per call
		perB   float64 // ns per byte
		copied bool
	}{
		{"write", 1500, 0.15, false},
		{"sendfile", 2500, 0.08, false},
		{"splice", 2800, 0.09, false},
		{"msg_zerocopy", 4000, 0.16, true},
		{"io_uring_zc", 3500, 0.155, true},
	} {
		for _, s := range sizes {
			b := float64(s)
			metrics := map[string]float64{
				"sender-cpu-ns/B":   round4(m.call/b + 0.9*m.perB),
				"receiver-cpu-ns/B": round4(0.5*m.call/b + 0.1),
			}
			if m.name == "msg_zerocopy" || m.name == "io_uring_zc" {
				metrics["copied-fraction"] = 0
				if m.copied {
					metrics["copied-fraction"] = 1
				}
			}
			rs = append(rs, measured(rng, fmt.Sprintf("zerocopy/send/method=%s/size=%s/transport=loopback", m.name, name.FormatSize(s)),
				"B/s", b/(m.call+b*m.perB)*1e9, 0.04, 10, metrics))
		}
	}
	// Responses: a per-response cost plus a per-byte cost of the file.
	for _, m := range []struct {
		name string
		call float64 // ns per response
		perB float64 // ns per byte of file
	}{{"write+sendfile", 40000, 0.05}, {"cork", 36000, 0.05}, {"copy", 34000, 0.2}} {
		for _, s := range []int64{4 << 10, 64 << 10, 1 << 20} {
			rs = append(rs, measured(rng, fmt.Sprintf("zerocopy/response/method=%s/size=%s/transport=loopback", m.name, name.FormatSize(s)),
				"op/s", 1e9/(m.call+float64(s)*m.perB), 0.05, 10, map[string]float64{"segments/response": float64(2 + s/(64<<10))}))
		}
	}
	for _, op := range []struct {
		name string
		call float64
	}{{"pipe", 2000}, {"unix", 2400}} {
		for _, s := range sizes {
			b := float64(s)
			rs = append(rs, measured(rng, fmt.Sprintf("bw/%s/chunk=%s", op.name, name.FormatSize(s)), "B/s",
				b/(op.call+b*0.12)*1e9, 0.05, 10, map[string]float64{
					"sender-cpu-ns/B": round4(op.call/b + 0.11), "receiver-cpu-ns/B": round4(op.call/b + 0.1)}))
		}
	}
	for _, op := range []struct {
		name string
		peak float64 // B/s in L1
	}{{"copy", 40e9}, {"read", 70e9}} {
		for _, s := range []int64{4 << 10, 32 << 10, 256 << 10, 2 << 20, 16 << 20, 64 << 20} {
			v := op.peak
			switch {
			case s > 8<<20: // beyond the last-level cache
				v /= 4
			case s > 512<<10:
				v /= 2
			}
			rs = append(rs, measured(rng, fmt.Sprintf("bw/mem/op=%s/size=%s", op.name, name.FormatSize(s)), "B/s", v, 0.03, 10, nil))
		}
	}
	for _, kind := range []string{"process", "thread"} {
		for _, procs := range []int{2, 4, 8, 16} {
			for _, ws := range []int{0, 16, 64} {
				base := 2500.0
				if kind == "thread" {
					base = 2100
				}
				v := base + float64(ws)*12*(1+float64(procs)/8)
				rs = append(rs, measured(rng, fmt.Sprintf("ctxsw/ring/procs=%d/ws=%dKiB/cpu=same/kind=%s", procs, ws, kind),
					"ns/op", v, 0.05, 10, nil))
			}
		}
	}
	for _, cpu := range []string{"same", "spread"} {
		for _, k := range []struct {
			name string
			p50  float64
		}{{"pipe", 5000}, {"unix", 5600}, {"tcp", 9500}, {"udp", 8200}} {
			p50 := k.p50
			if cpu == "spread" {
				p50 *= 6
			}
			name := fmt.Sprintf("lat/%s/size=1B/cpu=%s", k.name, cpu)
			if k.name == "tcp" || k.name == "udp" {
				name += "/transport=loopback"
			}
			rs = append(rs, measured(rng, name, "ns/op", p50*1.02, 0.03, 10, map[string]float64{
				"p50-ns": p50, "p90-ns": round4(p50 * 1.18), "p99-ns": round4(p50 * 2.1), "p99.9-ns": round4(p50 * 6.5)}))
		}
	}
	for _, s := range []struct {
		name string
		v    float64
	}{{"null", 180}, {"null/path=inline", 120}, {"read", 260}, {"write", 250}, {"vdso", 21}} {
		rs = append(rs, measured(rng, "lat/syscall/"+s.name, "ns/op", s.v, 0.03, 10, nil))
	}
	rs = append(rs, results.Result{Name: "lat/syscall/int80", Unit: "ns/op", Better: results.Lower, CPU: -1,
		Skipped: "int $0x80 faults here"})
	return fixtureRun(fixtureHost("bench-host", "6.18.44", "AMD EPYC 9454P"), time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC), rs...)
}

func TestFixtures(t *testing.T) {
	a, b := boxRuns()
	files := map[string]*results.Run{
		"box-a.json":     a,
		"box-b.json":     b,
		"regressed.json": regressedRun(t),
		"families.json":  familiesRun(),
	}
	for name, run := range files {
		var buf bytes.Buffer
		if err := results.Encode(&buf, run); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// Compared as records, not bytes: a field added to the record
		// later (with its zero value here) does not make them stale.
		want, err := results.Decode(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		got, err := results.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s is not what this file generates (go test -update rewrites it)", path)
		}
	}
	// A record cut off in the middle.
	if *update {
		data, err := json.MarshalIndent(a, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile("testdata/corrupt.json", data[:len(data)/2], 0o644)
	}
	if _, err := results.Read("testdata/corrupt.json"); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("corrupt.json: %v, want a truncated record", err)
	}
}

// strs is f of each of xs: the names of changes, the labels of inputs.
func strs[T any](xs []T, f func(T) string) []string {
	var s []string
	for _, x := range xs {
		s = append(s, f(x))
	}
	return s
}
