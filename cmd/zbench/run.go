package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"zbench/bench"
	"zbench/internal/host"
	"zbench/peer"
	"zbench/report"
	"zbench/results"
)

type runOptions struct {
	count     int
	quick     bool
	out       string
	json      bool
	target    time.Duration
	cpu       int
	perWork   int
	transport string
	peerAddr  string
	tokenFile string
	verify    bool
	patterns  []string
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	var o runOptions
	fs := newFlagSet("run", "run [flags] [PATTERN...]", stderr)
	fs.IntVar(&o.count, "count", 10, "samples per benchmark")
	fs.BoolVar(&o.quick, "quick", false, "smoke run: 3 samples of 10ms from one worker per benchmark (seconds for the whole suite)")
	fs.StringVar(&o.out, "out", "", "run record path (default zbench-results/HOST-UTCTIME.json)")
	fs.BoolVar(&o.json, "json", false, "print the run record to stdout instead of the table (the file is still written)")
	fs.DurationVar(&o.target, "time", 0, "length of one sample, for every benchmark (default: each benchmark's own, 100ms unless it says)")
	fs.IntVar(&o.cpu, "cpu", -1, "CPU for pinned benchmarks (-1: the last CPU this process may use)")
	fs.IntVar(&o.perWork, "per-worker", 0, "samples taken by one worker process, for every benchmark (default: each benchmark's own, 1 unless it says)")
	fs.BoolVar(&o.verify, "verify", false, "benchmarks that move bytes check every byte they receive (slower; for testing)")
	fs.StringVar(&o.transport, "transport", peer.Loopback, "where network benchmarks run: loopback, veth (two network namespaces made for the run; needs root), or peer (a zbench serve at --peer)")
	fs.StringVar(&o.peerAddr, "peer", "", "HOST:PORT of the zbench serve for --transport peer")
	fs.StringVar(&o.tokenFile, "token-file", "", "shared secret for the zbench serve at --peer")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	o.patterns = pos
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		if !set["count"] {
			o.count = 3
		}
		if !set["time"] {
			o.target = 10 * time.Millisecond
		}
		// A smoke run checks that everything runs, not how precisely:
		// one worker per benchmark.
		if !set["per-worker"] {
			o.perWork = o.count
		}
	}
	if err := o.validate(); err != nil {
		fmt.Fprintf(stderr, "zbench run: %v\n", err)
		return exitUsage
	}
	specs, err := bench.Select(registry(), o.patterns)
	if err != nil {
		fmt.Fprintf(stderr, "zbench run: %v\n", err)
		return exitUsage
	}
	if specs = forTransport(specs, o.transport); len(specs) == 0 {
		fmt.Fprintf(stderr, "zbench run: nothing to run over --transport %s\n", o.transport)
		return exitUsage
	}

	env := host.Probe()
	started := time.Now()
	if o.out == "" {
		o.out = defaultOut(env.Hostname, started)
	}
	r := &bench.Runner{Count: o.count, Target: o.target, PerWorker: o.perWork, CPU: o.cpu, Verify: o.verify}
	progress := newProgress(stderr)
	r.Progress = progress.show

	// From here every way out goes through the deferred clean-up: Ctrl-C,
	// SIGTERM and SIGHUP cancel the run instead of killing the process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	var usedNIC, peerNIC *host.NIC
	if o.transport == peer.Loopback && needsTransport(specs) {
		if nic, err := peer.LocalNIC("", netip.AddrFrom4([4]byte{127, 0, 0, 1})); err == nil {
			usedNIC = &nic
		}
	}
	if o.transport == peer.Veth && needsTransport(specs) {
		pair, err := peer.SetupVeth()
		if err != nil {
			fmt.Fprintf(stderr, "zbench run: --transport veth: %s\n", bench.SkipReason(err))
			return exitFailed
		}
		defer func() {
			if err := pair.Close(); err != nil {
				fmt.Fprintf(stderr, "zbench run: removing the veth pair: %v\n", err)
			}
		}()
		r.Env = pair.Env()
		if nic, err := pair.ClientNIC(); err == nil {
			usedNIC = &nic
		}
	}
	var peerEnv *host.Env
	if o.transport == peer.Remote && needsTransport(specs) {
		// Reach the server once before the run: a wrong address or token
		// is one clear error, not one per benchmark; and its environment
		// goes into the record.
		tok, err := peer.ReadToken(o.tokenFile)
		if err != nil {
			fmt.Fprintf(stderr, "zbench run: %v\n", err)
			return exitUsage
		}
		s, err := peer.Dial(o.peerAddr, tok)
		if err != nil {
			fmt.Fprintf(stderr, "zbench run: %v\n", err)
			return exitFailed
		}
		var e host.Env
		if json.Unmarshal(s.Hello.Env, &e) == nil {
			peerEnv = &e
		}
		var n host.NIC
		if json.Unmarshal(s.Hello.NIC, &n) == nil && n.Name != "" {
			peerNIC = &n
		}
		if nic, err := peer.LocalNIC("", s.LocalAddr()); err == nil {
			usedNIC = &nic
		}
		s.Close()
		tokenPath := o.tokenFile
		if tokenPath != "" {
			tokenPath, _ = filepath.Abs(tokenPath)
		}
		// In this process's own environment: prerequisites probed here
		// and workers started from here both find the server.
		for _, kv := range peer.RemoteEnv(o.peerAddr, tokenPath) {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
	}
	res, runErr := r.Run(ctx, specs)
	progress.clear()
	pinned, _ := r.PinCPU()
	rec := &results.Run{
		Schema:   results.Schema,
		Zbench:   results.Version{Version: env.Version, Commit: env.Commit, Modified: env.Modified},
		Started:  started.UTC(),
		Finished: time.Now().UTC(),
		Host:     env,
		Settings: results.Settings{
			Args: append([]string{"run"}, args...), Patterns: o.patterns, Count: o.count, Quick: o.quick,
			SampleTargetNs: int64(o.target), SamplesPerWorker: o.perWork, CPU: pinned, Transport: o.transport, Peer: o.peerAddr, Verify: o.verify,
		},
		Results:     res,
		Interrupted: runErr != nil,
		PeerHost:    peerEnv,
		NIC:         usedNIC,
		PeerNIC:     peerNIC,
	}

	status := exitOK
	for i := range res {
		if res[i].Error != "" {
			status = exitFailed
		}
	}
	if err := results.Write(o.out, rec); err != nil {
		fmt.Fprintf(stderr, "zbench run: %v\n", err)
		status = exitFailed
	}
	if o.json {
		if err := results.Encode(stdout, rec); err != nil {
			fmt.Fprintf(stderr, "zbench run: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(stderr, "results: %s\n", o.out)
	} else {
		if err := report.Table(stdout, rec); err != nil {
			fmt.Fprintf(stderr, "zbench run: %v\n", err)
			return exitFailed
		}
		for _, n := range []struct {
			side string
			nic  *host.NIC
		}{{"network", usedNIC}, {"peer network", peerNIC}} {
			if n.nic != nil {
				fmt.Fprintf(stdout, "%s: %s\n", n.side, n.nic.Describe())
				if n.nic.Note != "" {
					fmt.Fprintf(stdout, "    %s\n", n.nic.Note)
				}
			}
		}
		fmt.Fprintf(stdout, "\nresults: %s\n", o.out)
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "zbench run: interrupted; what was measured is in %s\n", o.out)
		return exitSignaled
	}
	return status
}

func (o *runOptions) validate() error {
	switch {
	case o.count < 1 || o.count > 10000:
		return fmt.Errorf("--count %d: want 1 to 10000 samples", o.count)
	case o.target != 0 && (o.target < time.Millisecond || o.target > time.Minute):
		return fmt.Errorf("--time %v: want 1ms to 1m per sample", o.target)
	case o.perWork < 0 || o.perWork > o.count:
		return fmt.Errorf("--per-worker %d: want 1 to --count (%d)", o.perWork, o.count)
	case o.cpu < -1:
		return fmt.Errorf("--cpu %d: want a CPU number, or -1", o.cpu)
	case !slices.Contains(peer.AllTransports, o.transport):
		return fmt.Errorf("--transport %q: want %s", o.transport, strings.Join(peer.AllTransports, ", "))
	case o.transport == peer.Remote && o.peerAddr == "":
		return errors.New("--transport peer needs --peer HOST:PORT (a zbench serve)")
	case o.transport != peer.Remote && (o.peerAddr != "" || o.tokenFile != ""):
		return errors.New("--peer and --token-file go with --transport peer")
	}
	if o.cpu >= 0 {
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(0, &set); err == nil && !set.IsSet(o.cpu) {
			return fmt.Errorf("--cpu %d: this process may not run on CPU %d", o.cpu, o.cpu)
		}
	}
	return nil
}

// forTransport keeps the benchmarks that run over transport t, and those
// that have no transport at all.
func forTransport(specs []bench.Spec, t string) []bench.Spec {
	var out []bench.Spec
	for _, s := range specs {
		if tr, ok := transportOf(&s); !ok || tr == t {
			out = append(out, s)
		}
	}
	return out
}

func needsTransport(specs []bench.Spec) bool {
	for i := range specs {
		if _, ok := transportOf(&specs[i]); ok {
			return true
		}
	}
	return false
}

func transportOf(s *bench.Spec) (string, bool) {
	for _, p := range s.Params() {
		if p[0] == "transport" {
			return p[1], true
		}
	}
	return "", false
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// defaultOut is zbench-results/HOST-UTCTIME.json in the working directory.
func defaultOut(hostname string, t time.Time) string {
	if hostname == "" {
		hostname = "host"
	}
	name := unsafeName.ReplaceAllString(hostname, "_") + "-" + t.UTC().Format("20060102T150405Z") + ".json"
	return filepath.Join("zbench-results", name)
}
