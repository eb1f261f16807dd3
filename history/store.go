// Package history keeps every zbench run in a store (an embedded SQLite file,
// or a PostgreSQL database shared by a team or a fleet), finds change points in
// each benchmark's series per machine with E-Divisive means, draws the series,
// and gives `check --history` the latest stable segment of a series as its
// baseline. It imports results and name only. See docs/design.md.
package history

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver (pure Go)

	"zbench/results"
)

// DefaultPath is the store used when none is named.
const DefaultPath = "zbench-results/history.db"

// Application is what the schema table says of a store zbench made.
const Application = "zbench"

// Store is an open history store.
type Store struct {
	db      *sql.DB
	dialect dialect
	where   string // the store as named, without a password
}

type dialect int

const (
	sqlite dialect = iota
	postgres
)

// IsURL reports whether spec names a PostgreSQL database rather than a file.
func IsURL(spec string) bool {
	return strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://")
}

// Open opens the store spec, creating it (and, for a file, its directory)
// when it does not exist, and brings its schema up to date. spec is a file
// path for SQLite ("" means DefaultPath) or a postgres:// URL. A file or
// database that holds tables but is not a zbench store, or that is corrupt,
// or whose schema is newer than this zbench, is an error that says so.
func Open(ctx context.Context, spec string) (*Store, error) {
	return open(ctx, spec, Version)
}

// open opens spec and migrates it to schema version target; a target below
// 0 leaves the store as it is, unchecked (for tests).
func open(ctx context.Context, spec string, target int) (*Store, error) {
	if spec == "" {
		spec = DefaultPath
	}
	s := &Store{where: redact(spec)}
	var err error
	if IsURL(spec) {
		s.dialect = postgres
		s.db, err = sql.Open("pgx", spec)
		if err != nil {
			return nil, fmt.Errorf("history store %s: %w", s.where, err)
		}
		if err := s.db.PingContext(ctx); err != nil {
			s.db.Close()
			return nil, fmt.Errorf("history store %s: %w", s.where, err)
		}
	} else {
		s.dialect = sqlite
		if fi, err := os.Stat(spec); err == nil && fi.IsDir() {
			return nil, fmt.Errorf("history store %s: a directory, not a store file", spec)
		}
		if err := os.MkdirAll(filepath.Dir(spec), 0o755); err != nil {
			return nil, fmt.Errorf("history store %s: %w", spec, err)
		}
		// WAL lets readers run beside a writer; busy_timeout makes a second
		// writer wait for the first instead of failing; _txlock=immediate
		// takes the write lock when a transaction begins, so two writers
		// never deadlock upgrading read locks.
		dsn := "file:" + spec + "?_pragma=busy_timeout(30000)&_pragma=foreign_keys(1)&_txlock=immediate"
		s.db, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("history store %s: %w", spec, err)
		}
	}
	if target < 0 {
		return s, nil
	}
	if err := s.migrateTo(ctx, target); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("history store %s: %w", s.where, err)
	}
	return s, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// String is the store as named, without a password.
func (s *Store) String() string { return s.where }

func redact(spec string) string {
	if !IsURL(spec) {
		return spec
	}
	scheme, rest, _ := strings.Cut(spec, "://")
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, ok := strings.Cut(rest[:at], ":"); ok {
			return scheme + "://" + user + ":***" + rest[at:]
		}
	}
	return spec
}

// q rewrites the ? placeholders of query for the store's dialect.
func (s *Store) q(query string) string {
	if s.dialect == sqlite {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Machine identifies the hardware and kernel a run was measured on: runs of
// different machines are never put in one series.
type Machine struct {
	ID             string `json:"machine"`
	CPUModel       string `json:"cpu_model"`
	CPUs           int    `json:"cpus"`
	Kernel         string `json:"kernel"`
	Virtualization string `json:"virtualization"`
}

// MachineOf is the machine of a run: a fingerprint of the CPU model, the
// online CPU count, the kernel release and the virtualisation.
func MachineOf(run *results.Run) Machine {
	m := Machine{
		CPUModel:       run.Host.CPUModel,
		CPUs:           run.Host.CPUsOnline,
		Kernel:         run.Host.Kernel,
		Virtualization: run.Host.Virtualization,
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s\x00%s", m.CPUModel, m.CPUs, m.Kernel, m.Virtualization))
	m.ID = hex.EncodeToString(h[:6])
	return m
}

// String describes the machine for people.
func (m Machine) String() string {
	return fmt.Sprintf("%s (%s, %d CPUs, %s, %s)", m.ID, cmp.Or(m.CPUModel, "n/a"), m.CPUs, cmp.Or(m.Kernel, "n/a"), cmp.Or(m.Virtualization, "n/a"))
}

// RunID is a run's key in the store: its host name and start time, which no
// two runs share.
func RunID(run *results.Run) string {
	return run.Host.Hostname + "@" + run.Started.UTC().Format(time.RFC3339Nano)
}

// commitOf is the commit the run's zbench was built from, "+" when modified.
func commitOf(run *results.Run) string {
	c, mod := run.Zbench.Commit, run.Zbench.Modified
	if c == "" {
		c, mod = run.Host.Commit, run.Host.Modified
	}
	if c != "" && mod {
		c += "+"
	}
	return c
}

// ErrConflict is returned by Import for a record whose host and start time
// are already stored with different content.
var ErrConflict = errors.New("a different record with the same host and start time is already stored")

// Add stores run; a record already stored (the same content) is left as it
// is. It is what `zbench run --store` calls after writing the record.
func (s *Store) Add(ctx context.Context, run *results.Run) error {
	_, err := s.Import(ctx, run)
	return err
}

// Import stores run and reports whether it was new. The whole run is one
// transaction: a reader sees all of it or none of it.
func (s *Store) Import(ctx context.Context, run *results.Run) (bool, error) {
	record, err := json.Marshal(run)
	if err != nil {
		return false, err
	}
	sum := sha256.Sum256(record)
	hash := hex.EncodeToString(sum[:])
	id := RunID(run)
	m := MachineOf(run)

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("history store %s: %w", s.where, err)
	}
	defer tx.Rollback()
	var stored string
	switch err := tx.QueryRowContext(ctx, s.q(`SELECT content_hash FROM runs WHERE id = ?`), id).Scan(&stored); {
	case err == nil:
		if stored != hash {
			return false, fmt.Errorf("run %s: %w", id, ErrConflict)
		}
		return false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("history store %s: %w", s.where, err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO machines (id, cpu_model, cpus, kernel, virtualization)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
		m.ID, m.CPUModel, m.CPUs, m.Kernel, m.Virtualization); err != nil {
		return false, fmt.Errorf("history store %s: machine: %w", s.where, err)
	}
	// ON CONFLICT DO NOTHING: a second writer adding the same record at the
	// same moment finds it stored, rather than an error.
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO runs (id, content_hash, machine, hostname, started, started_ns,
		finished, zbench_version, commit_id, schema_version, record, added)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
		id, hash, m.ID, run.Host.Hostname, run.Started.Format(time.RFC3339Nano), run.Started.UnixNano(),
		run.Finished.Format(time.RFC3339Nano), run.Zbench.Version, commitOf(run), run.Schema, string(record),
		time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return false, fmt.Errorf("history store %s: run %s: %w", s.where, id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		// Another writer stored this key in the meantime: the same record,
		// or a conflicting one.
		if err := tx.QueryRowContext(ctx, s.q(`SELECT content_hash FROM runs WHERE id = ?`), id).Scan(&stored); err == nil && stored != hash {
			return false, fmt.Errorf("run %s: %w", id, ErrConflict)
		}
		return false, nil
	}
	ins, err := tx.PrepareContext(ctx, s.q(`INSERT INTO results (run_id, benchmark, metric, unit, better, status,
		median, ci_low, ci_high, samples, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return false, fmt.Errorf("history store %s: %w", s.where, err)
	}
	defer ins.Close()
	for i := range run.Results {
		for _, row := range rowsOf(&run.Results[i]) {
			samples, _ := json.Marshal(row.samples)
			if _, err := ins.ExecContext(ctx, id, row.benchmark, row.metric, row.unit, row.better, row.status,
				row.median, row.ciLow, row.ciHigh, string(samples), row.reason); err != nil {
				return false, fmt.Errorf("history store %s: run %s, %s %s: %w", s.where, id, row.benchmark, row.metric, err)
			}
		}
	}
	if len(run.Sentinel) > 0 {
		sen, err := tx.PrepareContext(ctx, s.q(`INSERT INTO sentinels (run_id, round, cpu_ns, syscall_ns) VALUES (?, ?, ?, ?)`))
		if err != nil {
			return false, fmt.Errorf("history store %s: %w", s.where, err)
		}
		defer sen.Close()
		for _, v := range run.Sentinel {
			if _, err := sen.ExecContext(ctx, id, v.Round, v.CPUNs, v.SyscallNs); err != nil {
				return false, fmt.Errorf("history store %s: run %s, sentinel: %w", s.where, id, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("history store %s: run %s: %w", s.where, id, err)
	}
	return true, nil
}

type row struct {
	benchmark, metric, unit, better, status, reason string
	median                                          float64
	ciLow, ciHigh                                   *float64
	samples                                         []float64
}

// rowsOf is a result as stored: the headline (metric "") and each metric.
func rowsOf(r *results.Result) []row {
	head := row{benchmark: r.Name, unit: r.Unit, better: r.Better, status: "measured",
		median: r.Median, ciLow: r.CILow, ciHigh: r.CIHigh, samples: r.Samples}
	switch {
	case r.Skipped != "":
		head.status, head.reason = "skipped", r.Skipped
	case r.Error != "":
		head.status, head.reason = "error", r.Error
	}
	if head.samples == nil {
		head.samples = []float64{}
	}
	out := []row{head}
	if head.status == "skipped" {
		return out
	}
	for k, med := range r.Metrics {
		mr := row{benchmark: r.Name, metric: k, unit: k, status: head.status, reason: head.reason,
			median: med, samples: []float64{}}
		if st, ok := r.MetricStats[k]; ok {
			mr.better, mr.ciLow, mr.ciHigh = st.Better, st.CILow, st.CIHigh
			if st.Samples != nil {
				mr.samples = st.Samples
			}
		} else {
			mr.better = results.MetricBetter(k)
		}
		out = append(out, mr)
	}
	return out
}

// RunInfo is one stored run, as `history list` shows it.
type RunInfo struct {
	ID       string    `json:"id"`
	Started  string    `json:"started"`
	Hostname string    `json:"hostname"`
	Machine  Machine   `json:"machine"`
	Version  string    `json:"zbench_version"`
	Commit   string    `json:"commit,omitempty"`
	Measured int       `json:"measured"` // benchmarks with samples
	Failed   int       `json:"failed"`   // benchmarks that errored
	Skipped  int       `json:"skipped"`
	Time     time.Time `json:"-"`
}

// Runs lists the stored runs, oldest first.
func (s *Store) Runs(ctx context.Context) ([]RunInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.started, r.started_ns, r.hostname, r.zbench_version, r.commit_id,
		m.id, m.cpu_model, m.cpus, m.kernel, m.virtualization,
		(SELECT COUNT(*) FROM results x WHERE x.run_id = r.id AND x.metric = '' AND x.status = 'measured'),
		(SELECT COUNT(*) FROM results x WHERE x.run_id = r.id AND x.metric = '' AND x.status = 'error'),
		(SELECT COUNT(*) FROM results x WHERE x.run_id = r.id AND x.metric = '' AND x.status = 'skipped')
		FROM runs r JOIN machines m ON m.id = r.machine ORDER BY r.started_ns, r.id`)
	if err != nil {
		return nil, fmt.Errorf("history store %s: %w", s.where, err)
	}
	defer rows.Close()
	var out []RunInfo
	for rows.Next() {
		var ri RunInfo
		var ns int64
		if err := rows.Scan(&ri.ID, &ri.Started, &ns, &ri.Hostname, &ri.Version, &ri.Commit,
			&ri.Machine.ID, &ri.Machine.CPUModel, &ri.Machine.CPUs, &ri.Machine.Kernel, &ri.Machine.Virtualization,
			&ri.Measured, &ri.Failed, &ri.Skipped); err != nil {
			return nil, fmt.Errorf("history store %s: %w", s.where, err)
		}
		ri.Time = time.Unix(0, ns).UTC()
		out = append(out, ri)
	}
	return out, rows.Err()
}

// Record returns the stored record of the run with the given id.
func (s *Store) Record(ctx context.Context, id string) (*results.Run, error) {
	var rec string
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT record FROM runs WHERE id = ?`), id).Scan(&rec); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("history store %s: no run %s", s.where, id)
		}
		return nil, fmt.Errorf("history store %s: %w", s.where, err)
	}
	run, err := results.Decode([]byte(rec))
	if err != nil {
		return nil, fmt.Errorf("history store %s: run %s: %w", s.where, id, err)
	}
	return run, nil
}
