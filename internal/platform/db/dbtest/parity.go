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

// AssertPathCollation checks, on PostgreSQL, that every column holding a
// materialised path (path, org_path, *_path) compares bytewise (COLLATE
// "C"). Scope filters are prefix ranges; under a language collation such as
// zh_CN.UTF-8 or en_US.UTF-8, "/1/2/5/" sorts outside ["/1/2/", "/1/20")
// and staff would silently lose their jurisdiction.
func AssertPathCollation(t *testing.T, sources ...db.Source) {
	t.Helper()
	pg := Postgres(t, sources...)
	rows, err := pg.Query(context.Background(), `SELECT table_name, column_name, COALESCE(collation_name, '')
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND (column_name = 'path' OR column_name LIKE '%\_path' ESCAPE '\')
		  AND data_type = 'text'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var table, col, coll string
		if err := rows.Scan(&table, &col, &coll); err != nil {
			t.Fatal(err)
		}
		n++
		if coll != "C" {
			t.Errorf(`%s.%s has collation %q; declare it TEXT COLLATE "C" in the PostgreSQL migration`, table, col, coll)
		}
	}
	if n == 0 {
		t.Fatal("no path columns found")
	}
}
