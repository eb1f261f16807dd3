package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// migrations are the store's schema, one step per version: migrations[i]
// takes a store from version i to version i+1. Steps are only ever appended;
// the same statements serve SQLite and PostgreSQL. Times are RFC 3339 text
// beside an integer of nanoseconds for ordering; samples are JSON arrays.
var migrations = [][]string{
	// 1: runs, their machines, and every result and metric with its samples.
	{
		`CREATE TABLE machines (
			id TEXT PRIMARY KEY,
			cpu_model TEXT NOT NULL,
			cpus INTEGER NOT NULL,
			kernel TEXT NOT NULL,
			virtualization TEXT NOT NULL)`,
		`CREATE TABLE runs (
			id TEXT PRIMARY KEY,
			content_hash TEXT NOT NULL,
			machine TEXT NOT NULL REFERENCES machines (id),
			hostname TEXT NOT NULL,
			started TEXT NOT NULL,
			started_ns BIGINT NOT NULL,
			finished TEXT NOT NULL,
			zbench_version TEXT NOT NULL,
			commit_id TEXT NOT NULL,
			schema_version INTEGER NOT NULL,
			record TEXT NOT NULL,
			added TEXT NOT NULL)`,
		`CREATE INDEX runs_by_machine ON runs (machine, started_ns)`,
		`CREATE TABLE results (
			run_id TEXT NOT NULL REFERENCES runs (id),
			benchmark TEXT NOT NULL,
			metric TEXT NOT NULL,
			unit TEXT NOT NULL,
			better TEXT NOT NULL,
			status TEXT NOT NULL,
			median DOUBLE PRECISION NOT NULL,
			ci_low DOUBLE PRECISION,
			ci_high DOUBLE PRECISION,
			samples TEXT NOT NULL,
			reason TEXT NOT NULL,
			PRIMARY KEY (run_id, benchmark, metric))`,
		`CREATE INDEX results_by_benchmark ON results (benchmark, metric)`,
	},
	// 2: the host sentinel of each round (record schema 2).
	{
		`CREATE TABLE sentinels (
			run_id TEXT NOT NULL REFERENCES runs (id),
			round INTEGER NOT NULL,
			cpu_ns DOUBLE PRECISION NOT NULL,
			syscall_ns DOUBLE PRECISION NOT NULL,
			PRIMARY KEY (run_id, round))`,
	},
}

// Version is the store schema version this zbench writes.
var Version = len(migrations)

// migrateTo checks that the store is zbench's and applies the missing steps,
// each in a transaction with the version it reaches. Two processes opening a
// new store at once are serialised: SQLite by the write lock the transaction
// takes when it begins, PostgreSQL by an advisory lock.
func (s *Store) migrateTo(ctx context.Context, target int) error {
	for {
		done, err := s.step(ctx, target)
		if err != nil || done {
			return err
		}
	}
}

// step applies one migration, and reports true when none was left.
func (s *Store) step(ctx context.Context, target int) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, describeOpenError(err)
	}
	defer tx.Rollback()
	if s.dialect == postgres {
		// The key is arbitrary: the same for every zbench, per database.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7386528150)`); err != nil {
			return false, err
		}
	}
	tables, err := s.tables(ctx, tx)
	if err != nil {
		return false, describeOpenError(err)
	}
	version := 0
	if slices.Contains(tables, "zbench_schema") {
		var app string
		err := tx.QueryRowContext(ctx, `SELECT application, version FROM zbench_schema`).Scan(&app, &version)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return false, errors.New("not a zbench history store: its zbench_schema table is empty")
		case err != nil:
			return false, fmt.Errorf("not a zbench history store: its zbench_schema table cannot be read: %w", err)
		case app != Application:
			return false, fmt.Errorf("not a zbench history store: it belongs to %q", app)
		case version > Version:
			return false, fmt.Errorf("store schema %d is newer than this zbench (schema %d): use a newer zbench", version, Version)
		case version < 1:
			return false, fmt.Errorf("not a zbench history store: schema version %d", version)
		}
	} else if len(tables) > 0 {
		if len(tables) > 5 {
			tables = append(tables[:5], "…")
		}
		return false, fmt.Errorf("not a zbench history store: it holds other tables (%s) and no zbench_schema", strings.Join(tables, ", "))
	}
	if version >= target {
		return true, nil
	}
	for _, stmt := range migrations[version] {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("migrating to schema %d: %w", version+1, err)
		}
	}
	if version == 0 {
		_, err = tx.ExecContext(ctx, `CREATE TABLE zbench_schema (application TEXT NOT NULL, version INTEGER NOT NULL)`)
		if err == nil {
			_, err = tx.ExecContext(ctx, s.q(`INSERT INTO zbench_schema (application, version) VALUES (?, ?)`), Application, 1)
		}
	} else {
		_, err = tx.ExecContext(ctx, s.q(`UPDATE zbench_schema SET version = ?`), version+1)
	}
	if err != nil {
		return false, fmt.Errorf("migrating to schema %d: %w", version+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrating to schema %d: %w", version+1, err)
	}
	return false, nil
}

// tables lists the tables of the store (of the current schema, for
// PostgreSQL), sorted.
func (s *Store) tables(ctx context.Context, tx *sql.Tx) ([]string, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if s.dialect == postgres {
		query = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// describeOpenError says what an SQLite error on first contact means.
func describeOpenError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "file is not a database"), strings.Contains(msg, "SQLITE_NOTADB"):
		return fmt.Errorf("not an SQLite database, or corrupt: %w", err)
	case strings.Contains(msg, "malformed"), strings.Contains(msg, "SQLITE_CORRUPT"):
		return fmt.Errorf("corrupt SQLite database: %w", err)
	}
	return err
}
