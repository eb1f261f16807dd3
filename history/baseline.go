package history

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"zbench/results"
)

// BaselineOptions tune BaselineRun.
type BaselineOptions struct {
	Detector Detector
	// MaxRuns caps the runs pooled per benchmark, the newest kept
	// (0: DefaultBaselineRuns).
	MaxRuns int
}

// DefaultBaselineRuns is the most runs BaselineRun pools per benchmark.
const DefaultBaselineRuns = 20

// BaselineRun is the baseline `check --history` gates current against: a run
// record whose results are, for each benchmark of current, the samples of
// every run in the latest stable segment of that benchmark's series on
// current's machine (after its last change point, the newest MaxRuns), pooled
// and summarised; metrics likewise where the runs kept their samples. The
// current run itself is left out when it is already stored. Its host,
// settings and build are those of the newest run pooled; each result's
// warnings say which runs it pools. It is an error when the store holds no
// run of current's machine; a benchmark with no stored series is absent
// from the baseline (check reports it as missing there).
func (s *Store) BaselineRun(ctx context.Context, current *results.Run, opt BaselineOptions) (*results.Run, error) {
	all, want, m, err := s.baselineSeries(ctx, current, &opt, Filter{Metric: "*"})
	if err != nil {
		return nil, err
	}
	heads := map[string]*results.Result{}
	var order []string
	newestID, newest := "", int64(-1)
	// Headlines first (metric ""), so that metrics find their result.
	for pass := range 2 {
		for i := range all {
			sr := &all[i]
			if !want[sr.Benchmark] || (pass == 0) != (sr.Metric == "") {
				continue
			}
			seg := LatestStable(sr, opt.Detector, opt.MaxRuns)
			if seg == nil || len(seg.Samples) == 0 {
				continue
			}
			if pass == 1 {
				if r := heads[sr.Benchmark]; r != nil {
					r.SetMetric(sr.Metric, seg.Samples)
				}
				continue
			}
			r := &results.Result{Name: sr.Benchmark, Unit: sr.Unit, Better: sr.Better, CPU: -1,
				Samples: seg.Samples}
			r.Summarize()
			first, last := seg.Points[0], seg.Points[len(seg.Points)-1]
			r.AddWarning(fmt.Sprintf("baseline: %d runs pooled (%s to %s), the latest stable segment of this machine's series",
				len(seg.Points), first.Started, last.Started))
			if heads[sr.Benchmark] == nil {
				order = append(order, sr.Benchmark)
			}
			// Where the unit changed within the series, the later series
			// comes later: the latest unit wins.
			heads[sr.Benchmark] = r
			if t := last.Time.UnixNano(); t > newest {
				newest, newestID = t, last.RunID
			}
		}
	}
	if len(heads) == 0 {
		return nil, fmt.Errorf("history store %s: none of the run's benchmarks has a stored series on this machine, %s", s.where, m)
	}
	ref, err := s.Record(ctx, newestID)
	if err != nil {
		return nil, err
	}
	base := &results.Run{
		Schema: results.Schema, Zbench: ref.Zbench, Started: ref.Started, Finished: ref.Finished,
		Host: ref.Host, Settings: ref.Settings,
	}
	for _, n := range order {
		base.Results = append(base.Results, *heads[n])
	}
	return base, nil
}

// baselineSeries is what both baselines start from: the series f selects
// on current's machine, current itself left out, and the set of current's
// benchmarks (want); opt's defaults are filled in. It is an error when the
// store holds no run of current's machine.
func (s *Store) baselineSeries(ctx context.Context, current *results.Run, opt *BaselineOptions, f Filter) (all []Series, want map[string]bool, m Machine, err error) {
	if opt.MaxRuns <= 0 {
		opt.MaxRuns = DefaultBaselineRuns
	}
	m = MachineOf(current)
	want = map[string]bool{}
	names := make([]string, 0, len(current.Results))
	for _, r := range current.Results {
		want[r.Name] = true
		names = append(names, r.Name)
	}
	f.Machine, f.Exclude = m.ID, RunID(current)
	if len(names) == 1 {
		f.Benchmarks = names
	}
	if all, err = s.Series(ctx, f); err != nil {
		return nil, nil, m, err
	}
	if len(all) == 0 {
		return nil, nil, m, fmt.Errorf("history store %s: no run of this machine, %s", s.where, m)
	}
	return all, want, m, nil
}

// BaselineRuns is the baseline of `check --history` as whole stored records,
// for a gate that pools runs itself (report.CheckRuns): for each benchmark of
// current, the runs of the latest stable segment of its series on current's
// machine (after its last change point, the newest MaxRuns), each record
// holding only the benchmarks whose segment it belongs to, with their
// metrics, and its host sentinel. Oldest first; current itself is left out.
// It is an error when the store holds no run of current's machine, or none of
// current's benchmarks.
func (s *Store) BaselineRuns(ctx context.Context, current *results.Run, opt BaselineOptions) ([]*results.Run, error) {
	all, want, m, err := s.baselineSeries(ctx, current, &opt, Filter{MediansOnly: true})
	if err != nil {
		return nil, err
	}
	// The last series of a benchmark is its latest unit's.
	latest := map[string]*Series{}
	for i := range all {
		if want[all[i].Benchmark] {
			latest[all[i].Benchmark] = &all[i]
		}
	}
	if len(latest) == 0 {
		return nil, fmt.Errorf("history store %s: none of the run's benchmarks has a stored series on this machine, %s", s.where, m)
	}
	member := map[string]map[string]bool{} // run id → benchmarks it stands for
	at := map[string]time.Time{}
	for name, sr := range latest {
		for _, p := range LatestStable(sr, opt.Detector, opt.MaxRuns).Points {
			if member[p.RunID] == nil {
				member[p.RunID] = map[string]bool{}
			}
			member[p.RunID][name] = true
			at[p.RunID] = p.Time
		}
	}
	ids := make([]string, 0, len(member))
	for id := range member {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(at[a].Compare(at[b]), cmp.Compare(a, b)) })
	out := make([]*results.Run, 0, len(ids))
	for _, id := range ids {
		rec, err := s.Record(ctx, id)
		if err != nil {
			return nil, err
		}
		kept := rec.Results[:0]
		for _, r := range rec.Results {
			if member[id][r.Name] {
				kept = append(kept, r)
			}
		}
		rec.Results = kept
		out = append(out, rec)
	}
	return out, nil
}
