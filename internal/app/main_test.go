package app

import (
	"os"
	"testing"

	"anju/internal/platform/audit"
)

// The audit chain needs its secret key; tests use a fixed one.
func TestMain(m *testing.M) {
	if err := audit.SetKey([]byte("anju-app-tests-audit-key-32bytes!")); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}
