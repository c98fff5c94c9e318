package org_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
	"anju/internal/platform/web/webtest"
)

var sources = []db.Source{migrations.Platform}

func orgRoutes(e *env) []web.Route { return (&org.Handler{Store: e.Org}).Routes() }

func unitCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM org_units`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A file with one bad row is refused whole: the page lists row, column and
// message in the reader's language and says nothing was written; the API
// answers a 422 problem naming "row N: field".
func TestImportBadRowWritesNothing(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, orgRoutes)
		admin := e.Login(t, "sysadmin", auth.SystemAdmin, e.City)
		before := unitCount(t, d)
		// Row 2 is good, row 3 names a parent that exists nowhere.
		bad := []byte("编码,名称,类型,上级编码\nCA2,甲二街道,街道,CA\nCA2-1,某社区,社区,NOPE\n")

		resp, body := admin.Upload(t, "/admin/org/import", "tree.csv", bad)
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `data-testid="import-errors"`, "未写入任何数据", `<td class="num">3</td>`, "上级编码", "第3行 上级编码")
		if n := unitCount(t, d); n != before {
			t.Fatalf("units: %d after a rejected import, want %d", n, before)
		}

		resp, body = admin.Upload(t, "/admin/org/import?lang=en", "tree.csv", bad)
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, "Nothing was written.", "Row 3, parent code")

		resp, body = admin.Send(t, http.MethodPost, "/api/v1/org/import?format=csv", "text/csv", strings.NewReader(string(bad)))
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		var prob struct {
			Type    string `json:"type"`
			Written int    `json:"written"`
			Errors  []struct{ Field, Code, Message string }
		}
		if err := json.Unmarshal([]byte(body), &prob); err != nil {
			t.Fatal(err)
		}
		if prob.Type != web.ProblemValidation || len(prob.Errors) != 1 || prob.Errors[0].Field != "row 3: parent_code" {
			t.Fatalf("problem %+v, want one error on row 3: parent_code", prob)
		}
		if n := unitCount(t, d); n != before {
			t.Fatalf("units: %d after a rejected API import, want %d", n, before)
		}

		good := []byte("编码,名称,类型,上级编码\nCA2,甲二街道,街道,CA\nCA2-1,某社区,社区,CA2\n")
		resp, body = admin.Upload(t, "/admin/org/import?lang=zh-CN", "tree.csv", good)
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="import-ok"`, "新增 2 个单位")
		if n := unitCount(t, d); n != before+2 {
			t.Fatalf("units: %d after importing 2, want %d", n, before+2)
		}

		// Raw body, then a file the importer cannot read at all.
		resp, body = admin.Send(t, http.MethodPost, "/api/v1/org/import?format=csv", "text/csv",
			strings.NewReader("code,name,kind,parent_code\nCA3,甲三街道,street,CA\n"))
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `"created":1`)
		resp, body = admin.Send(t, http.MethodPost, "/api/v1/org/import?format=pdf", "application/pdf", strings.NewReader("%PDF"))
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `"field":"file"`, `"code":"format"`)
	})
}

// Only the system administrator changes the tree, and only where they may.
func TestImportAndCreateNeedOrgManagement(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, orgRoutes)
		staff := e.Login(t, "staff_a", auth.DistrictStaff, e.A)
		resp, body := staff.Get(t, "/admin/org/import")
		webtest.WantStatus(t, resp, body, http.StatusForbidden)
		resp, body = staff.PostJSON(t, "/api/v1/org/units", fmt.Sprintf(`{"parent_id":%d,"kind":"street","code":"X1","name":"某街道"}`, e.A.ID))
		webtest.WantStatus(t, resp, body, http.StatusForbidden)

		admin := e.Login(t, "sysadmin", auth.SystemAdmin, e.City)
		resp, body = admin.PostJSON(t, "/api/v1/org/units", fmt.Sprintf(`{"parent_id":%d,"kind":"street","code":"X1","name":"某街道"}`, e.A.ID))
		webtest.WantStatus(t, resp, body, http.StatusCreated)
		webtest.WantContains(t, body, `"code":"X1"`, `"kind_label":"街道"`)
		// A community cannot sit under a district: 422 naming the field.
		resp, body = admin.PostJSON(t, "/api/v1/org/units", fmt.Sprintf(`{"parent_id":%d,"kind":"community","code":"X2","name":"某社区"}`, e.A.ID))
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `"field":"kind"`, `"code":"parent_kind"`)
	})
}

// Another district's unit is "not found" on every {id} route, before any
// posted body is looked at.
func TestOtherDistrictUnitIsNotFound(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, orgRoutes)
		staff := e.Login(t, "staff_a", auth.DistrictStaff, e.A)
		adminA := e.Login(t, "sys_a", auth.SystemAdmin, e.A)
		id := fmt.Sprint(e.StreetB.ID)
		for _, path := range []string{"/api/v1/org/units/" + id, "/api/v1/org/units/" + id + "/children", "/admin/org/" + id, "/admin/org?parent=" + id} {
			resp, body := staff.Get(t, path)
			webtest.WantStatus(t, resp, body, http.StatusNotFound)
		}
		resp, body := adminA.PostJSON(t, "/admin/org/"+id+"/children", "{}")
		webtest.WantStatus(t, resp, body, http.StatusNotFound)
		resp, body = staff.Get(t, "/api/v1/org/units/"+fmt.Sprint(e.StreetA.ID))
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `"name":"甲街道"`, `"ancestors":[`, `"name":"测试市"`)
	})
}

func TestTreePagesAndLists(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, orgRoutes)
		admin := e.Login(t, "sysadmin", auth.SystemAdmin, e.City)
		resp, body := admin.Get(t, "/admin/org")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, "甲区", "乙区", `data-testid="org-counts"`)

		resp, body = admin.Get(t, fmt.Sprintf("/admin/org?parent=%d", e.A.ID))
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="breadcrumb"`, "测试市", "甲街道")
		if strings.Contains(body, "乙街道") {
			t.Error("browsing district A lists district B's street")
		}

		resp, body = admin.Get(t, "/admin/org?kind=street")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, "甲街道", "乙街道")

		// A district officer browses from their own node; the city is named, not linked.
		staff := e.Login(t, "staff_a", auth.DistrictStaff, e.A)
		resp, body = staff.Get(t, "/admin/org?lang=en")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, "<span>测试市</span>", "甲街道", "Units under 甲区")

		resp, body = staff.Get(t, "/api/v1/org/units?kind=street")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		var list web.ListResponse[map[string]any]
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatal(err)
		}
		if list.Total != 1 || list.Items[0]["code"] != "CA1" {
			t.Fatalf("district A's streets: %s", body)
		}
		resp, body = staff.Get(t, "/api/v1/org/units?kind=planet")
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `"field":"kind"`)

		resp, body = staff.Get(t, "/api/v1/departments")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `"code":"parking"`)
		resp, body = staff.Get(t, "/admin/departments")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, "停车管理处")

		resp, body = staff.Get(t, "/admin/org/export.csv")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, "CA1", "甲街道")
		if strings.Contains(body, "CB1") {
			t.Error("district A's export holds district B's street")
		}
		resp, body = staff.Get(t, "/admin/org/export.xlsx")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		if !strings.HasPrefix(body, "PK") || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("xlsx export: %q, %.20q", resp.Header.Get("Content-Disposition"), body)
		}
	})
}

// The "add child" form: a wrong field comes back beside its input, a good
// one redirects to the parent with a flash.
func TestAddChildForm(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, orgRoutes)
		admin := e.Login(t, "sysadmin", auth.SystemAdmin, e.City)
		resp, body := admin.Get(t, fmt.Sprintf("/admin/org/%d", e.StreetA.ID))
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="add-child"`, `value="community"`)

		path := fmt.Sprintf("/admin/org/%d/children", e.StreetA.ID)
		resp, body = admin.PostForm(t, path, url.Values{"kind": {"community"}, "code": {"=bad"}, "name": {"某社区"}, "lat": {"north"}})
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `class="field-error"`, "应为数字")
		resp, body = admin.PostForm(t, path, url.Values{"kind": {"community"}, "code": {"=bad"}, "name": {"某社区"}})
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, "编码只能由字母")

		resp, body = admin.PostForm(t, path, url.Values{"kind": {"community"}, "code": {"CA1-01"}, "name": {"某社区"}, "lat": {"31.2"}, "lng": {"121.4"}})
		webtest.WantStatus(t, resp, body, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != fmt.Sprintf("/admin/org/%d", e.StreetA.ID) {
			t.Fatalf("redirect to %q", loc)
		}
		resp, body = admin.Get(t, fmt.Sprintf("/admin/org/%d", e.StreetA.ID))
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, "CA1-01", "已新增 某社区")

		// A district officer sees the unit but not the form.
		staff := e.Login(t, "staff_a", auth.DistrictStaff, e.A)
		resp, body = staff.Get(t, fmt.Sprintf("/admin/org/%d", e.StreetA.ID))
		webtest.WantStatus(t, resp, body, http.StatusOK)
		if strings.Contains(body, `data-testid="add-child"`) {
			t.Error("a district officer is offered the add-child form")
		}
	})
}
