package casework

import (
	"embed"

	"anju/internal/platform/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations are the engine's tables (cases, case_events,
// case_attachments, case_notifications, saved_filters). They must be applied
// before the migrations of any module whose tables refer to cases.
var Migrations = db.Source{Module: "casework", FS: mustSub(migrationFiles, "migrations")}
