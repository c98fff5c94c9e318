// Package migrations holds the platform's own tables (the administrative
// tree, accounts, sessions, tokens, the audit log, the calendar). Each module
// keeps its own tables beside its code, as a db.Source of its own.
package migrations

import (
	"embed"

	"anju/internal/platform/db"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Platform is the platform's migration source; it is applied before any module's.
var Platform = db.Source{Module: "platform", FS: files}
