package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// /healthz answers without I/O; /readyz only when the database answers and
// is migrated; /metrics shows requests by route, the pool and the build.
func TestHealthReadyMetrics(t *testing.T) {
	eachDB(t, func(t *testing.T, d *db.DB) {
		tc := newTestCity(t, d)
		if code, body := get(t, tc.Server.URL+"/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
			t.Fatalf("/healthz %d %s", code, body)
		}
		if code, body := get(t, tc.Server.URL+"/readyz"); code != 200 || !strings.Contains(body, d.Dialect.String()) {
			t.Fatalf("/readyz %d %s", code, body)
		}
		get(t, tc.Server.URL+"/api/v1/org/units/999999") // a request to count
		code, body := get(t, tc.Server.URL+"/metrics")
		for _, want := range []string{
			`anju_http_requests_total{code="200",route="GET /healthz"}`,
			`anju_http_request_duration_seconds_bucket{route="GET /readyz"`,
			`go_sql_open_connections{db_name="read"}`,
			`anju_build_info{database="` + d.Dialect.String() + `",version="test"} 1`,
		} {
			if code != 200 || !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		// A migration this binary knows but the database lacks: not ready.
		if _, err := d.Exec(context.Background(), `DELETE FROM schema_migrations`); err != nil {
			t.Fatal(err)
		}
		if code, body := get(t, tc.Server.URL+"/readyz"); code != 503 || !strings.Contains(body, "migrations pending") {
			t.Fatalf("/readyz with pending migrations: %d %s", code, body)
		}
	})
}

// A path that exists for other methods answers 405 with Allow; an unknown
// path 404; both as problems on the API.
func TestMethodNotAllowedAndNotFound(t *testing.T) {
	d := dbtest.SQLite(t, Sources...)
	tc := newTestCity(t, d)
	req, _ := http.NewRequest(http.MethodPatch, tc.Server.URL+"/api/v1/users", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || !strings.Contains(resp.Header.Get("Allow"), "GET") ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("PATCH /api/v1/users: %d allow %q type %q", resp.StatusCode, resp.Header.Get("Allow"), resp.Header.Get("Content-Type"))
	}
	if code, body := get(t, tc.Server.URL+"/api/v1/nothing-here"); code != 404 || !strings.Contains(body, "not-found") {
		t.Fatalf("unknown API path: %d %s", code, body)
	}
	if code, body := get(t, tc.Server.URL+"/nothing-here"); code != 404 || !strings.Contains(body, "找不到") {
		t.Fatalf("unknown page: %d %.200s", code, body)
	}
}
