// Package results is the record stage of zbench's pipeline: the Run model is
// the one canonical record of a run (host environment, settings, every sample
// of every benchmark, summaries, metrics, warnings), and this package writes it
// atomically and reads it back with validation. Reporting reads only this.
package results

import (
	"time"

	"zbench/internal/host"
)

// Schema is the version of the run record this zbench writes. Fields may be
// added freely; the meaning of an existing field never changes without a new
// schema number. Schema 2 adds every metric's per-sample values and summary
// (Result.MetricStats) and the host sentinel of each round (Run.Sentinel).
// Records of schema 1 are still read (see Decode).
const Schema = 2

// MinSchema is the oldest schema this zbench reads.
const MinSchema = 1

// Run is one invocation of `zbench run`.
type Run struct {
	Schema   int       `json:"schema"`
	Zbench   Version   `json:"zbench"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Host     host.Env  `json:"host"`
	Settings Settings  `json:"settings"`
	Results  []Result  `json:"results"`
	// PeerHost is the environment of the remote zbench serve, for runs with
	// --transport peer.
	PeerHost *host.Env `json:"peer_host,omitempty"`
	// NIC is the interface this host's network benchmarks used, PeerNIC the
	// server's (--transport peer): what decides whether zero-copy can be.
	NIC     *host.NIC `json:"nic,omitempty"`
	PeerNIC *host.NIC `json:"peer_nic,omitempty"`
	// Interrupted is set when the run was stopped (e.g. Ctrl-C) before every
	// benchmark had all its samples; what was measured is still recorded.
	Interrupted bool `json:"interrupted,omitempty"`
	// Sentinel holds, once per round of the run, the timing of a small fixed
	// workload that does not change with the code under test: it tells a
	// change of the host (another tenant, a slower clock) from a change of
	// the code. Absent from schema-1 records.
	Sentinel []Sentinel `json:"sentinel,omitempty"`
}

// Sentinel is the host sentinel of one round.
type Sentinel struct {
	Round int `json:"round"` // 0-based round of the run it was taken in
	// CPUNs is the time in ns of one iteration of a fixed pure-CPU loop
	// (no memory traffic, no system call): the speed of the core.
	CPUNs float64 `json:"cpu_ns"`
	// SyscallNs is the time in ns of one null system call: the cost of
	// entering the kernel, which hypervisors and mitigations move.
	SyscallNs float64 `json:"syscall_ns"`
}

// Version identifies the zbench build that made the record.
type Version struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"`
}

// Settings are the effective options of the run, so that it can be reproduced.
type Settings struct {
	Args             []string `json:"args"`
	Patterns         []string `json:"patterns,omitempty"`
	Count            int      `json:"count"`
	Quick            bool     `json:"quick,omitempty"`
	SampleTargetNs   int64    `json:"sample_target_ns"`
	SamplesPerWorker int      `json:"samples_per_worker"`
	CPU              int      `json:"cpu"`
	Transport        string   `json:"transport,omitempty"`
	Peer             string   `json:"peer,omitempty"`
	Verify           bool     `json:"verify,omitempty"`
}

// Result is one benchmark's outcome. A result is exactly one of: measured
// (Samples non-empty), Skipped (with the reason), or Error (with what failed;
// samples taken before the failure are kept).
type Result struct {
	Name   string `json:"name"`
	Doc    string `json:"doc,omitempty"`
	Unit   string `json:"unit"`
	Better string `json:"better"`

	// Samples holds one value per sample in Unit; each sample is one timed
	// run of Iterations[i] operations, and samples come from several worker
	// processes (Workers of them).
	Samples    []float64 `json:"samples,omitempty"`
	Iterations []int64   `json:"iterations,omitempty"`
	Workers    int       `json:"workers,omitempty"`
	// SampleTargetNs is the length each sample was calibrated to.
	SampleTargetNs int64 `json:"sample_target_ns,omitempty"`
	CPU            int   `json:"cpu"` // CPU the measuring thread was pinned to, -1 if not pinned

	// Median with its confidence interval (golang.org/x/perf/benchmath,
	// no distributional assumption). CILow/CIHigh are absent when there are
	// too few samples for a finite interval at Confidence.
	Median     float64  `json:"median"`
	CILow      *float64 `json:"ci_low,omitempty"`
	CIHigh     *float64 `json:"ci_high,omitempty"`
	Confidence float64  `json:"confidence,omitempty"`
	Min        float64  `json:"min"`
	Max        float64  `json:"max"`

	// Metrics are extra per-benchmark figures (median over samples), keyed by
	// unit-bearing names such as "ns/enter" or "p99-ns".
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// MetricStats (schema 2) holds, per metric of Metrics, every sample's
	// value and the summary the headline gets; Metrics[k] is the median of
	// MetricStats[k].Samples. Set both with SetMetric.
	MetricStats map[string]Metric `json:"metric_stats,omitempty"`

	Warnings []string `json:"warnings,omitempty"`
	Skipped  string   `json:"skipped,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// Measured reports whether r carries a summary.
func (r *Result) Measured() bool { return len(r.Samples) > 0 }

// HalfCIPercent is the larger half-width of the confidence interval as a
// percentage of the median, and false when there is no finite interval.
func (r *Result) HalfCIPercent() (float64, bool) {
	if r.CILow == nil || r.CIHigh == nil || r.Median == 0 {
		return 0, false
	}
	lo, hi := r.Median-*r.CILow, *r.CIHigh-r.Median
	return 100 * max(lo, hi) / r.Median, true
}
