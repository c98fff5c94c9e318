package casework_test

import (
	"context"
	"fmt"
	"testing"

	"anju/internal/casework"
	"anju/internal/platform/db"
)

// The city's unfiltered ledger of a type reads its total from case_counts;
// the total follows every way cases come and go — intake alone and in
// groups, rows loaded past the engine, deletes, a type changed by hand —
// and folding (PostgreSQL) changes nothing.
func TestTypeTotalsFollowTheCases(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		check := func(when string) {
			t.Helper()
			for _, typ := range []string{"task", "other"} {
				var want int
				if err := w.DB.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE type = ?`, typ).Scan(&want); err != nil {
					t.Fatal(err)
				}
				page, err := w.E.Ledger(as(w.CityStaff), casework.Filter{Type: typ, Page: 1, Size: 5})
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != want {
					t.Errorf("%s: the city's %s ledger says %d cases, there are %d", when, typ, page.Total, want)
				}
			}
		}
		check("empty")
		for i := range 3 {
			w.newTask(t, w.StaffA, w.A, fmt.Sprintf("单件 %d", i))
		}
		check("after intake")
		// Rows loaded past the engine, several in one statement (a bulk load).
		var first int64
		if err := w.DB.QueryRow(ctx, `SELECT MIN(id) FROM cases`).Scan(&first); err != nil {
			t.Fatal(err)
		}
		copyRow := func(n int, typ string) {
			t.Helper()
			for i := range n {
				_, err := w.DB.Exec(ctx, `INSERT INTO cases (type, number, state, version, org_unit_id, org_path, category, subcategory,
					kind, channel, title, body, party_name, party_phone, check_code, address, received_at, final_from, final_days,
					notified_level, closed_reason, rating, flags, track_failures, data, created_at, updated_at)
					SELECT ?, number || ?, state, version, org_unit_id, org_path, category, subcategory, kind, channel, title, body,
					party_name, party_phone, check_code, address, received_at, final_from, final_days, notified_level, closed_reason,
					rating, flags, track_failures, data, created_at, updated_at FROM cases WHERE id = ?`, typ, fmt.Sprint(i, typ), first)
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		copyRow(2, "other")
		check("after rows of another type")
		if _, err := w.DB.Exec(ctx, `UPDATE cases SET type = 'other' WHERE id = ?`, first); err != nil {
			t.Fatal(err)
		}
		check("after a type changed")
		if _, err := w.DB.Exec(ctx, `DELETE FROM cases WHERE type = 'other' AND id <> ?`, first); err != nil {
			t.Fatal(err)
		}
		check("after a delete")
		if err := w.E.FoldCounts(ctx); err != nil {
			t.Fatal(err)
		}
		check("after folding")
		if w.DB.Dialect == db.Postgres {
			var rows int
			if err := w.DB.QueryRow(ctx, `SELECT COUNT(*) FROM case_counts WHERE type = 'task'`).Scan(&rows); err != nil || rows != 1 {
				t.Errorf("folded into %d rows (%v), want 1", rows, err)
			}
		}
	})
}
