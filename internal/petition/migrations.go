package petition

import (
	"embed"
	"io/fs"

	"anju/internal/platform/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations are the module's own tables (receptions and visits). They
// refer to the case engine's tables, so casework.Migrations apply first.
var Migrations = db.Source{Module: "petition", FS: func() fs.FS {
	s, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err)
	}
	return s
}()}
