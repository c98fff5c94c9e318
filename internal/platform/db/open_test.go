package db_test

import (
	"context"
	"strings"
	"testing"

	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

// The platform's PostgreSQL connections start no parallel workers (their
// start cost more than the small queries they would share, decision 25),
// unless the URL asks for them.
func TestPostgresWithoutParallelWorkers(t *testing.T) {
	base := dbtest.PostgresURL(t)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	for target, want := range map[string]string{
		base: "0",
		base + sep + "max_parallel_workers_per_gather=2": "2",
	} {
		d, err := db.Open(context.Background(), target)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := d.QueryRow(context.Background(), `SHOW max_parallel_workers_per_gather`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		d.Close()
		if got != want {
			t.Errorf("%s: max_parallel_workers_per_gather = %s, want %s", db.Redact(target), got, want)
		}
	}
}
