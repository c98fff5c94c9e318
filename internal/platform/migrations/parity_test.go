package migrations_test

import (
	"testing"

	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
)

// The platform's own tables reach the same schema on both databases. The
// app's test does the same for every module's migrations together.
func TestMigrationParity(t *testing.T) {
	dbtest.AssertParity(t, migrations.Platform)
}
