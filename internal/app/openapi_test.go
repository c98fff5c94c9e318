package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"anju/internal/platform/db"
)

// TestOpenAPIDocumentsEveryRoute fetches /api/openapi.json from a running
// server and checks it against the route table both ways: every API route is
// documented with a summary and responses, and every documented operation is
// served.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	eachDB(t, func(t *testing.T, d *db.DB) {
		tc := newTestCity(t, d)
		resp, err := http.Get(tc.Server.URL + "/api/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc struct {
			OpenAPI string                               `json:"openapi"`
			Paths   map[string]map[string]map[string]any `json:"paths"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if doc.OpenAPI != "3.1.0" {
			t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
		}
		routed := map[string]bool{}
		apiRoutes := 0
		for _, rt := range tc.App.Routes() {
			if !rt.IsAPI() || rt.Path() == "/api/openapi.json" {
				continue
			}
			apiRoutes++
			key := strings.ToLower(rt.Method()) + " " + rt.Path()
			routed[key] = true
			op := doc.Paths[rt.Path()][strings.ToLower(rt.Method())]
			if op == nil {
				t.Errorf("%s is routed but not in the OpenAPI document", rt.Pattern)
				continue
			}
			if s, _ := op["summary"].(string); s == "" {
				t.Errorf("%s has no summary", rt.Pattern)
			}
			if r, _ := op["responses"].(map[string]any); len(r) == 0 {
				t.Errorf("%s documents no responses", rt.Pattern)
			}
		}
		for path, ops := range doc.Paths {
			for method := range ops {
				if !routed[method+" "+path] {
					t.Errorf("the document describes %s %s, which no route serves", method, path)
				}
			}
		}
		if apiRoutes < 5 {
			t.Errorf("only %d API routes", apiRoutes)
		}
	})
}
