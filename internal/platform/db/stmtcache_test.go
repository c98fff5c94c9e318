package db

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// The statement cache answers like uncached statements: the same text run
// again while its rows are still open (compiled anew), more distinct texts
// than the cache holds (the oldest dropped, a dropped one still being read
// finishing its rows), errors that leave the statement reusable.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Exec(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	err = d.Tx(ctx, func(tx *Tx) error {
		for i := range 50 {
			if _, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
				return err
			}
		}
		// A failed statement, then the same one again.
		if _, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (?, ?)`, 100, "v1"); !IsUniqueViolation(err) {
			return fmt.Errorf("duplicate: %v", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES (?, ?)`, 100, "v100"); err != nil {
			return err
		}
		// The same text nested inside its own open rows, and then more
		// distinct texts than the cache keeps while the outer rows are open.
		q := `SELECT id FROM t WHERE id < ? ORDER BY id`
		outer, err := tx.Query(ctx, q, 10)
		if err != nil {
			return err
		}
		defer outer.Close()
		n := 0
		for outer.Next() {
			var id int
			if err := outer.Scan(&id); err != nil {
				return err
			}
			var inner int
			if err := tx.QueryRow(ctx, q, id+1).Scan(&inner); err != nil || inner != 0 {
				return fmt.Errorf("nested: %d %v", inner, err)
			}
			for k := range stmtCacheSize/10 + 1 {
				var v string
				if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT v FROM t WHERE id = ? AND %d = %d`, k+n*100, k+n*100), id).Scan(&v); err != nil {
					return err
				}
				if v != fmt.Sprint("v", id) {
					return fmt.Errorf("got %s for %d", v, id)
				}
			}
			n++
		}
		if n != 10 {
			return fmt.Errorf("outer rows: %d", n)
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	var count int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM t`).Scan(&count); err != nil || count != 51 {
		t.Fatalf("count %d, %v", count, err)
	}
}
