package demo

import (
	"context"
	"fmt"
	"strings"

	"anju/internal/platform/db"
)

// unitWriter inserts org units with multi-row INSERTs. org.Store.Create
// runs five statements and an audit record per unit; at scale 170 that is
// millions of statements for 650,000 units, so the generator writes rows
// itself, with ids and paths it computed (the tree is designed before it is
// written). It relies on rows arriving parents first; a parent in the same
// statement as its child is fine, since both databases check foreign keys at
// the end of each statement.
type unitWriter struct {
	tx      *db.Tx
	args    []any
	rows    int
	written int
	stmts   map[int]string // rows per statement → its SQL; only lookups
}

// unitBatch rows per statement: 10 parameters each stays far below
// SQLite's 32,766 and PostgreSQL's 65,535 limits, and larger batches gain
// little.
const unitBatch = 500

const unitColumns = 10

func newUnitWriter(tx *db.Tx) *unitWriter {
	return &unitWriter{tx: tx, args: make([]any, 0, unitBatch*unitColumns), stmts: map[int]string{}}
}

func (w *unitWriter) add(ctx context.Context, n Node) error {
	var parent any
	if n.ParentID != 0 {
		parent = n.ParentID
	}
	w.args = append(w.args, n.ID, parent, string(n.Kind), n.Code, n.Name, n.Path, n.Depth, n.Lat, n.Lng, epoch)
	w.rows++
	if w.rows == unitBatch {
		return w.flush(ctx)
	}
	return nil
}

func (w *unitWriter) flush(ctx context.Context) error {
	if w.rows == 0 {
		return nil
	}
	q, ok := w.stmts[w.rows]
	if !ok {
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", unitColumns), ", ") + ")"
		q = `INSERT INTO org_units (id, parent_id, kind, code, name, path, depth, lat, lng, created_at) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", w.rows), ", ")
		w.stmts[w.rows] = q
	}
	if _, err := w.tx.Exec(ctx, q, w.args...); err != nil {
		return fmt.Errorf("insert org units: %w", err)
	}
	w.written += w.rows
	w.rows, w.args = 0, w.args[:0]
	return nil
}

// syncIDSequence moves PostgreSQL's identity sequence past the ids the
// generator wrote itself, or the next unit that org.Store.Create adds would
// collide with them. SQLite picks max(id)+1 by itself. (This is the one
// dialect difference in the package; platform/db has no helper for it yet.)
func syncIDSequence(ctx context.Context, tx *db.Tx, maxID int64) error {
	if tx.Dialect() != db.Postgres {
		return nil
	}
	var v int64
	if err := tx.QueryRow(ctx, `SELECT setval(pg_get_serial_sequence('org_units', 'id'), ?)`, maxID).Scan(&v); err != nil {
		return fmt.Errorf("advance org_units id sequence: %w", err)
	}
	return nil
}
