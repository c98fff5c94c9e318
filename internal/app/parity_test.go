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

// Scope prefix ranges need bytewise comparison whatever the database's
// collation: every path column of every module is COLLATE "C".
func TestPathColumnsCompareBytewise(t *testing.T) {
	dbtest.AssertPathCollation(t, Sources...)
}
