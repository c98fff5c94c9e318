package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// PipelinedTx runs fn in one write transaction, as Tx does, except that on
// PostgreSQL an Exec does not wait for its statement: the statements are
// queued — the BEGIN first — and sent together with the next QueryEach in
// one round trip (a pgx batch), or before the next Query or QueryRow, or
// with the COMMIT. An Exec's sql.Result is therefore unknown (its methods
// return ErrDeferred), and its error is returned by the query or the
// commit that sends it; the transaction then rolls back. For a transaction
// of many statements whose results nobody reads — intake writes a group's
// cases with the BEGIN, then its events, statistics and audit records with
// the COMMIT (decision 24). On SQLite it is Tx: statements run in-process.
func (d *DB) PipelinedTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if d.Dialect != Postgres {
		return d.Tx(ctx, fn)
	}
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	// database/sql does not know of this transaction: the connection is
	// this function's until it ends, committed or rolled back.
	tx := &Tx{q: conn, db: d, conn: conn, queued: []queuedStmt{{q: "BEGIN"}}}
	defer func() {
		p := recover()
		if p == nil && err == nil {
			if err = tx.flush(ctx, "COMMIT"); err == nil {
				return
			}
		}
		if tx.begun {
			tx.rollback()
		}
		if p != nil {
			panic(p)
		}
	}()
	return fn(tx)
}

// ErrDeferred: the result of an Exec in a PipelinedTx is not known when it
// returns.
var ErrDeferred = errors.New("db: the statement's result is not known before the transaction's next round trip")

type deferredResult struct{}

func (deferredResult) LastInsertId() (int64, error) { return 0, ErrDeferred }
func (deferredResult) RowsAffected() (int64, error) { return 0, ErrDeferred }

// queuedStmt is an Exec of a PipelinedTx not yet sent (or the query of a
// QueryEach, whose rows go to each).
type queuedStmt struct {
	q    string
	args []any
	each func(RowScanner) error
}

// flush sends the queued statements, then the statements of then, in one
// round trip, and returns the first error (and keeps it: the transaction
// has failed).
func (t *Tx) flush(ctx context.Context, then ...string) error {
	if len(t.queued) == 0 && len(then) == 0 {
		return t.failed
	}
	for _, s := range then {
		t.queued = append(t.queued, queuedStmt{q: s})
	}
	return t.send(ctx, nil)
}

// send sends the queued statements and, if q is not nil, q last, whose
// rows go to q.each; in one round trip. The first error fails the
// transaction.
func (t *Tx) send(ctx context.Context, q *queuedStmt) error {
	if t.failed != nil {
		return t.failed
	}
	queued := t.queued
	t.queued = nil
	t.begun = true
	err := t.conn.Raw(func(dc any) error {
		c, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok {
			return fmt.Errorf("db: pipelined transaction on a %T connection", dc)
		}
		var b pgx.Batch
		for _, s := range queued {
			b.Queue(s.q, s.args...)
		}
		if q != nil {
			b.Queue(q.q, q.args...)
		}
		res := c.Conn().SendBatch(ctx, &b)
		var first error
		for _, s := range queued {
			if _, err := res.Exec(); err != nil && first == nil {
				first = fmt.Errorf("%s: %w", statementName(s.q), err)
			}
		}
		if q != nil {
			rows, err := res.Query()
			if err == nil {
				for rows.Next() && err == nil {
					err = q.each(rows)
				}
				rows.Close()
				if err == nil {
					err = rows.Err()
				}
			}
			if err != nil && first == nil {
				first = fmt.Errorf("%s: %w", statementName(q.q), err)
			}
		}
		if err := res.Close(); err != nil && first == nil {
			first = err
		}
		return first
	})
	if err != nil {
		t.failed = err
	}
	return err
}

// RowScanner is one row of a QueryEach: *sql.Rows or pgx's rows.
type RowScanner interface {
	Scan(dest ...any) error
}

// QueryEach runs q and calls each for every row it returns. In a
// PipelinedTx on PostgreSQL the queued statements go with it in the same
// round trip (and q is prepared once per connection, as Exec's statements
// are: a query that must be planned with its values each time uses Query).
func (t *Tx) QueryEach(ctx context.Context, q string, args []any, each func(RowScanner) error) error {
	if t.conn != nil {
		return t.send(ctx, &queuedStmt{q: t.db.Rebind(q), args: args, each: each})
	}
	rows, err := t.q.QueryContext(ctx, t.db.Rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// rollback ends a failed pipelined transaction; a connection that cannot
// roll back is discarded rather than returned to the pool mid-transaction.
func (t *Tx) rollback() {
	ctx := context.Background()
	if _, err := t.conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		_ = t.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// statementName is the start of a statement, to say which one failed.
func statementName(q string) string {
	f := strings.Fields(q)
	return strings.Join(f[:min(len(f), 3)], " ")
}

// txQuerier is what Tx needs of *sql.Tx or, in a PipelinedTx, *sql.Conn.
type txQuerier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}
