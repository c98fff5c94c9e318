package app

import (
	"testing"

	"anju/internal/platform/db/dbtest"
)

// Every migration the binary applies — the platform's and every module's —
// reaches the same schema on SQLite and PostgreSQL.
func TestMigrationParityAllModules(t *testing.T) {
	dbtest.AssertParity(t, Sources...)
}
