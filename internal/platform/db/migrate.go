package db

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Source is one module's embedded migrations: files named NNNN_what.sql
// under "sqlite/" and "postgres/", one set per dialect. Both sets must hold the
// same file names; a test checks the schemas they produce are the same.
type Source struct {
	Module string
	FS     fs.FS
}

// Migration is one file to apply.
type Migration struct {
	Module, Name, SQL string
}

// ID is how the migration is recorded in schema_migrations.
func (m Migration) ID() string { return m.Module + "/" + m.Name }

// Plan lists the migrations of sources for the dialect, in order: modules in
// the order given (the platform first), files by name within a module.
func Plan(d Dialect, sources ...Source) ([]Migration, error) {
	var out []Migration
	for _, s := range sources {
		dir := d.String()
		entries, err := fs.ReadDir(s.FS, dir)
		if err != nil {
			return nil, fmt.Errorf("migrations of %s: %w", s.Module, err)
		}
		var names []string
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			b, err := fs.ReadFile(s.FS, path.Join(dir, n))
			if err != nil {
				return nil, err
			}
			out = append(out, Migration{Module: s.Module, Name: n, SQL: string(b)})
		}
	}
	return out, nil
}

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	id TEXT PRIMARY KEY,
	applied_at TIMESTAMP NOT NULL
)`

// Migrate applies the migrations not yet applied, each in its own
// transaction together with its record. On PostgreSQL an advisory lock keeps
// several starting processes from migrating at once.
func Migrate(ctx context.Context, d *DB, sources ...Source) (applied []string, err error) {
	plan, err := Plan(d.Dialect, sources...)
	if err != nil {
		return nil, err
	}
	err = d.Tx(ctx, func(tx *Tx) error {
		// The lock comes first: even CREATE TABLE IF NOT EXISTS races
		// between processes starting together on PostgreSQL.
		if d.Dialect == Postgres {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7261001)`); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, migrationsTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		done := map[string]bool{}
		rows, err := tx.Query(ctx, `SELECT id FROM schema_migrations`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			done[id] = true
		}
		rows.Close()
		for _, m := range plan {
			if done[m.ID()] {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.ID(), err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)`,
				m.ID(), time.Now().UTC()); err != nil {
				return err
			}
			applied = append(applied, m.ID())
		}
		return nil
	})
	return applied, err
}

// Pending lists the migrations of sources that the database lacks; /readyz
// is not ready while any are pending.
func Pending(ctx context.Context, d *DB, sources ...Source) ([]string, error) {
	plan, err := Plan(d.Dialect, sources...)
	if err != nil {
		return nil, err
	}
	done := map[string]bool{}
	rows, err := d.Query(ctx, `SELECT id FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("schema not migrated: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		done[id] = true
	}
	var out []string
	for _, m := range plan {
		if !done[m.ID()] {
			out = append(out, m.ID())
		}
	}
	return out, rows.Err()
}
