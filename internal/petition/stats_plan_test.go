package petition

import (
	"context"
	"strings"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/workday"
)

// On SQLite the year's figures come from the covering index alone — no
// look-up into the table, no Bloom filter built over the whole table
// (what a leading `type` column in the index made SQLite do), the days
// as the outer loop, and the finish deadlines through an automatic index.
func TestStatsSQLitePlan(t *testing.T) {
	d := dbtest.SQLite(t, migrations.Platform, casework.Migrations, Migrations)
	e := casework.New(d, workday.New(workday.Builtin()...), time.UTC)
	s := &Service{E: e, DB: d, Loc: time.UTC}
	tables, err := s.statsTables(2026, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	sc := statsScope{p: &auth.Principal{OrgPath: "/1/2/"}, category: "parking"}
	w, wargs := sc.where()
	q, args := sqliteCellsQuery(tables.days[:31], tables, w, wargs)
	rows, err := d.Query(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	all := strings.Join(plan, "\n")
	for _, want := range []string{"SCAN d", "SEARCH c USING COVERING INDEX cases_petition_stats (received_at>? AND received_at<?)",
		"SEARCH f USING AUTOMATIC COVERING INDEX (n=?)"} {
		if !strings.Contains(all, want) {
			t.Errorf("plan lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "BLOOM FILTER ON c") || strings.Contains(all, "SCAN c") {
		t.Errorf("plan scans the table:\n%s", all)
	}
}
