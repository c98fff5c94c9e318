package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// fixtures make, for each kind of object an {id} route addresses, one such
// object inside district B and return its id. A route whose Resource has no
// fixture fails the test: new routes are covered as soon as they exist.
var fixtures = map[string]func(t *testing.T, tc *testCity) string{
	"org_unit": func(t *testing.T, tc *testCity) string { return fmt.Sprint(tc.StreetB.ID) },
	"user": func(t *testing.T, tc *testCity) string {
		return fmt.Sprint(tc.user(t, "staff_b_fixture", auth.DistrictStaff, tc.B).ID)
	},
	"token": func(t *testing.T, tc *testCity) string {
		admin := tc.user(t, "sys_b_fixture", auth.SystemAdmin, tc.B)
		ctx := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: admin.ID, Name: admin.DisplayName,
			Role: auth.SystemAdmin, OrgUnitID: tc.B.ID, OrgPath: tc.B.Path, IP: "127.0.0.1"})
		_, tok, err := tc.App.Auth.CreateToken(ctx, auth.FromContext(ctx), "fixture", []string{"parking:occupancy.push"}, tc.B.ID, tc.B.Path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(tok.ID)
	},
	"audit_record": func(t *testing.T, tc *testCity) string {
		ctx := sys()
		if err := audit.RecordAlone(ctx, tc.App.DB, audit.Entry{Action: "fixture", ObjectType: "x", ObjectID: "1", OrgPath: tc.B.Path}); err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := tc.App.DB.QueryRow(ctx, `SELECT MAX(id) FROM audit_log WHERE action = 'fixture'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(id)
	},
}

// TestOtherDistrictIsNotFound walks the route table: for every route with
// an {id}, a member of district A whose role passes the route's gate asks for
// district B's object and must get 404 — never the object, never 403.
func TestOtherDistrictIsNotFound(t *testing.T) {
	eachDB(t, func(t *testing.T, d *db.DB) {
		tc := newTestCity(t, d)
		// The roles of district A that may pass a gate, in the order tried.
		candidates := []auth.Role{auth.DistrictStaff, auth.Leader, auth.SystemAdmin, auth.SecurityAdmin, auth.AuditAdmin}
		clients := map[auth.Role]*client{}
		ownClients := map[auth.Role]*client{} // the same roles in district B: the positive control
		principals := map[auth.Role]*auth.Principal{}
		for _, r := range candidates {
			login := "a_" + string(r)
			u := tc.user(t, login, r, tc.A)
			clients[r] = tc.login(t, login)
			principals[r] = &auth.Principal{UserID: u.ID, Role: r, OrgUnitID: tc.A.ID, OrgPath: tc.A.Path}
			tc.user(t, "b_"+string(r), r, tc.B)
			ownClients[r] = tc.login(t, "b_"+string(r))
		}
		ids := map[string]string{}
		checked := 0
		for _, rt := range tc.App.Routes() {
			if !strings.Contains(rt.Path(), "{id}") {
				continue
			}
			if rt.Resource == "" {
				t.Errorf("%s takes an {id} but names no Resource", rt.Pattern)
				continue
			}
			fx, ok := fixtures[rt.Resource]
			if !ok {
				t.Errorf("%s: no fixture for resource %q in jurisdiction_test.go", rt.Pattern, rt.Resource)
				continue
			}
			if _, ok := ids[rt.Resource]; !ok {
				ids[rt.Resource] = fx(t, tc)
			}
			var role auth.Role
			for _, r := range candidates {
				if rt.Access.Allow(principals[r]) {
					role = r
					break
				}
			}
			if role == "" {
				t.Errorf("%s: no district-level role passes its gate (%s)", rt.Pattern, rt.Access.Name)
				continue
			}
			path := strings.Replace(rt.Path(), "{id}", ids[rt.Resource], 1)
			body := ""
			if m := rt.Method(); m != http.MethodGet && m != http.MethodDelete {
				body = "{}"
			}
			resp, text := clients[role].do(t, rt.Method(), path, body)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s as %s of district A: status %d, want 404; body %.200s", rt.Method(), path, role, resp.StatusCode, text)
			}
			// Positive control: district B's own member of that role reaches
			// the object (a route that always answered 404 would pass above).
			// Only reads are replayed, so the fixtures stay as they are.
			if rt.Method() == http.MethodGet {
				if resp, text := ownClients[role].do(t, rt.Method(), path, ""); resp.StatusCode == http.StatusNotFound {
					t.Errorf("%s %s as %s of district B itself: 404; body %.200s", rt.Method(), path, role, text)
				}
			}
			checked++
		}
		t.Logf("checked %d {id} routes against another district's objects", checked)
		if checked == 0 {
			t.Fatal("the route table has no {id} routes to check")
		}
	})
}
