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
// queued and sent together with the next Query or QueryRow, or with the
// COMMIT, in one round trip (a pgx batch). An Exec's sql.Result is
// therefore unknown (its methods return ErrDeferred), and its error is
// returned by the Query or the commit that sends it; the transaction then
// rolls back. For a transaction of many statements whose results nobody
// reads — intake writes a group's events, statistics and audit records
// this way (decision 24). On SQLite it is Tx: statements run in-process.
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
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{q: conn, db: d, conn: conn}
	defer func() {
		p := recover()
		if p == nil && err == nil {
			if err = tx.flush(ctx, "COMMIT"); err == nil {
				return
			}
		}
		tx.rollback()
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

// queuedStmt is an Exec of a PipelinedTx not yet sent.
type queuedStmt struct {
	q    string
	args []any
}

// flush sends the queued statements, then the statements of then, in one
// round trip, and returns the first error (and keeps it: the transaction
// has failed).
func (t *Tx) flush(ctx context.Context, then ...string) error {
	if t.failed != nil {
		return t.failed
	}
	if len(t.queued) == 0 && len(then) == 0 {
		return nil
	}
	queued := t.queued
	t.queued = nil
	err := t.conn.Raw(func(dc any) error {
		c, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok {
			return fmt.Errorf("db: pipelined transaction on a %T connection", dc)
		}
		var b pgx.Batch
		for _, s := range queued {
			b.Queue(s.q, s.args...)
		}
		for _, s := range then {
			b.Queue(s)
		}
		res := c.Conn().SendBatch(ctx, &b)
		var first error
		for i := range b.Len() {
			if _, err := res.Exec(); err != nil && first == nil {
				first = fmt.Errorf("%s: %w", statementName(b.QueuedQueries[i].SQL), err)
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
