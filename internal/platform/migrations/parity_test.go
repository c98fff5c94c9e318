package migrations_test

import (
	"context"
	"fmt"
	"testing"

	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
)

// Sources lists every migration source the binary applies; keep it in step
// with internal/app (the app test checks the same list there).
var sources = []db.Source{migrations.Platform}

// TestMigrationParity migrates an empty SQLite and an empty PostgreSQL
// database and checks that both reach the same tables and columns, with the
// same portable type class and nullability.
func TestMigrationParity(t *testing.T) {
	Parity(t, sources)
}

func Parity(t *testing.T, sources []db.Source) {
	ctx := context.Background()
	lite := dbtest.SQLite(t, sources...)
	pg := dbtest.Postgres(t, sources...)
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
