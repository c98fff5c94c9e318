package demo

import (
	"context"
	"testing"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/org"
)

var (
	ctx     = context.Background()
	sources = []db.Source{migrations.Platform}
)

// newEnv wires the platform services over d as the app does, with the real
// audit log behind them.
func newEnv(d *db.DB) Env {
	hook := func(ctx context.Context, ex db.Execer, action, objectType, objectID, result, detail, orgPath string) error {
		return audit.Record(ctx, ex, audit.Entry{Action: action, ObjectType: objectType, ObjectID: objectID,
			Result: result, Detail: detail, OrgPath: orgPath})
	}
	return Env{
		DB:   d,
		Auth: &auth.Service{DB: d, Audit: hook},
		Org: &org.Store{DB: d, Audit: func(ctx context.Context, ex db.Execer, action, objectType, objectID, detail, orgPath string) error {
			return hook(ctx, ex, action, objectType, objectID, audit.OK, detail, orgPath)
		}},
	}
}

// freshDB opens another empty, migrated database of the same dialect as d.
func freshDB(t testing.TB, d *db.DB) *db.DB {
	if d.Dialect == db.Postgres {
		return dbtest.Postgres(t, sources...)
	}
	return dbtest.SQLite(t, sources...)
}

func mustGenerate(t testing.TB, d *db.DB, opts Options) *Result {
	t.Helper()
	res, err := Generate(ctx, newEnv(d), opts)
	if err != nil {
		t.Fatalf("generate (seed %d, scale %d): %v", opts.Seed, opts.Scale, err)
	}
	return res
}

// unitRow is what determinism compares of each unit.
type unitRow struct {
	Code, Name, Kind, Path string
	Depth                  int
	Lat, Lng               float64
}

func readUnits(t testing.TB, d *db.DB) []unitRow {
	t.Helper()
	rows, err := d.Query(ctx, `SELECT code, name, kind, path, depth, lat, lng FROM org_units ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []unitRow
	for rows.Next() {
		var u unitRow
		if err := rows.Scan(&u.Code, &u.Name, &u.Kind, &u.Path, &u.Depth, &u.Lat, &u.Lng); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
