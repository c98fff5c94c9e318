package org_test

import (
	"testing"

	"anju/internal/platform/db"
	"anju/internal/platform/web"
	"anju/internal/platform/web/webtest"
)

// The HTTP tests run on the shared harness: a small city served behind the
// platform's middleware (webtest.City).
type env = webtest.City

func newEnv(t *testing.T, d *db.DB, routes func(e *env) []web.Route) *env {
	return webtest.NewCity(t, d, routes)
}
