package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"zbench/internal/sys"
	"zbench/name"
	"zbench/peer"
)

// The test binary doubles as the worker: the runner re-executes it with
// WorkerCommand, as zbench re-executes itself.
func TestMain(m *testing.M) {
	if code, ok := Serve(testSpecs(), os.Args[1:]); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

var sink int

func testSpecs() []Spec {
	return []Spec{
		{Name: "test/ok", Run: func(b *B) error {
			for b.Loop() {
				sink++
			}
			return nil
		}},
		{Name: "test/setup-not-timed", Run: func(b *B) error {
			time.Sleep(20 * time.Millisecond) // setup: must not show in ns/op
			for b.Loop() {
				sink++
			}
			return nil
		}},
		{Name: "test/bytes", Unit: "B/s", Run: func(b *B) error {
			b.SetBytes(4096)
			for b.Loop() {
				sink++
			}
			return nil
		}},
		{Name: "test/metric", Run: func(b *B) error {
			for b.Loop() {
				sink++
			}
			b.ReportMetric(42, "answers/op")
			b.Warn("a warning, once per sample")
			return nil
		}},
		{Name: "test/cpu", Pin: true, Run: func(b *B) error {
			for b.Loop() {
				sink++
			}
			b.ReportMetric(float64(sys.CurrentCPU()), "cpu")
			b.ReportMetric(float64(b.CPU()), "b.CPU")
			b.ReportMetric(float64(len(b.AllowedCPUs())), "allowed")
			if b.Verify() {
				b.ReportMetric(1, "verify")
			}
			return nil
		}},
		{Name: "test/child", Run: func(b *B) error {
			// A helper echoes one byte per op over a pair of pipes.
			req, err := newPipe()
			if err != nil {
				return err
			}
			resp, err := newPipe()
			if err != nil {
				return err
			}
			cmd, err := StartChild("test/child", []string{"echo"}, req[0], resp[1])
			req[0].Close()
			resp[1].Close()
			if err != nil {
				return err
			}
			defer cmd.Wait()
			defer req[1].Close()
			buf := []byte{7}
			for b.Loop() {
				if _, err := req[1].Write(buf); err != nil {
					return err
				}
				if _, err := io.ReadFull(resp[0], buf); err != nil {
					return err
				}
			}
			return nil
		}, Child: func(args []string) error {
			if len(args) != 1 || args[0] != "echo" {
				return fmt.Errorf("args %q", args)
			}
			in, out := os.NewFile(3, "req"), os.NewFile(4, "resp")
			buf := make([]byte, 1)
			for {
				if _, err := io.ReadFull(in, buf); err != nil {
					return nil // the worker closed its end: done
				}
				if _, err := out.Write(buf); err != nil {
					return err
				}
			}
		}},
		{Name: "test/own-value", Run: func(b *B) error {
			for b.Loop() {
				sink++
			}
			b.ReportMetric(1234.5, "ns/op") // the op's value, computed by the benchmark
			return nil
		}},
		{Name: "test/own-length", Target: 3 * time.Millisecond, PerWorker: 8, Run: func(b *B) error {
			for b.Loop() {
				sink++
			}
			return nil
		}},
		{Name: "test/net/transport=loopback", Run: reportTransport},
		{Name: "test/net/transport=veth", Run: reportTransport},
		{Name: "test/tempfile", Run: func(b *B) error {
			f, err := os.CreateTemp("", "leftover-*")
			if err != nil {
				return err
			}
			f.Close()
			b.Warn("file %s in %s", f.Name(), b.TempDir())
			for b.Loop() {
				sink++
			}
			return nil
		}},
		{Name: "test/tempfile-hang", Run: func(b *B) error {
			f, err := os.CreateTemp("", "leftover-*")
			if err != nil {
				return err
			}
			b.StartTimer()
			time.Sleep(time.Hour) // killed with the file still there
			return f.Close()
		}},
		{Name: "test/panic", Run: func(b *B) error { panic("boom") }},
		{Name: "test/crash", Run: func(b *B) error {
			done := make(chan bool)
			go func() { panic("crash in another goroutine") }()
			<-done
			return nil
		}},
		{Name: "test/hang", Run: func(b *B) error {
			b.StartTimer()
			time.Sleep(time.Hour)
			return nil
		}},
		{Name: "test/exit", Run: func(b *B) error { os.Exit(0); return nil }},
		{Name: "test/fails", Run: func(b *B) error { return errors.New("device on fire") }},
		{Name: "test/skip", Run: func(b *B) error {
			return fmt.Errorf("%w: the widget is missing", ErrNotSupported)
		}},
		{Name: "test/notimer", Run: func(b *B) error { return nil }},
		{Name: "test/prereq", Requires: []func() error{func() error {
			return fmt.Errorf("%w: needs a flux capacitor", ErrNotSupported)
		}}, Run: func(b *B) error { panic("must not run") }},
	}
}

// reportTransport says, in a warning, the transport the worker was given.
func reportTransport(b *B) error {
	tr := b.Transport()
	b.Warn("transport %s %s %s %s", tr.Name, tr.ServerAddr, tr.ClientNetns, tr.ServerNetns)
	for b.Loop() {
		sink++
	}
	return nil
}

func pick(names ...string) []Spec {
	specs, err := Named(testSpecs(), names...)
	if err != nil {
		panic(err) // a typo in a test's list of names
	}
	return specs
}

func newPipe() ([2]*os.File, error) {
	r, w, err := os.Pipe()
	return [2]*os.File{r, w}, err
}

func TestChild(t *testing.T) {
	res, _ := testRunner().Run(context.Background(), pick("test/child"))
	if res[0].Error != "" || len(res[0].Samples) != 3 {
		t.Fatalf("error %q, %d samples", res[0].Error, len(res[0].Samples))
	}
	// A round trip through another process costs at least a microsecond
	// of wake-ups; anything faster means the helper was not in the loop.
	if res[0].Median < 500 {
		t.Errorf("round trip through a helper process: %v ns, implausibly fast", res[0].Median)
	}
}

func testRunner() *Runner {
	return &Runner{Exe: os.Args[0], Count: 3, Target: 5 * time.Millisecond, WarmUp: 10 * time.Millisecond, CPU: -1, WorkerTimeout: 20 * time.Second}
}

func TestRunnerMeasures(t *testing.T) {
	r := testRunner()
	res, err := r.Run(context.Background(), pick("test/ok", "test/setup-not-timed", "test/bytes", "test/metric"))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res {
		if x.Error != "" || x.Skipped != "" {
			t.Fatalf("%s: error %q skipped %q", x.Name, x.Error, x.Skipped)
		}
		if len(x.Samples) != 3 || len(x.Iterations) != 3 || x.Workers != 3 {
			t.Errorf("%s: %d samples, %d iteration counts, %d workers; want 3 each (one worker per sample)",
				x.Name, len(x.Samples), len(x.Iterations), x.Workers)
		}
		for _, n := range x.Iterations {
			if n != x.Iterations[0] || n < 2 {
				t.Errorf("%s: iterations %v: every sample should run the calibrated N", x.Name, x.Iterations)
			}
		}
		if !(x.Min <= x.Median && x.Median <= x.Max) {
			t.Errorf("%s: min %v median %v max %v out of order", x.Name, x.Min, x.Median, x.Max)
		}
	}
	byName := map[string]int{}
	for i, x := range res {
		byName[x.Name] = i
	}
	// An increment costs nanoseconds; 20 ms of setup counted once would be
	// thousands of ns/op even at millions of iterations.
	if m := res[byName["test/setup-not-timed"]].Median; m > 1000 {
		t.Errorf("setup-not-timed: %v ns/op: setup was timed", m)
	}
	if x := res[byName["test/bytes"]]; x.Unit != "B/s" || x.Better != "higher" || x.Median < 1e9 {
		t.Errorf("bytes: %v %s (better %s): want > 1e9 B/s, higher is better", x.Median, x.Unit, x.Better)
	}
	x := res[byName["test/metric"]]
	if x.Metrics["answers/op"] != 42 {
		t.Errorf("metric: %v, want answers/op = 42", x.Metrics)
	}
	if m := x.MetricStats["answers/op"]; !slices.Equal(m.Samples, []float64{42, 42, 42}) {
		t.Errorf("metric samples: %+v, want every sample's 42", m)
	}
	n := 0
	for _, w := range x.Warnings {
		if w == "a warning, once per sample" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("warnings %q: want the benchmark's warning exactly once", x.Warnings)
	}
}

// A metric named after the unit replaces the timed value, and is not
// repeated among the metrics.
func TestRunnerOwnValue(t *testing.T) {
	res, _ := testRunner().Run(context.Background(), pick("test/own-value"))
	if res[0].Error != "" || res[0].Median != 1234.5 || res[0].Min != 1234.5 {
		t.Errorf("error %q, median %v, min %v: want the reported 1234.5", res[0].Error, res[0].Median, res[0].Min)
	}
	if _, dup := res[0].Metrics["ns/op"]; dup {
		t.Errorf("metrics %v repeat the sample value", res[0].Metrics)
	}
}

// A spec's own sample length and samples per worker apply unless the run
// sets them, and never leave fewer than three workers.
func TestRunnerSpecLength(t *testing.T) {
	r := testRunner()
	r.Target, r.Count = 0, 10
	res, _ := r.Run(context.Background(), pick("test/own-length", "test/ok"))
	own, ok := res[0], res[1]
	if own.SampleTargetNs != int64(3*time.Millisecond) || own.Workers != 4 || len(own.Samples) != 10 {
		t.Errorf("own-length: target %v, %d workers, %d samples; want 3ms, 4 workers (3+3+3+1), 10 samples",
			time.Duration(own.SampleTargetNs), own.Workers, len(own.Samples))
	}
	if ok.SampleTargetNs != int64(100*time.Millisecond) || ok.Workers != 10 {
		t.Errorf("ok: target %v, %d workers; want the default 100ms, a worker per sample", time.Duration(ok.SampleTargetNs), ok.Workers)
	}
	r.Target, r.PerWorker, r.Count = 5*time.Millisecond, 1, 3
	res, _ = r.Run(context.Background(), pick("test/own-length"))
	if res[0].SampleTargetNs != int64(5*time.Millisecond) || res[0].Workers != 3 {
		t.Errorf("the run's --time and --per-worker must win: target %v, %d workers", time.Duration(res[0].SampleTargetNs), res[0].Workers)
	}
}

func TestRunnerPins(t *testing.T) {
	cpus, err := sys.AllowedCPUs()
	if err != nil {
		t.Skip(err)
	}
	for i, cpu := range cpus {
		r := testRunner()
		r.CPU = cpu
		r.Verify = i == 0
		res, _ := r.Run(context.Background(), pick("test/cpu"))
		m := res[0].Metrics
		if res[0].CPU != cpu || m["cpu"] != float64(cpu) || m["b.CPU"] != float64(cpu) {
			t.Errorf("pinned to %d: result says cpu %d, worker ran on %v, B.CPU() = %v", cpu, res[0].CPU, m["cpu"], m["b.CPU"])
		}
		if (m["verify"] == 1) != r.Verify {
			t.Errorf("Runner.Verify %v, but the benchmark saw B.Verify() = %v", r.Verify, m["verify"] == 1)
		}
		if m["allowed"] != float64(len(cpus)) {
			t.Errorf("B.AllowedCPUs() has %v CPUs, want the worker's %d before pinning", m["allowed"], len(cpus))
		}
	}
}

func TestRunnerFailures(t *testing.T) {
	r := testRunner()
	r.WorkerTimeout = 2 * time.Second
	specs := pick("test/panic", "test/crash", "test/hang", "test/exit", "test/fails", "test/skip", "test/notimer", "test/prereq", "test/ok")
	started := map[string]int{}
	r.Progress = func(p Progress) {
		if !p.Finished && !p.WarmUp && !p.Sentinel {
			started[p.Name]++
		}
	}
	res, err := r.Run(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	// A failed benchmark is not retried in later rounds: one worker each.
	for _, n := range []string{"test/panic", "test/crash", "test/hang", "test/exit", "test/fails"} {
		if started[n] != 1 {
			t.Errorf("%s: %d workers started, want 1: a failed benchmark must not be retried in later rounds", n, started[n])
		}
	}
	want := map[string]struct{ errSub, skip string }{
		"test/panic":   {errSub: "panic: boom"},
		"test/crash":   {errSub: "crash in another goroutine"},
		"test/hang":    {errSub: "time limit of 2s"},
		"test/exit":    {errSub: "without reporting a result"},
		"test/fails":   {errSub: "device on fire"},
		"test/notimer": {errSub: "never started its timer"},
		"test/skip":    {skip: "the widget is missing"},
		"test/prereq":  {skip: "needs a flux capacitor"},
		"test/ok":      {},
	}
	for _, x := range res {
		w := want[x.Name]
		switch {
		case w.skip != "":
			if x.Skipped != w.skip || x.Error != "" || len(x.Samples) != 0 {
				t.Errorf("%s: skipped %q error %q samples %d; want skipped %q", x.Name, x.Skipped, x.Error, len(x.Samples), w.skip)
			}
		case w.errSub != "":
			if !strings.Contains(x.Error, w.errSub) || x.Skipped != "" {
				t.Errorf("%s: error %q; want it to contain %q", x.Name, x.Error, w.errSub)
			}
		default:
			if x.Error != "" || len(x.Samples) != 3 {
				t.Errorf("%s: error %q, %d samples: the run must go on past failures", x.Name, x.Error, len(x.Samples))
			}
		}
	}
}

func TestRunnerInterleaves(t *testing.T) {
	r := testRunner()
	var order, finished []string
	started := 0
	r.Progress = func(p Progress) {
		if p.Finished {
			finished = append(finished, fmt.Sprintf("%s:%d/%d:%s%s", p.Name, p.Started, p.Planned, p.Result.Skipped, p.Result.Error))
			return
		}
		if p.Started != started || p.Planned != 6 {
			t.Errorf("%s round %d: %d of %d workers started; want %d of 6", p.Name, p.Round, p.Started, p.Planned, started)
		}
		if !p.WarmUp {
			started++
		}
		if p.WarmUp {
			order = append(order, "warm-up:"+p.Name)
			return
		}
		order = append(order, fmt.Sprintf("%d:%s", p.Round, p.Name))
	}
	if _, err := r.Run(context.Background(), pick("test/prereq", "test/ok", "test/bytes")); err != nil {
		t.Fatal(err)
	}
	// One discarded warm-up worker of the first benchmark that can run,
	// then round after round across the benchmarks.
	want := []string{"warm-up:test/ok", "1:test/ok", "1:test/bytes", "2:test/ok", "2:test/bytes", "3:test/ok", "3:test/bytes"}
	if !slices.Equal(order, want) {
		t.Errorf("order %q, want %q", order, want)
	}
	// Each benchmark is reported done once: the skipped one before any
	// worker, the others after their last sample.
	wantDone := []string{"test/prereq:0/6:needs a flux capacitor", "test/ok:5/6:", "test/bytes:6/6:"}
	if !slices.Equal(finished, wantDone) {
		t.Errorf("finished %q, want %q", finished, wantDone)
	}
}

func TestRunnerPerWorker(t *testing.T) {
	r := testRunner()
	r.Count, r.PerWorker = 5, 2
	res, _ := r.Run(context.Background(), pick("test/ok"))
	if len(res[0].Samples) != 5 || res[0].Workers != 3 {
		t.Errorf("%d samples from %d workers, want 5 from 3", len(res[0].Samples), res[0].Workers)
	}
}

func TestRunnerInterrupt(t *testing.T) {
	r := testRunner()
	ctx, cancel := context.WithCancel(context.Background())
	r.Progress = func(p Progress) {
		if p.Name == "test/hang" && !p.WarmUp {
			time.AfterFunc(300*time.Millisecond, cancel)
		}
	}
	start := time.Now()
	res, err := r.Run(ctx, pick("test/ok", "test/hang"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// A hang, not a speed: the worker sleeps for an hour.
	if d := time.Since(start); d > time.Minute {
		t.Errorf("interrupt took %v to stop the hung worker", d)
	}
	if len(res[0].Samples) != 1 || !strings.Contains(res[0].Error, "interrupted after 1 of 3") {
		t.Errorf("test/ok: %d samples, error %q: the sample taken before the interrupt must be kept", len(res[0].Samples), res[0].Error)
	}
	if res[1].Error != "interrupted" {
		t.Errorf("test/hang: error %q, want interrupted", res[1].Error)
	}
}

// The run's transport reaches every worker through its job; a benchmark
// declared for another transport is skipped with the flag that runs it.
func TestRunnerTransport(t *testing.T) {
	r := testRunner()
	r.Count, r.WarmUp = 1, -1
	res, _ := r.Run(context.Background(), pick("test/net/transport=loopback", "test/net/transport=veth"))
	if res[0].Error != "" || !slices.Contains(res[0].Warnings, "transport loopback 127.0.0.1  ") {
		t.Errorf("loopback: error %q, warnings %q: want the loopback transport in the worker", res[0].Error, res[0].Warnings)
	}
	if !strings.Contains(res[1].Skipped, "--transport veth") || len(res[1].Samples) != 0 {
		t.Errorf("veth on a loopback run: skipped %q; want a skip naming --transport veth", res[1].Skipped)
	}
	r.Transport = peer.Transport{Name: name.Veth, ServerAddr: netip.MustParseAddr("198.18.0.2"), ClientNetns: "/run/netns/c", ServerNetns: "/run/netns/s"}
	res, _ = r.Run(context.Background(), pick("test/net/transport=loopback", "test/net/transport=veth"))
	if res[1].Error != "" || !slices.Contains(res[1].Warnings, "transport veth 198.18.0.2 /run/netns/c /run/netns/s") {
		t.Errorf("veth: error %q, warnings %q: want the run's veth transport in the worker", res[1].Error, res[1].Warnings)
	}
	if !strings.Contains(res[0].Skipped, "--transport loopback") {
		t.Errorf("loopback on a veth run: skipped %q", res[0].Skipped)
	}
}

// Workers make their temporary files in the run's own directory, which goes
// with the run however it ends: a normal end, a worker killed at its time
// limit, an interrupt. A directory of a run whose maker is gone is removed
// by the next run; one whose maker runs is not.
func TestRunnerTempDir(t *testing.T) {
	root := t.TempDir()
	self, err := sys.ProcessID(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(root, tempPrefix+strconv.Itoa(os.Getpid())+".1-abc") // this PID, another start
	live := filepath.Join(root, tempPrefix+self+"-def")
	for _, d := range []string{stale, live} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	r := testRunner()
	r.TempDir, r.Count, r.WarmUp, r.WorkerTimeout = root, 1, -1, 2*time.Second
	res, _ := r.Run(context.Background(), pick("test/tempfile", "test/tempfile-hang"))
	if len(res[0].Warnings) == 0 || !strings.HasPrefix(res[0].Warnings[0], "file ") {
		t.Fatalf("tempfile: error %q, warnings %q", res[0].Error, res[0].Warnings)
	}
	var file, dir string
	if _, err := fmt.Sscanf(res[0].Warnings[0], "file %s in %s", &file, &dir); err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(file) != dir || filepath.Dir(dir) != root || !strings.HasPrefix(filepath.Base(dir), tempPrefix+self+"-") {
		t.Errorf("the worker's file %s, its TempDir %s: want both in a run directory under %s", file, dir, root)
	}
	if !strings.Contains(res[1].Error, "time limit") {
		t.Errorf("tempfile-hang: error %q, want the time limit", res[1].Error)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the directory of a run that is gone is still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the directory of a run that still runs was removed: %v", err)
	}
	os.Remove(live)
	if left, _ := os.ReadDir(root); len(left) != 0 {
		t.Errorf("left behind after the run: %v", left)
	}

	// Interrupted while the worker holds its file.
	ctx, cancel := context.WithCancel(context.Background())
	r.WorkerTimeout = time.Minute
	r.Progress = func(Progress) { time.AfterFunc(500*time.Millisecond, cancel) }
	if _, err := r.Run(ctx, pick("test/tempfile-hang")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if left, _ := os.ReadDir(root); len(left) != 0 {
		t.Errorf("left behind after an interrupt: %v", left)
	}
}

// With Sentinel set, every round starts with the host sentinel, in a worker
// of its own pinned as the benchmarks are, and the run keeps one value of
// each kind per round.
func TestRunnerSentinel(t *testing.T) {
	r := testRunner()
	r.Sentinel = true
	var events []string
	r.Progress = func(p Progress) {
		switch {
		case p.Sentinel:
			events = append(events, fmt.Sprintf("sentinel:%d", p.Round))
		case !p.Finished && !p.WarmUp:
			events = append(events, fmt.Sprintf("%d:%s", p.Round, p.Name))
		}
	}
	res, err := r.Run(context.Background(), pick("test/ok"))
	if err != nil || res[0].Error != "" {
		t.Fatalf("%v %q", err, res[0].Error)
	}
	want := []string{"sentinel:1", "1:test/ok", "sentinel:2", "2:test/ok", "sentinel:3", "3:test/ok"}
	if !slices.Equal(events, want) {
		t.Errorf("events %q, want %q", events, want)
	}
	s := r.Sentinels()
	if len(s) != 3 {
		t.Fatalf("sentinels %+v: want one per round", s)
	}
	for i, v := range s {
		if v.Round != i || !(v.CPUNs > 0) || !(v.SyscallNs > 0) {
			t.Errorf("round %d: %+v", i, v)
		}
	}
	if _, err := r.Run(context.Background(), pick("test/prereq")); err != nil || len(r.Sentinels()) != 0 {
		t.Errorf("a run with nothing to measure timed the sentinel: %+v", r.Sentinels())
	}
}
