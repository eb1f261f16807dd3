package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
	"zbench/history"

	"zbench/bench"
	"zbench/internal/host"
	"zbench/internal/sys"
	"zbench/name"
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
	exact     bool
	store     string // --store: the history store each run is added to
	patterns  []string
	args      []string
}

// cmdRun is `zbench run`: options, the benchmarks, the transport, the
// runner, the record and its report, in that order.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseRun(args, stderr)
	if !ok {
		return code
	}
	if runtime.GOOS != "linux" {
		fmt.Fprintf(stderr, "zbench run: measuring needs Linux (this is %s/%s); compare, check, plot and export read records anywhere\n", runtime.GOOS, runtime.GOARCH)
		return exitFailed
	}
	specs, err := o.selectSpecs(registry())
	if err != nil {
		fmt.Fprintf(stderr, "zbench run: %v\n", err)
		return exitUsage
	}
	env := host.Probe()
	started := time.Now()
	if o.out == "" {
		o.out = defaultOut(env.Hostname, started)
	}
	if err := checkOut(o.out); err != nil {
		fmt.Fprintf(stderr, "zbench run: --out %s: %v\n", o.out, err)
		return exitUsage
	}

	var store *history.Store
	if o.store != "" {
		if store, err = openStore(o.store); err != nil {
			fmt.Fprintf(stderr, "zbench run: --store %s: %v\n", o.store, err)
			return exitUsage
		}
		defer store.Close()
	}

	// From here every way out goes through the deferred clean-up: Ctrl-C,
	// SIGTERM and SIGHUP cancel the run instead of killing the process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	link := &peer.Link{}
	if o.needsLink(specs) {
		if link, err = peer.Open(name.Transport(o.transport), o.peerAddr, o.tokenFile); err != nil {
			fmt.Fprintf(stderr, "zbench run: --transport %s: %s\n", o.transport, bench.SkipReason(err))
			return exitFailed
		}
		defer func() {
			if err := link.Close(); err != nil {
				fmt.Fprintf(stderr, "zbench run: removing the %s transport: %v\n", o.transport, err)
			}
		}()
	}
	r := &bench.Runner{Count: o.count, Target: o.target, PerWorker: o.perWork, CPU: o.cpu, Verify: o.verify, Transport: link.Transport, Sentinel: true}
	progress := newProgress(stderr, started)
	r.Progress = progress.show
	res, runErr := r.Run(ctx, specs)
	progress.clear()
	if runErr != nil && ctx.Err() == nil {
		// Not an interrupt: the run could not start (its temporary
		// directory), and nothing was measured.
		fmt.Fprintf(stderr, "zbench run: %v\n", runErr)
		return exitFailed
	}
	pinned, _ := r.PinCPU()
	rec := &results.Run{
		Schema:   results.Schema,
		Zbench:   results.Version{Version: env.Version, Commit: env.Commit, Modified: env.Modified},
		Started:  started.UTC(),
		Finished: time.Now().UTC(),
		Host:     env,
		Settings: results.Settings{
			Args: append([]string{"run"}, o.args...), Patterns: o.patterns, Count: o.count, Quick: o.quick,
			SampleTargetNs: int64(o.target), SamplesPerWorker: o.perWork, CPU: pinned, Transport: o.transport, Peer: o.peerAddr, Verify: o.verify,
		},
		Results:     res,
		Interrupted: runErr != nil,
		Sentinel:    r.Sentinels(),
		PeerHost:    link.PeerHost,
		NIC:         link.NIC,
		PeerNIC:     link.PeerNIC,
	}
	code, written := finish(rec, o, runErr, stdout, stderr)
	// An interrupted run is a part of a run: it stays out of the history,
	// where it would read as a run of its own. So does a record that could
	// not be written where --out said.
	if store != nil && !rec.Interrupted && written == o.out {
		if !storeRun(store, o.store, o.out, rec, stderr) && code == exitOK {
			code = exitFailed
		}
	}
	return code
}

// parseRun reads run's flags; ok is false when the command ends here, with
// code.
func parseRun(args []string, stderr io.Writer) (o runOptions, code int, ok bool) {
	o.args = args
	fs := newFlagSet("run", "run [flags] [PATTERN...]", stderr)
	fs.IntVar(&o.count, "count", 10, "samples per benchmark")
	fs.BoolVar(&o.quick, "quick", false, "smoke run: 3 samples of 10ms from one worker per benchmark (seconds for the whole suite)")
	fs.StringVar(&o.out, "out", "", "run record path (default zbench-results/HOST-UTCTIME.json)")
	fs.BoolVar(&o.json, "json", false, "print the run record to stdout instead of the table (the file is still written)")
	fs.DurationVar(&o.target, "time", 0, "length of one sample, for every benchmark (default: each benchmark's own, 100ms unless it says)")
	fs.IntVar(&o.cpu, "cpu", -1, "CPU for pinned benchmarks (-1: the last CPU this process may use)")
	fs.IntVar(&o.perWork, "per-worker", 0, "samples taken by one worker process, for every benchmark (default: each benchmark's own, 1 unless it says)")
	fs.BoolVar(&o.verify, "verify", false, "benchmarks that move bytes check every byte they receive (slower; for testing)")
	fs.BoolVar(&o.exact, "exact", false, "a pattern selects the benchmark of exactly that name, not its variants (as a trailing $ does: lat/syscall/null$)")
	fs.StringVar(&o.transport, "transport", peer.Loopback, "where network benchmarks run: loopback, netns (loopback in a network namespace made for the run; needs root), veth (two network namespaces made for the run, joined by a veth link; needs root), or peer (a zbench serve at --peer)")
	fs.StringVar(&o.peerAddr, "peer", "", "HOST:PORT of the zbench serve for --transport peer")
	fs.StringVar(&o.tokenFile, "token-file", "", "shared secret for the zbench serve at --peer")
	fs.StringVar(&o.store, "store", "", "also add the run to this history store: a SQLite file ("+history.DefaultPath+") or a postgres:// URL")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, exitOK, false
		}
		return o, exitUsage, false
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
		return o, exitUsage, false
	}
	return o, exitOK, true
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
		if cpus, err := sys.AllowedCPUs(); err == nil && !slices.Contains(cpus, o.cpu) {
			return fmt.Errorf("--cpu %d: this process may not run on CPU %d", o.cpu, o.cpu)
		}
	}
	return nil
}

// selectSpecs picks the benchmarks to run. The default suite keeps its
// entries for other transports, which the runner lists as skipped with the
// --transport that would run them; patterns keep the benchmarks of this
// run's transport and those without one.
func (o *runOptions) selectSpecs(all []bench.Spec) ([]bench.Spec, error) {
	patterns := o.patterns
	if o.exact {
		patterns = make([]string, len(o.patterns))
		for i, p := range o.patterns {
			patterns[i] = strings.TrimSuffix(p, "$") + "$"
		}
	}
	specs, err := bench.Select(all, patterns)
	if err != nil || len(o.patterns) == 0 {
		return specs, err
	}
	var keep []bench.Spec
	other := map[string]bool{}
	for _, s := range specs {
		if tr, ok := transportOf(&s); ok && tr != o.transport {
			other[tr] = true
			continue
		}
		keep = append(keep, s)
	}
	if len(keep) == 0 {
		var flags []string
		for _, t := range peer.AllTransports {
			if other[t] {
				flags = append(flags, "--transport "+t)
			}
		}
		return nil, fmt.Errorf("nothing to run over --transport %s: what %s selects runs with %s",
			o.transport, strings.Join(o.patterns, " "), strings.Join(flags, " or "))
	}
	return keep, nil
}

// needsLink says whether a benchmark of specs runs over this run's
// transport, which must then be set up.
func (o *runOptions) needsLink(specs []bench.Spec) bool {
	for i := range specs {
		if tr, ok := transportOf(&specs[i]); ok && tr == o.transport {
			return true
		}
	}
	return false
}

// transportOf is the transport s is declared for (its transport=
// parameter), if any.
func transportOf(s *bench.Spec) (string, bool) {
	n := name.Parse(s.Name)
	if !n.Has("transport") {
		return "", false
	}
	return n.Param("transport"), true
}

// finish writes the record and reports it: the table (or the JSON on
// stdout), the interfaces used, and where the record is. It returns the exit
// status and the path the record was written to ("" where it was not).
func finish(rec *results.Run, o runOptions, runErr error, stdout, stderr io.Writer) (int, string) {
	status := exitOK
	for i := range rec.Results {
		if rec.Results[i].Error != "" {
			status = exitFailed
		}
	}
	written, err := writeRecord(o.out, rec, stderr)
	if err != nil || written != o.out {
		status = exitFailed
	}
	if o.json {
		if err := results.Encode(stdout, rec); err != nil {
			fmt.Fprintf(stderr, "zbench run: %v\n", err)
			return exitFailed, written
		}
		if written != "" {
			fmt.Fprintf(stderr, "results: %s\n", written)
		}
	} else {
		if err := report.Table(stdout, rec); err != nil {
			fmt.Fprintf(stderr, "zbench run: %v\n", err)
			return exitFailed, written
		}
		for _, n := range []struct {
			side string
			nic  *host.NIC
		}{{"network", rec.NIC}, {"peer network", rec.PeerNIC}} {
			if n.nic != nil {
				fmt.Fprintf(stdout, "%s: %s\n", n.side, n.nic.Describe())
				if n.nic.Note != "" {
					fmt.Fprintf(stdout, "    %s\n", n.nic.Note)
				}
			}
		}
		if written != "" {
			fmt.Fprintf(stdout, "\nresults: %s\n", written)
		}
	}
	if runErr != nil {
		if written != "" {
			fmt.Fprintf(stderr, "zbench run: interrupted; what was measured is in %s\n", written)
		}
		return exitSignaled, written
	}
	return status, written
}

// checkOut checks before the run that the record can be written at path:
// not a directory, and the nearest directory of it that exists is a
// directory this process can create files in.
func checkOut(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("is a directory; want the path of a file")
	}
	dir := filepath.Dir(path)
	for {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a directory", dir)
			}
			break
		}
		if !os.IsNotExist(err) && !errors.Is(err, syscall.ENOTDIR) {
			return err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return err
		}
		dir = parent
	}
	f, err := os.CreateTemp(dir, ".zbench-write-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// writeRecord writes rec at path. Where that fails (a full disk, a
// directory gone), it keeps the record elsewhere, says where, and returns
// that path: the temporary directory, then the working directory, and last
// the record itself on stderr, so that no run is lost. It returns "" only
// when the record is on stderr.
func writeRecord(path string, rec *results.Run, stderr io.Writer) (string, error) {
	err := results.Write(path, rec)
	if err == nil {
		return path, nil
	}
	fmt.Fprintf(stderr, "zbench run: %v\n", err)
	base := filepath.Base(path)
	if filepath.Ext(base) != ".json" {
		base += ".json"
	}
	for _, dir := range []string{os.TempDir(), "."} {
		alt, aerr := os.CreateTemp(dir, "zbench-unsaved-*-"+base)
		if aerr != nil {
			continue
		}
		alt.Close()
		if results.Write(alt.Name(), rec) == nil {
			fmt.Fprintf(stderr, "zbench run: the record was kept in %s instead\n", alt.Name())
			return alt.Name(), err
		}
		os.Remove(alt.Name())
	}
	fmt.Fprintf(stderr, "zbench run: the record could not be written anywhere; here it is:\n")
	results.Encode(stderr, rec)
	return "", err
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
