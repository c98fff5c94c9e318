package dbtest

import (
	"context"
	"fmt"
	"testing"

	"anju/internal/platform/db"
)

// AssertParity migrates an empty SQLite and an empty PostgreSQL database
// with sources and fails unless both reach the same tables and columns, with
// the same portable type class and nullability.
func AssertParity(t *testing.T, sources ...db.Source) {
	t.Helper()
	ctx := context.Background()
	lite := SQLite(t, sources...)
	pg := Postgres(t, sources...)
	a, err := lite.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pg.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) < 2 {
		t.Fatalf("sqlite schema has only %d tables", len(a))
	}
	for table, cols := range a {
		if fmt.Sprint(cols) != fmt.Sprint(b[table]) {
			t.Errorf("table %s differs:\n sqlite:   %v\n postgres: %v", table, cols, b[table])
		}
	}
	for table := range b {
		if _, ok := a[table]; !ok {
			t.Errorf("table %s exists only on postgres", table)
		}
	}
}
