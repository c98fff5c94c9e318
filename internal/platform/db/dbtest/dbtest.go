// Package dbtest runs a test body on both databases: a fresh SQLite file and,
// when ANJU_TEST_POSTGRES names a server, a fresh PostgreSQL schema that is
// dropped afterwards. Without ANJU_TEST_POSTGRES the PostgreSQL half is
// skipped with a visible message — except under CI=true, where that fails.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"anju/internal/platform/db"
)

// Each runs body as two subtests, "sqlite" and "postgres", each on a freshly
// migrated database.
func Each(t *testing.T, sources []db.Source, body func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { body(t, SQLite(t, sources...)) })
	t.Run("postgres", func(t *testing.T) { body(t, Postgres(t, sources...)) })
}

// SQLite opens a migrated SQLite database in a temporary directory.
func SQLite(t testing.TB, sources ...db.Source) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	migrate(t, d, sources)
	return d
}

// PostgresURL returns the server for PostgreSQL tests, skipping the test
// (or failing it under CI) when none is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("ANJU_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ANJU_TEST_POSTGRES is not set: CI must run the PostgreSQL half of every store test")
		}
		t.Skip("PostgreSQL half SKIPPED: set ANJU_TEST_POSTGRES=postgres://... to run it")
	}
	return u
}

// Postgres opens a migrated, empty PostgreSQL schema of its own, dropped
// when the test ends.
func Postgres(t testing.TB, sources ...db.Source) *db.DB {
	t.Helper()
	base := PostgresURL(t)
	schema, target := NewSchema(t, base)
	_ = schema
	d, err := db.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	migrate(t, d, sources)
	return d
}

// NewSchema creates an empty schema on the server at base and returns its
// name and a URL whose connections use it; the schema is dropped at cleanup.
func NewSchema(t testing.TB, base string) (schema, target string) {
	t.Helper()
	ctx := context.Background()
	admin, err := db.Open(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema = "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return schema, u.String()
}

func migrate(t testing.TB, d *db.DB, sources []db.Source) {
	t.Helper()
	if len(sources) == 0 {
		return
	}
	if _, err := db.Migrate(context.Background(), d, sources...); err != nil {
		t.Fatal(err)
	}
}
