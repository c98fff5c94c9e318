package parking

import (
	"embed"

	"anju/internal/platform/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Source is the module's migrations.
var Source = func() db.Source {
	sub, err := fsSub(migrationFiles, "migrations")
	if err != nil {
		panic(err)
	}
	return db.Source{Module: "parking", FS: sub}
}()
