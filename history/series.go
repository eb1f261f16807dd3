package history

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Point is one run's value in a series.
type Point struct {
	RunID   string
	Started string // the run's start time as stored (RFC 3339)
	Time    time.Time
	Commit  string
	// Median is the run's median for the benchmark or metric, with its
	// interval where the run had one; Samples are its samples (none for a
	// metric of a schema-1 record, which kept only the median).
	Median        float64
	CILow, CIHigh *float64
	Samples       []float64
	// Sentinel is the median over the run's rounds of the host sentinel's
	// null system call and CPU loop times (0 where the run has none).
	SentinelSyscallNs, SentinelCPUNs float64
}

// Series is one benchmark's (or one of its metrics') values on one machine,
// in run order.
type Series struct {
	Benchmark string
	Metric    string // "" for the benchmark's own unit
	Unit      string
	Better    string
	Machine   Machine
	Points    []Point
}

// Key names the series: benchmark, metric, machine.
func (s *Series) Key() string {
	k := s.Benchmark
	if s.Metric != "" {
		k += " [" + s.Metric + "]"
	}
	return k + " @" + s.Machine.ID
}

// Filter selects series.
type Filter struct {
	// Benchmarks are exact names or prefixes ending in "/" ("lat/syscall/");
	// none selects all.
	Benchmarks []string
	// Metrics: "" the headline only, "*" the headline and every metric, or
	// one metric name.
	Metric string
	// Machine selects one machine by ID ("" all).
	Machine string
	// Exclude leaves out the run with this id (the current run, for a
	// baseline).
	Exclude string
	// MediansOnly leaves Point.Samples empty: change points and charts need
	// only each run's median and interval, and reading every sample of
	// every run costs more than finding the change points.
	MediansOnly bool
}

func (f Filter) wants(benchmark string) bool {
	if len(f.Benchmarks) == 0 {
		return true
	}
	for _, b := range f.Benchmarks {
		if b == benchmark || (strings.HasSuffix(b, "/") && strings.HasPrefix(benchmark, b)) {
			return true
		}
	}
	return false
}

// Series loads the measured series selected by f, sorted by benchmark,
// metric and machine, each in run order (start time). A unit that changed
// within a series starts a new series.
func (s *Store) Series(ctx context.Context, f Filter) ([]Series, error) {
	samplesCol := "x.samples"
	if f.MediansOnly {
		samplesCol = "'[]'"
	}
	query := `SELECT r.id, r.started, r.started_ns, r.commit_id, r.machine,
		m.cpu_model, m.cpus, m.kernel, m.virtualization,
		x.benchmark, x.metric, x.unit, x.better, x.median, x.ci_low, x.ci_high, ` + samplesCol + `
		FROM results x JOIN runs r ON r.id = x.run_id JOIN machines m ON m.id = r.machine
		WHERE x.status = 'measured'`
	var args []any
	switch f.Metric {
	case "*":
	default:
		query += ` AND x.metric = ?`
		args = append(args, f.Metric)
	}
	if f.Machine != "" {
		query += ` AND r.machine = ?`
		args = append(args, f.Machine)
	}
	if f.Exclude != "" {
		query += ` AND r.id <> ?`
		args = append(args, f.Exclude)
	}
	if len(f.Benchmarks) == 1 && !strings.HasSuffix(f.Benchmarks[0], "/") {
		query += ` AND x.benchmark = ?`
		args = append(args, f.Benchmarks[0])
	}
	// Sorted here rather than by the database: SQLite's sort of every row
	// cost more than the rest of `history changes` together.
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("history store %s: %w", s.where, err)
	}
	defer rows.Close()
	type key struct{ bench, metric, machine string }
	type pointUnit struct {
		Point
		ns           int64
		unit, better string
	}
	groups := map[key][]pointUnit{}
	machines := map[string]Machine{}
	for rows.Next() {
		var p pointUnit
		var m Machine
		var bench, metric, samples string
		var lo, hi sql.NullFloat64
		if err := rows.Scan(&p.RunID, &p.Started, &p.ns, &p.Commit, &m.ID, &m.CPUModel, &m.CPUs, &m.Kernel,
			&m.Virtualization, &bench, &metric, &p.unit, &p.better, &p.Median, &lo, &hi, &samples); err != nil {
			return nil, fmt.Errorf("history store %s: %w", s.where, err)
		}
		if !f.wants(bench) {
			continue
		}
		p.Time = time.Unix(0, p.ns).UTC()
		if lo.Valid && hi.Valid {
			l, h := lo.Float64, hi.Float64
			p.CILow, p.CIHigh = &l, &h
		}
		if !f.MediansOnly {
			if err := json.Unmarshal([]byte(samples), &p.Samples); err != nil {
				return nil, fmt.Errorf("history store %s: run %s, %s: samples: %w", s.where, p.RunID, bench, err)
			}
		}
		machines[m.ID] = m
		k := key{bench, metric, m.ID}
		groups[k] = append(groups[k], p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history store %s: %w", s.where, err)
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.bench, b.bench), cmp.Compare(a.metric, b.metric), cmp.Compare(a.machine, b.machine))
	})
	var out []Series
	for _, k := range keys {
		ps := groups[k]
		slices.SortFunc(ps, func(a, b pointUnit) int { return cmp.Or(cmp.Compare(a.ns, b.ns), cmp.Compare(a.RunID, b.RunID)) })
		var cur *Series
		for _, p := range ps {
			// A unit that changed within the series starts a new one.
			if cur == nil || cur.Unit != p.unit {
				out = append(out, Series{Benchmark: k.bench, Metric: k.metric, Unit: p.unit, Better: p.better, Machine: machines[k.machine]})
				cur = &out[len(out)-1]
			}
			cur.Points = append(cur.Points, p.Point)
		}
	}
	if err := s.attachSentinels(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// attachSentinels fills each point's sentinel medians.
func (s *Store) attachSentinels(ctx context.Context, series []Series) error {
	rows, err := s.db.QueryContext(ctx, `SELECT run_id, cpu_ns, syscall_ns FROM sentinels ORDER BY run_id, round`)
	if err != nil {
		return fmt.Errorf("history store %s: %w", s.where, err)
	}
	defer rows.Close()
	cpu, sys := map[string][]float64{}, map[string][]float64{}
	for rows.Next() {
		var id string
		var c, y float64
		if err := rows.Scan(&id, &c, &y); err != nil {
			return fmt.Errorf("history store %s: %w", s.where, err)
		}
		cpu[id] = append(cpu[id], c)
		sys[id] = append(sys[id], y)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("history store %s: %w", s.where, err)
	}
	if len(cpu) == 0 {
		return nil
	}
	medCPU, medSys := map[string]float64{}, map[string]float64{}
	for id := range cpu {
		medCPU[id], medSys[id] = median(cpu[id]), median(sys[id])
	}
	for i := range series {
		for j := range series[i].Points {
			p := &series[i].Points[j]
			p.SentinelCPUNs, p.SentinelSyscallNs = medCPU[p.RunID], medSys[p.RunID]
		}
	}
	return nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
