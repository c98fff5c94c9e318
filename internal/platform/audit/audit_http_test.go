package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
	"anju/internal/platform/migrations"
	"anju/internal/platform/web"
	"anju/internal/platform/web/webtest"

	"github.com/xuri/excelize/v2"
)

var sources = []db.Source{migrations.Platform}

func auditRoutes(e *env) []web.Route { return (&audit.Handler{DB: e.DB}).Routes() }

// record writes one entry placed at orgPath, as a district officer would.
func record(t *testing.T, d *db.DB, action, objectID, detail, orgPath string) int64 {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 0, Name: "王芳", Role: auth.DistrictStaff,
		OrgPath: orgPath, IP: "10.0.0.5"})
	if err := audit.RecordAlone(ctx, d, audit.Entry{Action: action, ObjectType: "petition", ObjectID: objectID,
		Detail: detail, OrgPath: orgPath}); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := d.QueryRow(ctx, `SELECT MAX(id) FROM audit_log WHERE action = ?`, action).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// The audit log is the audit administrator's: the system and security
// administrators, whose work it records, cannot read it.
func TestAuditPageIsForTheAuditAdministrator(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, auditRoutes)
		for _, role := range []auth.Role{auth.SystemAdmin, auth.SecurityAdmin, auth.DistrictStaff} {
			c := e.Login(t, "u_"+string(role), role, e.City)
			for _, path := range []string{"/admin/audit", "/admin/audit/verify", "/admin/audit/export.xlsx", "/api/v1/audit"} {
				resp, body := c.Get(t, path)
				webtest.WantStatus(t, resp, body, http.StatusForbidden)
			}
		}
		auditor := e.Login(t, "auditor", auth.AuditAdmin, e.City)
		resp, body := auditor.Get(t, "/admin/audit")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="audit-rows"`, "auth.login", "审计管理员")
	})
}

// An audit administrator of district A sees A's records only, on the page,
// in the API and by id.
func TestAuditListIsScoped(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, auditRoutes)
		inA := record(t, d, "petition.accept", "A-1", "受理甲区信访件", e.StreetA.Path)
		inB := record(t, d, "petition.accept", "B-1", "受理乙区信访件", e.StreetB.Path)
		auditorA := e.Login(t, "auditor_a", auth.AuditAdmin, e.A)

		resp, body := auditorA.Get(t, "/admin/audit?action=petition.accept")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, fmt.Sprintf(`data-id="%d"`, inA), "#A-1")
		if strings.Contains(body, "B-1") {
			t.Error("district A's auditor sees district B's record on the page")
		}
		resp, body = auditorA.Get(t, "/api/v1/audit?action=petition.accept")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		var list web.ListResponse[audit.RecordJSON]
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatal(err)
		}
		if list.Total != 1 || list.Items[0].ID != inA {
			t.Fatalf("district A's auditor via API: %s", body)
		}
		for _, path := range []string{fmt.Sprintf("/admin/audit/%d", inB), fmt.Sprintf("/api/v1/audit/%d", inB)} {
			resp, body = auditorA.Get(t, path)
			webtest.WantStatus(t, resp, body, http.StatusNotFound)
		}
		resp, body = auditorA.Get(t, fmt.Sprintf("/admin/audit/%d", inA))
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, "受理甲区信访件", "待封存")

		cityAuditor := e.Login(t, "auditor_city", auth.AuditAdmin, e.City)
		resp, body = cityAuditor.Get(t, "/api/v1/audit?action=petition.accept")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `"total":2`)
	})
}

func TestAuditFiltersAndRecord(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, auditRoutes)
		id := record(t, d, "petition.close", "P-9", "办结", e.StreetA.Path)
		auditor := e.Login(t, "auditor", auth.AuditAdmin, e.City)

		resp, body := auditor.Get(t, "/admin/audit?from=2026-13-01")
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `class="field-error"`, "YYYY-MM-DD")
		resp, body = auditor.Get(t, "/api/v1/audit?result=maybe")
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `"field":"result"`)
		resp, body = auditor.Get(t, "/api/v1/audit?from=2026-03-02&to=2026-03-01")
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)
		webtest.WantContains(t, body, `"field":"to"`)

		resp, body = auditor.Get(t, "/api/v1/audit?q=P-9&result=ok&actor=王")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `"total":1`, `"sealed":false`)

		if _, err := audit.Seal(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		resp, body = auditor.Get(t, fmt.Sprintf("/admin/audit/%d?lang=en", id))
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="chain"`, "Sealed", "Previous hash")
		resp, body = auditor.Get(t, fmt.Sprintf("/api/v1/audit/%d", id))
		webtest.WantStatus(t, resp, body, http.StatusOK)
		var rec audit.RecordJSON
		if err := json.Unmarshal([]byte(body), &rec); err != nil {
			t.Fatal(err)
		}
		if !rec.Sealed || rec.ChainPos == nil || len(rec.Hash) != 64 || rec.ActorRole != string(auth.DistrictStaff) {
			t.Fatalf("sealed record: %+v", rec)
		}
	})
}

// The export holds exactly the rows the same filters list, and is itself
// recorded.
func TestAuditExportHasTheFilteredRows(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, auditRoutes)
		want := map[string]bool{}
		for i := range 3 {
			record(t, d, "parking.reserve", fmt.Sprintf("R-%d", i), "预约车位", e.StreetA.Path)
			want[fmt.Sprintf("R-%d", i)] = true
		}
		record(t, d, "parking.cancel", "R-x", "取消预约", e.StreetA.Path)
		record(t, d, "parking.reserve", "R-B", "预约车位", e.StreetB.Path)
		auditor := e.Login(t, "auditor_a", auth.AuditAdmin, e.A)

		resp, body := auditor.Get(t, "/admin/audit/export.xlsx?action=parking.reserve")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[0][0] != "编号" {
			t.Fatalf("export rows: %q", rows)
		}
		for _, r := range rows[1:] {
			if r[5] != "parking.reserve" || !want[r[7]] {
				t.Errorf("exported row %q is not one of the filtered rows", r)
			}
			delete(want, r[7])
		}
		if len(want) > 0 {
			t.Errorf("rows missing from the export: %v", want)
		}
		var n int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'audit.export'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("audit.export records: %d, %v", n, err)
		}
		// The list page links to the export with the same filters.
		resp, body = auditor.Get(t, "/admin/audit?action=parking.reserve&page=2")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `href="/admin/audit/export.xlsx?action=parking.reserve"`)
	})
}

func TestAuditVerifyPage(t *testing.T) {
	dbtest.Each(t, sources, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, auditRoutes)
		id := record(t, d, "petition.accept", "A-1", "受理", e.StreetA.Path)
		if _, err := audit.Seal(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		auditor := e.Login(t, "auditor", auth.AuditAdmin, e.City)
		resp, body := auditor.Get(t, "/admin/audit/verify")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="verify-ok"`, `data-testid="last-hash"`, `name="expect"`)

		// An end of the chain kept from before: the chain must still reach it.
		rep, err := audit.Verify(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		resp, body = auditor.Get(t, "/admin/audit/verify?expect="+rep.Checkpoint())
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="verify-ok"`, `value="`+rep.Checkpoint()+`"`)
		resp, body = auditor.Get(t, fmt.Sprintf("/admin/audit/verify?expect=%d:%s", rep.Last+5, rep.LastHash))
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="verify-broken"`, "newest 5 sealed records were deleted")
		resp, body = auditor.Get(t, "/admin/audit/verify?expect=nonsense")
		webtest.WantStatus(t, resp, body, http.StatusUnprocessableEntity)

		if _, err := d.Exec(context.Background(), `UPDATE audit_log SET detail = '篡改' WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		resp, body = auditor.Get(t, "/admin/audit/verify")
		webtest.WantStatus(t, resp, body, http.StatusOK)
		webtest.WantContains(t, body, `data-testid="verify-broken"`, fmt.Sprintf("Record %d", id), "altered after sealing")
	})
}
