package history

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zbench/internal/host"
	"zbench/results"
)

var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

// fakeRun is a run of machine cpu on host at minute i, with lat/syscall/null
// at level ns (six samples around it), a metric with samples, a skipped and
// a failed benchmark, and a sentinel per round.
func fakeRun(hostName, cpu string, i int, level float64, rng *rand.Rand) *results.Run {
	run := &results.Run{
		Schema:   results.Schema,
		Zbench:   results.Version{Version: "(devel)", Commit: fmt.Sprintf("%040x", i+1)},
		Started:  t0.Add(time.Duration(i) * time.Minute),
		Finished: t0.Add(time.Duration(i)*time.Minute + 20*time.Second),
		Host: host.Env{Hostname: hostName, Kernel: "6.18.0", CPUModel: cpu, CPUsOnline: 2,
			Virtualization: "kvm", Arch: "amd64", OS: "linux"},
		Settings: results.Settings{Count: 6},
	}
	r := results.Result{Name: "lat/syscall/null", Unit: "ns/op", Better: results.Lower, CPU: 1}
	var p99 []float64
	for range 6 {
		v := level * (1 + 0.02*(2*rng.Float64()-1))
		r.Samples = append(r.Samples, v)
		r.Iterations = append(r.Iterations, 1000)
		p99 = append(p99, 3*v)
	}
	r.Summarize()
	r.SetMetric("p99-ns", p99)
	run.Results = append(run.Results, r,
		results.Result{Name: "lat/syscall/int80", Unit: "ns/op", Better: results.Lower, Skipped: "no IA32 emulation"},
		results.Result{Name: "lat/pipe", Unit: "ns/op", Better: results.Lower, Error: "worker crashed"})
	for k := range 6 {
		run.Sentinel = append(run.Sentinel, results.Sentinel{Round: k, CPUNs: 50, SyscallNs: 100 + float64(k)})
	}
	return run
}

func sqliteStore(t *testing.T) string {
	return filepath.Join(t.TempDir(), "sub", "history.db")
}

// storeSuite is what every backend must do; spec opens a fresh store.
func storeSuite(t *testing.T, spec func(t *testing.T) string) {
	ctx := context.Background()
	// mustOpen opens the store at sp for the rest of the (sub)test.
	mustOpen := func(t *testing.T, sp string) *Store {
		t.Helper()
		s, err := Open(ctx, sp)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	t.Run("round trip", func(t *testing.T) {
		sp := spec(t)
		s := mustOpen(t, sp)
		rng := rand.New(rand.NewPCG(1, 1))
		var runs []*results.Run
		for i := range 8 {
			runs = append(runs, fakeRun("a", "CPU X", i, 100, rng))
		}
		for _, r := range runs {
			added, err := s.Import(ctx, r)
			if err != nil || !added {
				t.Fatalf("Import = %v, %v; want added", added, err)
			}
		}
		// The same record again, and through a second handle: one run.
		added, err := s.Import(ctx, runs[3])
		if err != nil || added {
			t.Errorf("Import of a stored record = %v, %v; want false, nil", added, err)
		}
		s2, err := Open(ctx, sp)
		if err != nil {
			t.Fatal(err)
		}
		if err := s2.Add(ctx, runs[0]); err != nil {
			t.Errorf("Add of a stored record: %v", err)
		}
		s2.Close()
		list, err := s.Runs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 8 {
			t.Fatalf("%d runs listed, want 8", len(list))
		}
		if l := list[2]; l.Measured != 1 || l.Skipped != 1 || l.Failed != 1 || l.Started != runs[2].Started.Format(time.RFC3339Nano) ||
			l.Machine != MachineOf(runs[2]) || l.Commit != runs[2].Zbench.Commit {
			t.Errorf("listed run 2 = %+v", l)
		}
		got, err := s.Record(ctx, RunID(runs[5]))
		if err != nil {
			t.Fatal(err)
		}
		if got.Results[0].Median != runs[5].Results[0].Median || !got.Started.Equal(runs[5].Started) || len(got.Sentinel) != 6 {
			t.Errorf("stored record differs: %+v", got.Results[0])
		}
		series, err := s.Series(ctx, Filter{Metric: "*"})
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 2 {
			t.Fatalf("%d series, want lat/syscall/null and its p99-ns", len(series))
		}
		head, p99 := series[0], series[1]
		if head.Metric != "" || p99.Metric != "p99-ns" || p99.Better != results.Lower || len(head.Points) != 8 || len(p99.Points) != 8 {
			t.Fatalf("series %+v / %+v", head.Key(), p99.Key())
		}
		for i, p := range head.Points {
			want := runs[i].Results[0]
			if p.Median != want.Median || len(p.Samples) != 6 || p.Samples[2] != want.Samples[2] || p.RunID != RunID(runs[i]) {
				t.Errorf("point %d = %+v, want the median and samples of run %d", i, p, i)
			}
			if p.SentinelSyscallNs != 102.5 || p.SentinelCPUNs != 50 {
				t.Errorf("point %d: sentinel medians %g, %g; want 102.5, 50", i, p.SentinelSyscallNs, p.SentinelCPUNs)
			}
		}
		if p99.Points[4].Samples[0] != runs[4].Results[0].MetricStats["p99-ns"].Samples[0] {
			t.Error("metric samples not stored")
		}
		lean, err := s.Series(ctx, Filter{MediansOnly: true, Benchmarks: []string{"lat/syscall/"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(lean) != 1 || len(lean[0].Points) != 8 || lean[0].Points[7].Median != head.Points[7].Median ||
			lean[0].Points[7].Samples != nil || *lean[0].Points[7].CIHigh != *head.Points[7].CIHigh {
			t.Errorf("MediansOnly, lat/syscall/: %+v", lean)
		}
	})

	t.Run("conflict", func(t *testing.T) {
		s := mustOpen(t, spec(t))
		rng := rand.New(rand.NewPCG(2, 2))
		a := fakeRun("a", "CPU X", 0, 100, rng)
		b := fakeRun("a", "CPU X", 0, 200, rng) // same host and start, other samples
		if err := s.Add(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.Add(ctx, b); !errors.Is(err, ErrConflict) {
			t.Errorf("a different record with the same host and start: %v, want ErrConflict", err)
		}
	})

	t.Run("two writers", func(t *testing.T) {
		sp := spec(t)
		// Both writers open the store at once (creating it), then add 25
		// runs of their own and the same 10 shared runs, interleaved.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[w] = writeRuns(ctx, sp, fmt.Sprintf("w%d", w), 25, 10)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		checkWriters(t, sp, 2, 25, 10)
	})

	t.Run("not zbench", func(t *testing.T) {
		sp := spec(t)
		s, err := Open(ctx, sp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.Exec(`CREATE TABLE other_app (x INTEGER)`); err != nil {
			t.Fatal(err)
		}
		// A newer schema than this zbench knows.
		if _, err := s.db.Exec(`UPDATE zbench_schema SET version = 99`); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := Open(ctx, sp); err == nil || !strings.Contains(err.Error(), "newer than this zbench") {
			t.Errorf("schema 99: %v", err)
		}
		s, err = open(ctx, sp, -1) // unchecked: change it behind zbench's back
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.Exec(`UPDATE zbench_schema SET application = 'someone-else'`); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := Open(ctx, sp); err == nil || !strings.Contains(err.Error(), "not a zbench history store") {
			t.Errorf("another application's schema table: %v", err)
		}
		s, _ = open(ctx, sp, -1)
		for _, tbl := range []string{"zbench_schema", "sentinels", "results", "runs", "machines"} {
			if _, err := s.db.Exec(`DROP TABLE ` + tbl); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		_, err = Open(ctx, sp)
		if err == nil || !strings.Contains(err.Error(), "not a zbench history store") || !strings.Contains(err.Error(), "other_app") {
			t.Errorf("a store of other tables: %v", err)
		}
	})

	t.Run("migration", func(t *testing.T) {
		sp := spec(t)
		s, err := open(ctx, sp, 1)
		if err != nil {
			t.Fatal(err)
		}
		run := fakeRun("a", "CPU X", 0, 100, rand.New(rand.NewPCG(3, 3)))
		run.Sentinel = nil // schema 1 of the store has no sentinels
		if err := s.Add(ctx, run); err != nil {
			t.Fatal(err)
		}
		var v int
		if err := s.db.QueryRow(`SELECT version FROM zbench_schema`).Scan(&v); err != nil || v != 1 {
			t.Fatalf("version %d, %v; want 1", v, err)
		}
		s.Close()
		s, err = Open(ctx, sp)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.db.QueryRow(`SELECT version FROM zbench_schema`).Scan(&v); err != nil || v != Version {
			t.Fatalf("after Open: version %d, %v; want %d", v, err, Version)
		}
		list, err := s.Runs(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("runs after migrating: %v, %v", list, err)
		}
		withSentinel := fakeRun("a", "CPU X", 1, 100, rand.New(rand.NewPCG(3, 3)))
		if err := s.Add(ctx, withSentinel); err != nil {
			t.Fatalf("adding a run with sentinels after migrating: %v", err)
		}
	})

	t.Run("changes and baseline", func(t *testing.T) {
		s := mustOpen(t, spec(t))
		rng := rand.New(rand.NewPCG(4, 4))
		// Machine X: 30 runs at 100 ns, then 20 at 110. Machine Y (another
		// CPU), interleaved in time: 50 runs at 130, no change. Were the
		// machines mixed, the series would change at every switch.
		var last *results.Run
		for i := range 50 {
			lvl := 100.0
			if i >= 30 {
				lvl = 110
			}
			last = fakeRun("x", "CPU X", 2*i, lvl*(1+0.03*(2*rng.Float64()-1)), rng)
			if err := s.Add(ctx, last); err != nil {
				t.Fatal(err)
			}
			if err := s.Add(ctx, fakeRun("y", "CPU Y", 2*i+1, 130*(1+0.03*(2*rng.Float64()-1)), rng)); err != nil {
				t.Fatal(err)
			}
		}
		series, err := s.Series(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 2 || len(series[0].Points) != 50 || len(series[1].Points) != 50 {
			t.Fatalf("want two series of 50 runs, one per machine; got %d", len(series))
		}
		cs := Changes(series, Detector{})
		if len(cs) != 1 {
			t.Fatalf("%d change points, want 1: %+v", len(cs), cs)
		}
		c := cs[0]
		mx := MachineOf(last)
		if c.Machine != mx.ID || c.Index < 28 || c.Index > 32 || c.Verdict != "regression" || c.P > 0.01 ||
			c.Change < 0.05 || c.Change > 0.15 || c.ChangeLow > c.Change || c.ChangeHigh < c.Change || c.ChangeLow <= 0 {
			t.Errorf("change = %+v; want machine X's regression of about +10%% near run 30", c)
		}
		sx := series[0]
		if sx.Machine.ID != mx.ID {
			sx = series[1]
		}
		if c.After != sx.Points[c.Index].Started || c.Before != sx.Points[c.Index-1].Started || c.AfterCommit == "" {
			t.Errorf("after = %q %q, want the run's started time and commit", c.After, c.AfterCommit)
		}
		if c.SentinelChange == nil || math.Abs(*c.SentinelChange) > 1e-9 {
			t.Errorf("sentinel change %v, want 0 (the fake sentinel never moves)", c.SentinelChange)
		}

		// The baseline of a new run on machine X pools the runs after the
		// change (the newest 20 at most), never machine Y's.
		cur := fakeRun("x", "CPU X", 1000, 110, rng)
		if err := s.Add(ctx, cur); err != nil { // run --store adds before check
			t.Fatal(err)
		}
		base, err := s.BaselineRun(ctx, cur, BaselineOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(base.Results) != 1 || base.Host.CPUModel != "CPU X" {
			t.Fatalf("baseline = %+v", base)
		}
		br := base.Results[0]
		if n := len(br.Samples); n != 6*(50-c.Index) && n != 6*DefaultBaselineRuns {
			t.Errorf("baseline pools %d samples, want those of the %d runs after the change", n, 50-c.Index)
		}
		if br.Median < 105 || br.Median > 115 {
			t.Errorf("baseline median %g, want about 110 (after the change)", br.Median)
		}
		if _, ok := br.MetricStats["p99-ns"]; !ok {
			t.Error("baseline has no p99-ns metric")
		}
		recs, err := s.BaselineRuns(ctx, cur, BaselineOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := min(50-c.Index, DefaultBaselineRuns); len(recs) != want {
			t.Errorf("BaselineRuns gave %d records, want the %d after the change", len(recs), want)
		}
		for i, r := range recs {
			if MachineOf(r) != mx || RunID(r) == RunID(cur) || len(r.Results) != 1 || r.Results[0].Name != "lat/syscall/null" ||
				len(r.Sentinel) != 6 || (i > 0 && !recs[i-1].Started.Before(r.Started)) {
				t.Errorf("baseline record %d: %s, %d results, %d sentinel rounds", i, RunID(r), len(r.Results), len(r.Sentinel))
			}
		}
		if recs[0].Started.Before(t0.Add(time.Duration(2*c.Index) * time.Minute)) {
			t.Errorf("the first baseline record (%s) is from before the change", recs[0].Started)
		}
		other := fakeRun("z", "CPU Z", 5, 100, rng)
		if _, err := s.BaselineRun(ctx, other, BaselineOptions{}); err == nil {
			t.Error("a baseline for a machine the store has never seen: no error")
		}
		if _, err := s.BaselineRuns(ctx, other, BaselineOptions{}); err == nil {
			t.Error("baseline runs for a machine the store has never seen: no error")
		}
	})
}

// writeRuns adds `own` runs of host name and `shared` runs of host "shared",
// interleaved, through a store of its own.
func writeRuns(ctx context.Context, spec, name string, own, shared int) error {
	s, err := Open(ctx, spec)
	if err != nil {
		return err
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(9, 9))
	sh := rand.New(rand.NewPCG(10, 10)) // the same shared runs in every writer
	for i := range max(own, shared) {
		if i < own {
			if err := s.Add(ctx, fakeRun(name, "CPU X", i, 100, rng)); err != nil {
				return fmt.Errorf("%s run %d: %w", name, i, err)
			}
		}
		if i < shared {
			if err := s.Add(ctx, fakeRun("shared", "CPU X", i, 100, sh)); err != nil {
				return fmt.Errorf("%s shared run %d: %w", name, i, err)
			}
		}
	}
	return nil
}

func checkWriters(t *testing.T, spec string, writers, own, shared int) {
	t.Helper()
	s, err := Open(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := writers*own + shared; len(list) != want {
		t.Errorf("%d runs stored, want %d", len(list), want)
	}
	for _, r := range list {
		if r.Measured != 1 || r.Skipped != 1 || r.Failed != 1 {
			t.Errorf("run %s stored partly: %+v", r.ID, r)
		}
	}
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM results`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := 4 * (writers*own + shared); n != want { // headline, p99-ns, skipped, failed (+ its none)
		t.Errorf("%d result rows, want %d", n, want)
	}
}

func TestSQLite(t *testing.T) {
	storeSuite(t, sqliteStore)
}

// TestSQLiteTwoProcesses: two processes (this test binary, re-executed)
// write to one file at once; nothing is lost.
func TestSQLiteTwoProcesses(t *testing.T) {
	if spec := os.Getenv("ZBENCH_HISTORY_WRITER_STORE"); spec != "" {
		own, _ := strconv.Atoi(os.Getenv("ZBENCH_HISTORY_WRITER_OWN"))
		if err := writeRuns(context.Background(), spec, os.Getenv("ZBENCH_HISTORY_WRITER_NAME"), own, 10); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	spec := sqliteStore(t)
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for w := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSQLiteTwoProcesses$")
		cmd.Env = append(os.Environ(), "ZBENCH_HISTORY_WRITER_STORE="+spec,
			fmt.Sprintf("ZBENCH_HISTORY_WRITER_NAME=p%d", w), "ZBENCH_HISTORY_WRITER_OWN=40")
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("writer %d: %v\n%s", i, err, outs[i])
		}
	}
	checkWriters(t, spec, 2, 40, 10)
}

func TestSQLiteNotADatabase(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database\n", 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), junk)
	if err == nil || !strings.Contains(err.Error(), "not an SQLite database, or corrupt") {
		t.Errorf("Open(junk) = %v", err)
	}
	if _, err := Open(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("Open(dir) = %v", err)
	}
	// A store cut short: the first page is the header, the rest is gone.
	good := filepath.Join(dir, "good.db")
	s, err := Open(context.Background(), good)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range 20 {
		if err := s.Add(context.Background(), fakeRun("a", "CPU X", i, 100, rng)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	data, _ := os.ReadFile(good)
	cut := filepath.Join(dir, "cut.db")
	os.WriteFile(cut, data[:len(data)/3], 0o644)
	s, err = Open(context.Background(), cut)
	if err == nil {
		_, err = s.Runs(context.Background())
		s.Close()
	}
	if err == nil || !(strings.Contains(err.Error(), "corrupt") || strings.Contains(err.Error(), "malformed")) {
		t.Errorf("a store cut to a third: %v, want an error that says it is corrupt", err)
	}
}
