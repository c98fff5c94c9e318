// Package db opens the platform's database — an embedded SQLite file or a
// PostgreSQL server — and hides the few differences between the two behind
// one small API. SQL is written by hand with `?` placeholders; for PostgreSQL
// they are rewritten to `$n` once per statement and cached.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

// Dialect names the database engine behind a DB.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is the handle every store uses. Reads go to a pool of connections;
// writes go through Tx. On SQLite the writer is a single connection that takes
// the write lock at BEGIN (one writer, no SQLITE_BUSY upgrade deadlocks); on
// PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	read    *sql.DB
	write   *sql.DB
	target  string // redacted, for messages
	rebinds sync.Map
}

// IsPostgresURL tells whether a --db value names a PostgreSQL server.
func IsPostgresURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// Redact hides the password of a PostgreSQL URL so it can be printed.
func Redact(target string) string {
	if !IsPostgresURL(target) {
		return target
	}
	u, err := url.Parse(target)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	// libpq also takes the password as a query parameter.
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// SplitPassword removes the password from a PostgreSQL URL and returns it
// separately, so a child process (pg_dump) can get it through PGPASSWORD
// instead of its command line, which every user of the machine can read.
func SplitPassword(target string) (clean, password string) {
	u, err := url.Parse(target)
	if err != nil || !IsPostgresURL(target) {
		return target, ""
	}
	if pw, has := u.User.Password(); has {
		password = pw
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") {
		password = q.Get("password")
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String(), password
}

// Open connects to target: a file path for SQLite or a postgres:// URL.
// It checks that the database answers, and names the target (password
// hidden) when it does not.
func Open(ctx context.Context, target string) (*DB, error) {
	if target == "" {
		return nil, errors.New("database: empty target")
	}
	d := &DB{target: Redact(target)}
	if IsPostgresURL(target) {
		d.Dialect = Postgres
		cfg, err := pgx.ParseConfig(target)
		if err != nil {
			return nil, fmt.Errorf("database %s: %w", d.target, err)
		}
		// No parallel workers for the platform's queries unless the URL
		// asks for them: they are small, and starting workers took 130 ms
		// where the count they shared took 30 (decision 25).
		if _, set := cfg.RuntimeParams["max_parallel_workers_per_gather"]; !set {
			cfg.RuntimeParams["max_parallel_workers_per_gather"] = "0"
		}
		pool := stdlib.OpenDB(*cfg)
		pool.SetMaxOpenConns(32)
		pool.SetMaxIdleConns(32)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		d.read, d.write = pool, pool
	} else {
		d.Dialect = SQLite
		dsn := sqliteDSN(target)
		// Page caches: SQLite's default is 2 MiB a connection. Each reader
		// gets 16 MiB (filled only as pages are used). The writer gets 8
		// MiB: at each commit SQLite may scan its cache's whole hash table
		// (140 µs a commit at 64 MiB), and the pages it misses are in the
		// OS's cache (decision 20).
		// Both pools cache compiled statements per connection (stmtcache.go).
		w := sql.OpenDB(sqliteConnector{dsn: dsn + "&_txlock=immediate&_pragma=cache_size(-8192)", drv: &sqlite.Driver{}})
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		r := sql.OpenDB(sqliteConnector{dsn: dsn + "&_pragma=cache_size(-16384)", drv: &sqlite.Driver{}})
		r.SetMaxOpenConns(8)
		r.SetMaxIdleConns(8)
		d.read, d.write = r, w
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// Ping the writer first: on SQLite it creates the file and switches it
	// to WAL before any reader opens it.
	if err := d.write.PingContext(pctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("database %s is not reachable: %w", d.target, err)
	}
	if err := d.read.PingContext(pctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("database %s is not reachable: %w", d.target, err)
	}
	return d, nil
}

// sqliteDSN opens path in WAL mode (decision 20). temp_store(MEMORY) keeps
// statement journals in memory: a multi-row INSERT inside a transaction
// (group-commit intake) otherwise opens, writes and closes a temporary file
// once its journal passes 64 KiB, a quarter of the intake writer's time.
// wal_autocheckpoint(10000): a checkpoint every 40 MB of WAL rather than 4,
// so a page rewritten by many commits is copied back once.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(10000)&_time_format=sqlite"
}

// Target is the redacted connection target, for messages.
func (d *DB) Target() string { return d.target }

// Close closes both pools.
func (d *DB) Close() error {
	var err error
	if d.write != nil {
		err = d.write.Close()
	}
	if d.read != nil && d.read != d.write {
		if e := d.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// ReadPool is the reading pool, for the metrics collector.
func (d *DB) ReadPool() *sql.DB { return d.read }

// WritePool is the writing pool (the same as ReadPool on PostgreSQL).
func (d *DB) WritePool() *sql.DB { return d.write }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.read.PingContext(ctx) }

// Rebind rewrites `?` placeholders to `$1…$n` for PostgreSQL. Question marks
// inside single-quoted literals are left alone.
func (d *DB) Rebind(q string) string {
	if d.Dialect != Postgres {
		return q
	}
	if v, ok := d.rebinds.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, inQuote := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	d.rebinds.Store(q, out)
	return out
}

// Query runs a read query on the reading pool.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.read.QueryContext(ctx, d.Rebind(q), args...)
}

// QueryRow runs a read query that returns at most one row.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return d.read.QueryRowContext(ctx, d.Rebind(q), args...)
}

// Exec runs one statement as its own write transaction.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.write.ExecContext(ctx, d.Rebind(q), args...)
}

// Tx runs fn in one write transaction: committed when fn returns nil, rolled
// back otherwise (and on panic), so a failed command leaves nothing behind.
func (d *DB) Tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	stx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{q: stx, db: d}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
			return
		}
		err = stx.Commit()
	}()
	return fn(tx)
}

// Tx is one open write transaction.
type Tx struct {
	q  txQuerier // *sql.Tx, or the connection of a PipelinedTx
	db *DB
	// A PipelinedTx's connection, its Execs not yet sent and the error
	// that failed it.
	conn   *sql.Conn
	queued []queuedStmt
	begun  bool // something was sent: the BEGIN went first
	failed error
}

// Dialect of the database the transaction runs on.
func (t *Tx) Dialect() Dialect { return t.db.Dialect }

// DB returns the handle the transaction was started from.
func (t *Tx) DB() *DB { return t.db }

func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if t.conn != nil {
		if err := t.flush(ctx); err != nil {
			return nil, err
		}
	}
	return t.q.QueryContext(ctx, t.db.Rebind(q), args...)
}

// QueryRow: in a failed PipelinedTx the query still goes to the server,
// which refuses it (the transaction is aborted), and Scan says so.
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if t.conn != nil {
		_ = t.flush(ctx)
	}
	return t.q.QueryRowContext(ctx, t.db.Rebind(q), args...)
}

func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.conn != nil {
		if t.failed != nil {
			return nil, t.failed
		}
		t.queued = append(t.queued, queuedStmt{q: t.db.Rebind(q), args: args})
		return deferredResult{}, nil
	}
	return t.q.ExecContext(ctx, t.db.Rebind(q), args...)
}

// Querier is what both DB and Tx offer for reading, so store functions can
// run inside or outside a transaction.
type Querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// Execer is what both DB and Tx offer for writing.
type Execer interface {
	Querier
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
}
