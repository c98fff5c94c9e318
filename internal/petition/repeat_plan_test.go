package petition

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
)

// On PostgreSQL the repeat read probes the indexes of each phone and
// account, whatever the statistics: pgx keeps it as a prepared statement,
// whose generic plan must not read the table (decision 28). Checked on a
// table without statistics, where "party_phone = ANY(…)" was a read of
// every case.
func TestRepeatQueryProbesEachPersonPostgres(t *testing.T) {
	d := dbtest.Postgres(t, migrations.Platform, casework.Migrations, Migrations)
	ctx := context.Background()
	q, args := repeatQuery(db.Postgres, []string{"13900000000"}, []int64{7}, time.Now())
	if len(args) != 4 {
		t.Fatalf("%d arguments", len(args))
	}
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
	}
	var plan string
	err := d.Tx(ctx, func(tx *db.Tx) error {
		for _, s := range []string{`SET LOCAL plan_cache_mode = force_generic_plan`, `PREPARE repeat_read AS ` + q} {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `EXPLAIN EXECUTE repeat_read('{13900000000}', now(), '{7}', now())`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				rows.Close()
				return err
			}
			plan += line + "\n"
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DEALLOCATE repeat_read`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "cases_party_phone") || !strings.Contains(plan, "cases_party_user") || strings.Contains(plan, "Seq Scan on cases") {
		t.Errorf("the repeat read's generic plan does not probe the person's indexes:\n%s", plan)
	}
}
