package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"zbench/bench"
	"zbench/internal/host"
	"zbench/internal/sys"
	"zbench/peer"
	"zbench/report"
	"zbench/results"
)

// The test binary is zbench: as a worker (the runner re-executes
// /proc/self/exe) and, with ZBENCH_TEST_MAIN=1, as the whole command.
func TestMain(m *testing.M) {
	if cpu := os.Getenv("ZBENCH_TEST_HOG"); cpu != "" {
		hogProcess(cpu)
	}
	if os.Getenv("ZBENCH_TEST_MAIN") == "1" || (len(os.Args) > 1 && (os.Args[1] == workerCommand || os.Args[1] == childCommand)) {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func zbench(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestRunJSON(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r", "run.json")
	code, stdout, stderr := zbench("run", "lat/syscall/null", "--quick", "--json", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	fromStdout, err := results.Decode([]byte(stdout))
	if err != nil {
		t.Fatalf("stdout is not a run record: %v", err)
	}
	fromFile, err := results.Read(out)
	if err != nil {
		t.Fatalf("record file: %v", err)
	}
	if !strings.Contains(stderr, "results: "+out) {
		t.Errorf("stderr %q does not name the record", stderr)
	}
	if len(fromFile.Results) != len(fromStdout.Results) || len(fromFile.Results) != 4 {
		t.Fatalf("%d results in the file, %d on stdout, want the 4 null variants", len(fromFile.Results), len(fromStdout.Results))
	}
	for _, r := range fromFile.Results {
		if r.Error != "" || r.Skipped != "" {
			t.Errorf("%s: error %q skipped %q", r.Name, r.Error, r.Skipped)
			continue
		}
		// No upper bound: a loaded machine may be as slow as it likes; a
		// null call faster than 10 ns did not enter the kernel.
		if len(r.Samples) != 3 || r.Median < 10 {
			t.Errorf("%s: %d samples, median %v ns/op; want 3 samples between 10 ns and 10 µs", r.Name, len(r.Samples), r.Median)
		}
	}
	if fromFile.Settings.Count != 3 || !fromFile.Settings.Quick || fromFile.Host.Kernel == "" {
		t.Errorf("settings %+v, kernel %q: the record must say how it was made and where", fromFile.Settings, fromFile.Host.Kernel)
	}
}

func TestRunTable(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(dir)
	code, stdout, stderr := zbench("run", "--quick", "lat/syscall/read", "lat/syscall/int80")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"lat/syscall/read", "ns/op", "± CI", "results: zbench-results/"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "zbench-results", "*.json"))
	if len(files) != 1 {
		t.Fatalf("want one record in zbench-results/, found %v", files)
	}
	if _, err := results.Read(files[0]); err != nil {
		t.Error(err)
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, exitUsage, "usage: zbench"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"run", "--count", "0"}, exitUsage, "--count 0"},
		{[]string{"run", "--time", "1ns"}, exitUsage, "--time 1ns"},
		{[]string{"run", "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"run", "no/such/thing"}, exitUsage, `no benchmark matches "no/such/thing"`},
		{[]string{"run", "--cpu", "4096"}, exitUsage, "--cpu 4096"},
		{[]string{"run", "--count", "3", "--per-worker", "4"}, exitUsage, "--per-worker 4"},
		{[]string{"env", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"list", "nope"}, exitUsage, `no benchmark matches "nope"`},
		{[]string{"help"}, exitOK, ""},
	} {
		code, _, stderr := zbench(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("zbench %q: exit %d stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
}

func TestList(t *testing.T) {
	code, stdout, _ := zbench("list", "--long", "lat/syscall")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, s := range registry() {
		if strings.HasPrefix(s.Name, "lat/syscall/") && !strings.Contains(stdout, s.Name) {
			t.Errorf("list lacks %s", s.Name)
		}
	}
	if !strings.Contains(stdout, "* lat/syscall/null\n") || !strings.Contains(stdout, "One op is") {
		t.Errorf("list must mark default benchmarks and say what one op is:\n%s", stdout)
	}
}

func TestEnv(t *testing.T) {
	code, stdout, _ := zbench("env", "--json")
	var env host.Env
	if code != exitOK || json.Unmarshal([]byte(stdout), &env) != nil || env.Kernel == "" || env.CPUsOnline < 1 {
		t.Errorf("env --json: exit %d, %q", code, stdout)
	}
	if code, stdout, _ := zbench("env"); code != exitOK || !strings.Contains(stdout, "kernel") {
		t.Errorf("env: exit %d, %q", code, stdout)
	}
}

// Ctrl-C mid-run: the worker in flight is killed, what was measured is
// written, the record says it was interrupted, and nothing is left: no
// worker, no helper process, no network namespace.
func TestInterrupt(t *testing.T) {
	interrupt(t, "run", "lat/syscall", "lat/pipe", "--time", "20ms", "--count", "30")
}

func TestInterruptVeth(t *testing.T) {
	if err := peer.VethSupported(); err != nil {
		t.Skip(err)
	}
	interrupt(t, "run", "lat/tcp", "lat/udp", "--transport", "veth", "--time", "20ms", "--count", "30")
}

func interrupt(t *testing.T, args ...string) {
	out := filepath.Join(t.TempDir(), "run.json")
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0], append(args, "--out", out)...)
	cmd.Env = append(os.Environ(), "ZBENCH_TEST_MAIN=1", "TMPDIR="+tmp)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// Well after the warm-up and the first round, long before the end.
	faultAfter(t, cmd, 5*time.Second, func() { cmd.Process.Signal(syscall.SIGINT) },
		20*time.Second, "zbench did not stop within 20 s of SIGINT")
	if code := cmd.ProcessState.ExitCode(); code != exitSignaled {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitSignaled, stderr.String())
	}
	rec, err := results.Read(out)
	if err != nil {
		t.Fatalf("no record after interrupt: %v", err)
	}
	if !rec.Interrupted {
		t.Error("record does not say it was interrupted")
	}
	measured := 0
	for _, r := range rec.Results {
		measured += len(r.Samples)
	}
	if measured == 0 {
		t.Error("samples taken before the interrupt were lost")
	}
	// Nothing may outlive the run: no process of this binary in the worker
	// or helper role, no namespace named after the run. Checked at once:
	// zbench waits for its workers' process groups before it exits.
	// Only processes of this very binary count: other test binaries may
	// run beside this one.
	exe, _ := os.Executable()
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, _ := os.ReadFile(p)
		a := strings.Split(string(b), "\x00")
		if bin, _ := os.Readlink(filepath.Join(filepath.Dir(p), "exe")); bin != exe {
			continue
		}
		if len(a) > 1 && (a[1] == workerCommand || a[1] == childCommand) {
			t.Errorf("a %s is still running after the interrupt: %s", a[1], p)
		}
	}
	ns, _ := filepath.Glob(fmt.Sprintf("/run/netns/zbench-%d.*", cmd.Process.Pid))
	if len(ns) > 0 {
		t.Errorf("network namespaces left behind: %v", ns)
	}
	// The run's temporary directory, and the files its killed worker made
	// there, went with it.
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR: %v", left)
	}
}

// --out is checked before anything is measured: a directory, or a path
// under a regular file, is a usage error that names it.
func TestRunOutChecked(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ out, msg string }{
		{dir, "is a directory"},
		{filepath.Join(file, "run.json"), "is not a directory"},
		{filepath.Join(file, "a", "b", "run.json"), "is not a directory"},
	} {
		code, stdout, stderr := zbench("run", "lat/syscall/null$", "--quick", "--out", tc.out)
		if code != exitUsage || !strings.Contains(stderr, tc.msg) || !strings.Contains(stderr, tc.out) {
			t.Errorf("--out %s: exit %d, stderr %q; want exit %d and %q", tc.out, code, stderr, exitUsage, tc.msg)
		}
		if strings.Contains(stdout, "results:") || strings.Contains(stderr, "results:") {
			t.Errorf("--out %s: a record is announced: %q %q", tc.out, stdout, stderr)
		}
	}
	// A directory that does not exist yet is fine: the run makes it.
	if err := checkOut(filepath.Join(dir, "new", "deeper", "run.json")); err != nil {
		t.Errorf("a path in directories still to be made: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); !os.IsNotExist(err) {
		t.Errorf("checking --out made directories: %v", err)
	}
}

// A record that cannot be written where asked is kept elsewhere, the run
// says where, exits 1, and never announces the path it could not write.
func TestRunWriteFails(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	blocker := filepath.Join(tmp, "blocker")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(blocker, "run.json") // its directory is a file
	rec := &results.Run{Schema: results.Schema, Started: time.Now().UTC(), Finished: time.Now().UTC(),
		Results: []results.Result{{Name: "x/y", Unit: "ns/op", Better: "lower", CPU: -1, Samples: []float64{1, 2, 3}}}}
	rec.Results[0].Summarize()
	for _, asJSON := range []bool{false, true} {
		var stdout, stderr bytes.Buffer
		code, _ := finish(rec, runOptions{out: bad, json: asJSON}, nil, &stdout, &stderr)
		if code != exitFailed {
			t.Errorf("json %v: exit %d, want %d", asJSON, code, exitFailed)
		}
		all := stdout.String() + stderr.String()
		if strings.Contains(all, "results: "+bad) {
			t.Errorf("json %v: the path that failed is announced as the record:\n%s", asJSON, all)
		}
		kept, _ := filepath.Glob(filepath.Join(tmp, "zbench-unsaved-*-run.json"))
		if len(kept) != 1 {
			t.Fatalf("json %v: kept records %v, want one in TMPDIR", asJSON, kept)
		}
		if !strings.Contains(stderr.String(), "kept in "+kept[0]) || !strings.Contains(all, "results: "+kept[0]) {
			t.Errorf("json %v: the output does not say where the record is:\n%s", asJSON, all)
		}
		if got, err := results.Read(kept[0]); err != nil || len(got.Results) != 1 {
			t.Errorf("json %v: the kept record: %v", asJSON, err)
		}
		os.Remove(kept[0])
	}
}

// In a log (stderr not a terminal) progress is one line per finished
// benchmark, with its result and the time; skipped ones say why.
func TestRunProgressLog(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.json")
	code, _, stderr := zbench("run", "--quick", "--out", out, "lat/syscall/null$", "lat/syscall/vdso", "lat/syscall/int80")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "[") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("progress lines %q: want one per benchmark", lines)
	}
	for _, want := range []string{"lat/syscall/null  ", "lat/syscall/vdso  ", "lat/syscall/int80  "} {
		found := false
		for _, l := range lines {
			if strings.Contains(l, want) && strings.Contains(l, "/3, ") {
				found = true
				if !strings.Contains(want, "int80") && !strings.Contains(l, " ns/op ±") {
					t.Errorf("%q: no median ± interval", l)
				}
			}
		}
		if !found {
			t.Errorf("no progress line for %s in %q", want, lines)
		}
	}
	if strings.Contains(stderr, "\r") || strings.Contains(stderr, "\033[") {
		t.Errorf("terminal codes in a log: %q", stderr)
	}
}

// On a terminal the line shows the time so far and the time left, from the
// share of workers done.
func TestProgressETA(t *testing.T) {
	var buf bytes.Buffer
	start := time.Unix(1000, 0)
	p := &progress{w: &buf, tty: true, start: start, now: func() time.Time { return start.Add(30 * time.Second) }}
	p.show(bench.Progress{Name: "lat/pipe", Index: 2, Total: 5, Round: 3, Rounds: 10, Started: 10, Planned: 40})
	if got := buf.String(); !strings.Contains(got, "[2/5, round 3/10, 30s, about 1m30s left] lat/pipe") {
		t.Errorf("terminal line %q", got)
	}
	buf.Reset()
	p.show(bench.Progress{Name: "lat/pipe", Finished: true, Result: &results.Result{}})
	if buf.Len() != 0 {
		t.Errorf("a finished benchmark redraws the terminal line: %q", buf.String())
	}
}

// A pattern ending in $, or --exact, runs that benchmark alone, not its
// variants; a misspelt one suggests the closest names.
func TestRunSelects(t *testing.T) {
	for _, args := range [][]string{{"lat/syscall/null$"}, {"--exact", "lat/syscall/null"}} {
		out := filepath.Join(t.TempDir(), "run.json")
		code, _, stderr := zbench(append([]string{"run", "--quick", "--json", "--out", out}, args...)...)
		rec, err := results.Read(out)
		if code != exitOK || err != nil {
			t.Fatalf("%q: exit %d, %v\n%s", args, code, err, stderr)
		}
		if len(rec.Results) != 1 || rec.Results[0].Name != "lat/syscall/null" {
			t.Errorf("%q ran %d benchmarks; want lat/syscall/null alone", args, len(rec.Results))
		}
	}
	code, _, stderr := zbench("run", "lat/sycall/nul")
	if code != exitUsage || !strings.Contains(stderr, "did you mean lat/syscall/null?") {
		t.Errorf("misspelt: exit %d, %q", code, stderr)
	}
	code, _, stderr = zbench("run", "-h")
	if code != exitOK || !strings.Contains(stderr, "-exact") || !strings.Contains(stderr, "trailing $") {
		t.Errorf("run -h does not explain exact selection: %q", stderr)
	}
}

// The default suite keeps its entries for other transports, which the run
// lists as skipped with the flag that runs them; a pattern that selects
// only another transport's benchmarks says which flag runs them.
func TestRunOtherTransports(t *testing.T) {
	o := runOptions{transport: peer.Loopback}
	specs, err := o.selectSpecs(registry())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range specs {
		if tr, ok := transportOf(&s); ok {
			seen[tr] = true
		}
	}
	if !seen["veth"] || !seen["peer"] || !seen["loopback"] {
		t.Errorf("the default suite's transports %v: want its veth and peer entries kept, to be listed as skipped", seen)
	}
	code, _, stderr := zbench("run", "lat/tcp/size=1B/cpu=same/transport=veth")
	if code != exitUsage || !strings.Contains(stderr, "--transport veth") {
		t.Errorf("a veth benchmark on a loopback run: exit %d, %q", code, stderr)
	}
	// The skip itself, through the runner, as a default run shows it.
	r := &bench.Runner{Count: 1, Target: time.Millisecond, WarmUp: -1, CPU: -1}
	veth, _ := bench.Named(registry(), "lat/tcp/connect/cpu=same/transport=veth", "lat/tcp/connect/cpu=same/transport=peer")
	res, _ := r.Run(t.Context(), veth)
	for _, x := range res {
		want := "--transport " + strings.TrimPrefix(x.Name, "lat/tcp/connect/cpu=same/transport=")
		if !strings.Contains(x.Skipped, want) {
			t.Errorf("%s on a loopback run: skipped %q, want the reason with %q", x.Name, x.Skipped, want)
		}
	}
}

// A result whose interval is wider than ±10 % gets a note saying so and
// what to do; a narrow one does not.
func TestTableWideInterval(t *testing.T) {
	rec := &results.Run{Schema: results.Schema, Results: []results.Result{
		{Name: "x/wide", Unit: "ns/op", Better: "lower", Samples: []float64{100, 60, 140, 80, 120, 100, 70, 130, 90, 110}},
		{Name: "x/narrow", Unit: "ns/op", Better: "lower", Samples: []float64{100, 101, 99, 100, 102, 98, 100, 101, 99, 100}},
	}}
	for i := range rec.Results {
		rec.Results[i].Summarize()
	}
	var buf bytes.Buffer
	if err := report.Table(&buf, rec); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "wider than ±10%") || !strings.Contains(out, "--count") {
		t.Errorf("no wide-interval note:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "x/narrow") && strings.Contains(l, "[") {
			t.Errorf("a narrow interval got a note: %s", l)
		}
	}
}

// Under go run the exit status is always 1: zbench says what it was and
// how to keep it, only there and only when it differs.
func TestGoRunHint(t *testing.T) {
	goRun := "/tmp/go-build123/b001/exe/zbench"
	if h := goRunHint(goRun, exitSignaled); !strings.Contains(h, "exit status 130") || !strings.Contains(h, "go build") {
		t.Errorf("hint %q", h)
	}
	for _, tc := range []struct {
		exe  string
		code int
	}{{goRun, exitOK}, {goRun, exitFailed}, {"/usr/local/bin/zbench", exitUsage}} {
		if h := goRunHint(tc.exe, tc.code); h != "" {
			t.Errorf("goRunHint(%s, %d) = %q, want none", tc.exe, tc.code, h)
		}
	}
}

// The drift note names the rounds whose sentinel moved beyond the run's
// noise and by how much, and says nothing of a steady host.
func TestSentinelDrift(t *testing.T) {
	steady := []results.Sentinel{}
	for i, v := range []float64{100, 101, 99, 100, 102, 98, 100, 101} {
		steady = append(steady, results.Sentinel{Round: i, CPUNs: v, SyscallNs: 10 * v})
	}
	if d := report.SentinelDrift(steady); d != "" {
		t.Errorf("steady host: %q", d)
	}
	moved := slices.Clone(steady)
	for _, i := range []int{3, 4, 5} {
		moved[i].CPUNs *= 2
	}
	moved[7].SyscallNs *= 1.5
	d := report.SentinelDrift(moved)
	for _, want := range []string{`CPU loop by up to \+(9\d|10\d)% in rounds 4-6,`, `null system call by up to \+(4\d|5\d)% in round 8,`} {
		if !regexp.MustCompile(want).MatchString(d) {
			t.Errorf("drift %q does not match %q", d, want)
		}
	}
	if d := report.SentinelDrift(moved[:3]); d != "" {
		t.Errorf("three rounds are too few to judge: %q", d)
	}
}

// A CPU hog pinned beside the run for some of its rounds: the sentinel of
// those rounds moves and the table says so. The hog is four processes
// spinning on the run's CPU, each at a higher priority than this test where
// it may raise them (root), so that the sentinel gets a small share of its
// CPU whatever else runs on a busy test machine; they run from round 4's
// sentinel to round 8's (four of ten rounds, fewer than half, as the note's
// median needs), and each ends itself after 20 s at the latest.
func TestSentinelSeesHog(t *testing.T) {
	cpus, err := sys.AllowedCPUs()
	if err != nil {
		t.Skip(err)
	}
	cpu := cpus[len(cpus)-1]
	r := &bench.Runner{Count: 10, Target: 2 * time.Millisecond, WarmUp: -1, CPU: cpu, Sentinel: true}
	specs, _ := bench.Named(registry(), "lat/syscall/vdso")
	var hogs []*exec.Cmd
	stopHogs := func() {
		for _, h := range hogs {
			h.Process.Kill()
			h.Wait()
		}
		hogs = nil
	}
	defer stopHogs()
	r.Progress = func(p bench.Progress) {
		switch {
		case p.Sentinel && p.Round == 4:
			nice, _ := syscall.Getpriority(syscall.PRIO_PROCESS, 0) // 20 - nice, as the raw call returns it
			for range 4 {
				h := exec.Command(os.Args[0])
				h.Env = append(os.Environ(), "ZBENCH_TEST_HOG="+strconv.Itoa(cpu))
				h.SysProcAttr = dieWithTest()
				if err := h.Start(); err != nil {
					t.Error(err)
					return
				}
				syscall.Setpriority(syscall.PRIO_PROCESS, h.Process.Pid, max(-20, 20-nice-5)) // best effort
				hogs = append(hogs, h)
			}
			time.Sleep(50 * time.Millisecond) // the hogs are on the CPU
		case p.Sentinel && p.Round == 8:
			stopHogs()
		}
	}
	res, err := r.Run(t.Context(), specs)
	stopHogs()
	if err != nil || res[0].Error != "" {
		t.Fatalf("%v %q", err, res[0].Error)
	}
	rec := &results.Run{Schema: results.Schema, Results: res, Sentinel: r.Sentinels()}
	var buf bytes.Buffer
	if err := report.Table(&buf, rec); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Logf("sentinel %+v\n%s", rec.Sentinel, out)
	moved := noted(out, "CPU loop")
	if !strings.Contains(out, "host drift:") || !(moved[4] || moved[5] || moved[6] || moved[7]) {
		t.Errorf("a hog on the run's CPU in rounds 4-7 is not noted (rounds noted: %v):\n%s", moved, out)
	}
}

// noted reads the rounds a drift note names for what ("CPU loop").
func noted(out, what string) map[int]bool {
	m := regexp.MustCompile(what + ` by up to [-+]\d+% in rounds? ((?:\d+(?:-\d+)?(?:, )?)+)`).FindStringSubmatch(out)
	rounds := map[int]bool{}
	if m == nil {
		return rounds
	}
	for _, seg := range strings.Split(strings.TrimSuffix(m[1], ", "), ", ") {
		lo, hi, _ := strings.Cut(seg, "-")
		a, _ := strconv.Atoi(lo)
		b := a
		if hi != "" {
			b, _ = strconv.Atoi(hi)
		}
		for r := a; r <= b; r++ {
			rounds[r] = true
		}
	}
	return rounds
}

// hogProcess is the body of a hog: it spins on cpu for at most 20 s.
func hogProcess(cpu string) {
	c, err := strconv.Atoi(cpu)
	if err != nil {
		os.Exit(2)
	}
	runtime.LockOSThread()
	if err := sys.PinThread(c); err != nil {
		os.Exit(1)
	}
	end := time.Now().Add(20 * time.Second)
	for x := 0; ; x++ {
		if x%(1<<20) == 0 && time.Now().After(end) {
			os.Exit(0)
		}
	}
}

// A run that cannot make its temporary directory says so and exits 1; it is
// not reported as interrupted.
func TestRunNoTempDir(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	out := filepath.Join(t.TempDir(), "run.json")
	code, _, stderr := zbench("run", "--quick", "--out", out, "lat/syscall/null$")
	if code != exitFailed || !strings.Contains(stderr, "temporary directory") || strings.Contains(stderr, "interrupted") {
		t.Errorf("exit %d, stderr %q; want exit %d naming the temporary directory", code, stderr, exitFailed)
	}
}

// faultAfter starts cmd, lets it run for d, injects fault (a signal to it
// or to its server), and waits for cmd to end within limit (waitWithin).
func faultAfter(t *testing.T, cmd *exec.Cmd, d time.Duration, fault func(), limit time.Duration, why string) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(d)
	fault()
	waitWithin(t, cmd, limit, why)
}

// waitWithin waits for cmd to exit and returns Wait's error; a cmd still
// running after d is killed, and the test fails with why.
func waitWithin(t *testing.T, cmd *exec.Cmd, d time.Duration, why string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		t.Fatal(why)
		return nil
	}
}
