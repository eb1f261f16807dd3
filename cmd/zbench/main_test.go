package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"zbench/internal/host"
	"zbench/peer"
	"zbench/results"
)

// The test binary is zbench: as a worker (the runner re-executes
// /proc/self/exe) and, with ZBENCH_TEST_MAIN=1, as the whole command.
func TestMain(m *testing.M) {
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
		if len(r.Samples) != 3 || r.Median < 10 || r.Median > 10000 {
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
	cmd := exec.Command(os.Args[0], append(args, "--out", out)...)
	cmd.Env = append(os.Environ(), "ZBENCH_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Well after the warm-up and the first round, long before the end.
	time.Sleep(5 * time.Second)
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("zbench did not stop within 20 s of SIGINT")
	}
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
	exe, _ := os.Executable()
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, _ := os.ReadFile(p)
		a := strings.Split(string(b), "\x00")
		if len(a) > 1 && (a[1] == workerCommand || a[1] == childCommand) && strings.Contains(a[0], filepath.Base(exe)) {
			t.Errorf("a %s is still running after the interrupt: %s", a[1], p)
		}
	}
	ns, _ := filepath.Glob(fmt.Sprintf("/run/netns/zbench-%d-*", cmd.Process.Pid))
	if len(ns) > 0 {
		t.Errorf("network namespaces left behind: %v", ns)
	}
}
