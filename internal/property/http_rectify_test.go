package property

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"anju/internal/platform/auth"
)

// TestRectificationHTTP goes through the pages and the API: the street's
// inspector records a failed item with a photo, the company answers from its
// portal (seeing only its own orders), the inspector verifies; the figures
// (API and property page) count it; district B gets 404 for A's case.
func TestRectificationHTTP(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := newRectWorld(t, e)
		e.staff("insp_b", auth.DistrictStaff, e.b)
		srv := e.server()
		insp := e.login(srv, "street_a")
		co := e.login(srv, "13900000001")
		other := e.login(srv, "13900000002")
		staffB := e.login(srv, "insp_b")
		city := e.login(srv, "city")

		want(t, insp.get("/property/campaigns"), 200, w.camp.Name)
		page := fmt.Sprintf("/property/campaigns/%d", w.camp.ID)
		want(t, insp.get(page), 200, "result-form", "JC-01")
		r := insp.multipart(page+"/results", url.Values{"compound_id": {fmt.Sprint(e.compounds["a1"].ID)},
			"item_id": {fmt.Sprint(w.itemContract)}, "result": {"fail"}, "note": {"未公示收费标准"}}, "photos", map[string][]byte{"p.png": pngBytes})
		want(t, r, 303)
		loc := r.Header.Get("Location")
		if !strings.HasPrefix(loc, "/property/rectifications/") {
			t.Fatalf("redirect to %q", loc)
		}
		var caseID int64
		fmt.Sscanf(strings.TrimPrefix(loc, "/property/rectifications/"), "%d", &caseID)
		want(t, insp.get(loc), 200, "data-testid=\"rect-state\"", "未公示收费标准", "p.png")
		want(t, staffB.get(loc), 404)
		want(t, staffB.get(fmt.Sprintf("/api/v1/property/rectifications/%d", caseID)), 404)
		want(t, other.get(fmt.Sprintf("/api/v1/property/rectifications/%d", caseID)), 404)

		// The company's portal lists the order, the other company's does not.
		want(t, co.get("/property/my"), 200, fmt.Sprintf("respond-%d", caseID))
		if b := other.get("/property/my").Body; strings.Contains(b, fmt.Sprintf("respond-%d", caseID)) {
			t.Fatal("another company sees the order")
		}
		want(t, other.form("/property/my/orders", url.Values{"case_id": {fmt.Sprint(caseID)}, "version": {"1"}, "text": {"x"}}), 404)
		want(t, co.form("/property/my/orders", url.Values{"case_id": {fmt.Sprint(caseID)}, "version": {"1"}, "text": {"已在大门公示"}}), 303)

		// The inspector verifies through the API.
		var rc Rectification
		res := insp.get(fmt.Sprintf("/api/v1/property/rectifications/%d", caseID))
		want(t, res, 200, `"responded"`)
		_ = json.Unmarshal([]byte(res.Body), &rc)
		want(t, insp.json("POST", fmt.Sprintf("/api/v1/property/rectifications/%d/actions", caseID),
			map[string]any{"action": "verify", "version": rc.Case.Version}), 200, `"verified"`)

		var f Figures
		res = city.get("/api/v1/property/figures")
		want(t, res, 200)
		if err := json.Unmarshal([]byte(res.Body), &f); err != nil || f.Problems.Found != 1 || f.Problems.Resolved != 1 {
			t.Fatalf("figures %s", res.Body)
		}
		if res := staffB.get("/api/v1/property/figures"); !strings.Contains(res.Body, `"found":0`) {
			t.Fatalf("district B figures %s", res.Body)
		}
		want(t, city.get("/property"), 200, `data-testid="problems-resolved">1<`)
		want(t, city.get("/property/coverage"), 200, `data-testid="problems-found">1<`)

		// Council: a meeting and a mediation through the pages and the API.
		r = insp.form("/property/council/meetings", url.Values{"compound_id": {fmt.Sprint(e.compounds["a1"].ID)},
			"held_on": {"2026-03-08"}, "agenda": {"停车"}, "minutes": {"纪要"}, "attend_party": {"on"},
			"res_text_0": {"划车位"}, "res_owner_0": {"物业"}, "res_due_0": {"2026-03-31"}})
		want(t, r, 303)
		want(t, insp.get(r.Header.Get("Location")), 200, "划车位", "2026-03-31")
		want(t, staffB.get(r.Header.Get("Location")), 404)
		var meeting Meeting
		mres := insp.get("/api/v1/property/council/meetings")
		var ms []Meeting
		_ = json.Unmarshal([]byte(mres.Body), &ms)
		if len(ms) != 1 {
			t.Fatalf("meetings %s", mres.Body)
		}
		_ = json.Unmarshal([]byte(insp.get(fmt.Sprintf("/api/v1/property/council/meetings/%d", ms[0].ID)).Body), &meeting)
		if len(meeting.Resolutions) != 1 || !meeting.Attendance.Party || meeting.Attendance.Company {
			t.Fatalf("meeting %+v", meeting)
		}
		done := fmt.Sprintf("/api/v1/property/council/meetings/%d/resolutions/done", meeting.ID)
		want(t, staffB.json("POST", done, ResolutionDone{ResolutionID: meeting.Resolutions[0].ID}), 404)
		want(t, insp.json("POST", done, ResolutionDone{ResolutionID: meeting.Resolutions[0].ID}), 200, `"done":true`)
		want(t, insp.json("POST", done, ResolutionDone{ResolutionID: meeting.Resolutions[0].ID}), 409)
		res = insp.json("POST", "/api/v1/property/council/disputes", DisputeInput{CompoundID: e.compounds["a1"].ID, Title: "噪音", Body: "楼上噪音"})
		want(t, res, 201)
		var med struct {
			ID      int64 `json:"id"`
			Version int   `json:"version"`
		}
		_ = json.Unmarshal([]byte(res.Body), &med)
		want(t, staffB.get(fmt.Sprintf("/api/v1/property/council/mediations/%d", med.ID)), 404)
		want(t, insp.json("POST", fmt.Sprintf("/api/v1/property/council/mediations/%d/actions", med.ID),
			map[string]any{"action": "settle_building", "version": med.Version, "text": "协商一致"}), 200, `"building"`)
		want(t, city.get("/property/council"), 200, `data-testid="within-building">100.0%<`, "噪音")
		res = city.get("/api/v1/property/figures")
		if !strings.Contains(res.Body, `"within_building":1`) {
			t.Fatalf("figures %s", res.Body)
		}
	})
}
