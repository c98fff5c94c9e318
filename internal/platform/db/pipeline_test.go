package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

// A pipelined transaction writes what an ordinary one writes: its Execs in
// order, seen by its own queries, all or nothing; and a failed one leaves
// its connection fit for the next user.
func TestPipelinedTx(t *testing.T) {
	dbtest.Each(t, nil, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// One connection: a transaction left open on it would show in the
		// statements that follow.
		d.WritePool().SetMaxOpenConns(1)
		if _, err := d.Exec(ctx, `CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		count := func() int {
			t.Helper()
			var n int
			if err := d.WritePool().QueryRowContext(ctx, `SELECT COUNT(*) FROM p`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		err := d.PipelinedTx(ctx, func(tx *db.Tx) error {
			for _, id := range []int{1, 2} {
				if _, err := tx.Exec(ctx, `INSERT INTO p (id, v) VALUES (?, ?)`, id, "a"); err != nil {
					return err
				}
			}
			// QueryEach goes with the queued INSERTs (and the BEGIN).
			var ids []int
			err := tx.QueryEach(ctx, `SELECT id FROM p ORDER BY id`, nil, func(r db.RowScanner) error {
				var id int
				err := r.Scan(&id)
				ids = append(ids, id)
				return err
			})
			if err != nil || len(ids) != 2 || ids[0] != 1 || ids[1] != 2 {
				t.Errorf("the transaction's QueryEach sees %v (%v), want its rows 1 and 2", ids, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO p (id, v) VALUES (?, ?)`, 9, "z"); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM p`).Scan(&n); err != nil || n != 3 {
				t.Errorf("the transaction's query sees %d rows (%v), want its 3", n, err)
			}
			if _, err := tx.Exec(ctx, `DELETE FROM p WHERE id = ?`, 9); err != nil {
				return err
			}
			res, err := tx.Exec(ctx, `UPDATE p SET v = ? WHERE id = ?`, "b", 2)
			if err != nil {
				return err
			}
			if _, err := res.RowsAffected(); d.Dialect == db.Postgres && !errors.Is(err, db.ErrDeferred) {
				t.Errorf("a pipelined Exec's result: %v, want ErrDeferred", err)
			}
			_, err = tx.Exec(ctx, `INSERT INTO p (id, v) VALUES (?, ?)`, 3, "c")
			return err
		})
		if err != nil || count() != 3 {
			t.Fatalf("committed: %v, %d rows", err, count())
		}
		var v string
		if err := d.QueryRow(ctx, `SELECT v FROM p WHERE id = 2`).Scan(&v); err != nil || v != "b" {
			t.Errorf("the UPDATE after the INSERTs: %q %v", v, err)
		}

		// A statement that fails rolls back the whole transaction, whether
		// the commit or a later query finds it.
		for _, then := range []string{"commit", "query", "each"} {
			err = d.PipelinedTx(ctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO p (id, v) VALUES (?, ?)`, 4, "d"); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO p (id, v) VALUES (?, ?)`, 1, "taken"); err != nil {
					return err
				}
				if then == "each" {
					err := tx.QueryEach(ctx, `SELECT id FROM p`, nil, func(db.RowScanner) error { return nil })
					if err == nil {
						t.Error("QueryEach after a failed statement succeeded")
					}
					return err
				}
				if then == "query" {
					rows, err := tx.Query(ctx, `SELECT id FROM p`)
					if err != nil {
						return err
					}
					rows.Close()
					t.Error("a query after a failed statement ran")
				}
				return nil
			})
			if !db.IsUniqueViolation(err) {
				t.Errorf("%s: %v, want the unique violation", then, err)
			}
			if d.Dialect == db.Postgres && !strings.Contains(err.Error(), "INSERT INTO p") {
				t.Errorf("%s: %v does not say which statement failed", then, err)
			}
			if n := count(); n != 3 {
				t.Errorf("%s: %d rows after the failed transaction, want 3", then, n)
			}
		}

		// A panic rolls back too, and goes on.
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the panic was swallowed")
				}
			}()
			_ = d.PipelinedTx(ctx, func(tx *db.Tx) error {
				_, _ = tx.Exec(ctx, `INSERT INTO p (id, v) VALUES (?, ?)`, 5, "e")
				panic("boom")
			})
		}()
		// The connection is fit: nothing of the failed ones, and the next
		// statements commit.
		if _, err := d.Exec(ctx, `INSERT INTO p (id, v) VALUES (?, ?)`, 6, "f"); err != nil {
			t.Fatal(err)
		}
		if err := d.PipelinedTx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO p (id, v) VALUES (?, ?)`, 7, "g")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 5 {
			t.Errorf("%d rows at the end, want 5 (1, 2, 3, 6, 7)", n)
		}
	})
}
