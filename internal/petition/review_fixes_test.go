package petition_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/auth"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

// actionResult is the answer of POST …/actions as a client reads it.
type actionResult struct {
	Case     *casework.Case         `json:"case"`
	Timeline []casework.Event       `json:"timeline"`
	Outcome  petition.ActionOutcome `json:"outcome"`
}

// department limits staff member p to the department code (as an
// administrator would): the account for logins, p for direct calls.
func (w *world) department(t *testing.T, p *auth.Principal, code string) {
	t.Helper()
	var id int64
	if err := w.DB.QueryRow(context.Background(), `SELECT id FROM departments WHERE code = ?`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB.Exec(context.Background(), `UPDATE users SET department_id = ? WHERE id = ?`, id, p.UserID); err != nil {
		t.Fatal(err)
	}
	p.DepartmentID = id
}

func (w *world) version(t *testing.T, id int64) int {
	t.Helper()
	c, err := w.E.Get(sysCtx(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Version
}

// An action after which the actor can no longer read the case answers 200
// with its outcome, not 404, and shows nothing of the case beyond it.
func TestActionThatLosesAccessAnswersItsOutcome(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		s := newServer(t, w)
		staffA, staffB := s.login(t, w.StaffA), s.login(t, w.StaffB)
		pc := w.submit(t)
		path := fmt.Sprintf("/api/v1/petition/cases/%d", pc.ID)

		// District A transfers it to B: until B accepts or objects, A
		// still handles it and reads it.
		var res actionResult
		staffA.json(t, "POST", path+"/actions", fmt.Sprintf(`{"action":"transfer","version":1,"unit_id":%d,"reason":"属乙区管辖"}`, w.B.ID), 200, &res)
		if res.Case == nil || res.Case.PendingUnitID != w.B.ID {
			t.Fatalf("transfer answer: %+v", res)
		}
		if !res.Outcome.Readable || res.Outcome.Number != pc.Number || res.Outcome.Unit != "甲区" {
			t.Errorf("transfer outcome: %+v", res.Outcome)
		}
		staffA.json(t, "GET", path, "", 200, nil)
		var d petition.CaseDetail
		staffB.json(t, "GET", path, "", 200, &d)
		if !containsStr(d.Allowed, "object_transfer") {
			t.Fatalf("the receiver may not object: %v", d.Allowed)
		}

		// B objects: the case goes back to A and B loses sight of it.
		resp, text := staffB.do(t, "POST", path+"/actions", "", fmt.Sprintf(`{"action":"object_transfer","version":%d,"reason":"不属本区管辖"}`, d.Case.Version))
		if resp.StatusCode != 200 {
			t.Fatalf("objection: %d %s", resp.StatusCode, text)
		}
		res = actionResult{}
		if err := json.Unmarshal([]byte(text), &res); err != nil {
			t.Fatal(err)
		}
		o := res.Outcome
		if o.Readable || o.Action != "object_transfer" || o.CaseID != pc.ID || o.Number != pc.Number || o.State != petition.StateRegistered ||
			o.StateLabel == "" || o.Unit != "甲区" || !strings.Contains(o.Message, "回到甲区") {
			t.Errorf("objection outcome: %+v", o)
		}
		for _, leak := range []string{`"case"`, `"timeline"`, `"allowed"`, "13912345678", pc.Title, "不属本区管辖"} {
			if strings.Contains(text, leak) {
				t.Errorf("the objector's answer shows %s: %s", leak, text)
			}
		}
		if resp, _ := staffB.do(t, "GET", path, "", ""); resp.StatusCode != 404 {
			t.Errorf("the objector still reads the case: %d", resp.StatusCode)
		}
		d = petition.CaseDetail{}
		staffA.json(t, "GET", path, "", 200, &d)
		if d.Case.PendingUnitID != 0 || d.Timeline[len(d.Timeline)-1].Kind != "object_transfer" {
			t.Errorf("the sender's case after the objection: pending %d, timeline %+v", d.Case.PendingUnitID, d.Timeline)
		}

		// The same in English.
		staffA.json(t, "POST", path+"/actions", fmt.Sprintf(`{"action":"transfer","version":%d,"unit_id":%d,"reason":"再转"}`, d.Case.Version, w.B.ID), 200, nil)
		res = actionResult{}
		staffB.json(t, "POST", path+"/actions?lang=en", fmt.Sprintf(`{"action":"object_transfer","version":%d,"reason":"no"}`, w.version(t, pc.ID)), 200, &res)
		if res.Outcome.Readable || !strings.Contains(res.Outcome.Message, "went back to 甲区") {
			t.Errorf("English outcome: %+v", res.Outcome)
		}

		// Any action that puts the case out of reach answers the same way:
		// staff limited to a department giving it to another department.
		limited := w.user(t, "staff_a_property", auth.DistrictStaff, w.A)
		w.department(t, limited, "property")
		var housing int64
		if err := w.DB.QueryRow(context.Background(), `SELECT id FROM departments WHERE code = 'housing'`).Scan(&housing); err != nil {
			t.Fatal(err)
		}
		other := w.submit(t, func(s *petition.Submission) { s.Phone = "13912340000" })
		lc := s.login(t, limited)
		res = actionResult{}
		lc.json(t, "POST", fmt.Sprintf("/api/v1/petition/cases/%d/actions", other.ID),
			fmt.Sprintf(`{"action":"assign","version":1,"department_id":%d}`, housing), 200, &res)
		if res.Outcome.Readable || res.Case != nil || res.Outcome.Unit != "甲区" || !strings.Contains(res.Outcome.Message, "不能查看") {
			t.Errorf("assigned away: %+v", res)
		}
		// Accepting a transfer keeps the case in the receiver's sight.
		staffA.json(t, "POST", path+"/actions", fmt.Sprintf(`{"action":"transfer","version":%d,"unit_id":%d,"reason":"三转"}`, w.version(t, pc.ID), w.B.ID), 200, nil)
		res = actionResult{}
		staffB.json(t, "POST", path+"/actions", fmt.Sprintf(`{"action":"accept_transfer","version":%d}`, w.version(t, pc.ID)), 200, &res)
		if !res.Outcome.Readable || res.Case == nil || res.Case.OrgUnitID != w.B.ID || res.Outcome.Unit != "乙区" {
			t.Errorf("accepted transfer: %+v", res)
		}
	})
}

// inbox reads the caller's notices about the case number.
func (c *client) inbox(t *testing.T, number string) []casework.Notice {
	t.Helper()
	var box casework.InboxResponse
	c.json(t, "GET", "/api/v1/casework/inbox?size=100", "", 200, &box)
	var out []casework.Notice
	for _, n := range box.Items {
		if n.Number == number {
			out = append(out, n)
		}
	}
	return out
}

func noticeWith(ns []casework.Notice, kind, text string) bool {
	for _, n := range ns {
		if n.Kind == kind && strings.Contains(n.Text, text) {
			return true
		}
	}
	return false
}

// A request for review or re-review is told to those who may decide it —
// the level above the handling unit, in its petition office — and, for
// information, to the handling unit.
func TestReviewRequestReachesWhoDecides(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		s := newServer(t, w)
		officer := w.user(t, "city_petition", auth.CityStaff, w.City)
		w.department(t, officer, "petition")
		office, staffA, staffB, visitor := s.login(t, officer), s.login(t, w.StaffA), s.login(t, w.StaffB), s.login(t, nil)

		pc := w.submit(t)
		w.act(t, as(w.StaffA), pc.ID, "accept", casework.Input{})
		w.act(t, as(w.StaffA), pc.ID, "reply", casework.Input{Text: "已督促物业清运"})
		visitor.json(t, "POST", "/api/v1/petition/track/actions", fmt.Sprintf(`{"number":"%s","check":"5678","action":"request_review","version":%d,"reason":"垃圾仍未清运"}`,
			pc.Number, w.version(t, pc.ID)), 200, nil)

		if ns := office.inbox(t, pc.Number); !noticeWith(ns, "review_requested", "申请复查，请于") {
			t.Fatalf("the city petition office was not told of the review: %+v", ns)
		}
		if ns := staffA.inbox(t, pc.Number); !noticeWith(ns, "review_requested", "供知悉") || noticeWith(ns, "review_requested", "请于") {
			t.Errorf("the handling district's notice: %+v", ns)
		}
		if ns := staffB.inbox(t, pc.Number); len(ns) != 0 {
			t.Errorf("another district was told: %+v", ns)
		}
		// The one told is one who may decide it.
		var d petition.CaseDetail
		office.json(t, "GET", fmt.Sprintf("/api/v1/petition/cases/%d", pc.ID), "", 200, &d)
		if !containsStr(d.Allowed, "decide_review") {
			t.Fatalf("the office may not decide the review: %v", d.Allowed)
		}
		office.json(t, "POST", fmt.Sprintf("/api/v1/petition/cases/%d/actions", pc.ID),
			fmt.Sprintf(`{"action":"decide_review","version":%d,"text":"维持原答复意见"}`, d.Case.Version), 200, nil)

		// Re-review: the same.
		visitor.json(t, "POST", "/api/v1/petition/track/actions", fmt.Sprintf(`{"number":"%s","check":"5678","action":"request_rereview","version":%d,"reason":"不服复查意见"}`,
			pc.Number, w.version(t, pc.ID)), 200, nil)
		if ns := office.inbox(t, pc.Number); !noticeWith(ns, "review_requested", "申请复核，请于") {
			t.Fatalf("the city petition office was not told of the re-review: %+v", ns)
		}
		if ns := staffA.inbox(t, pc.Number); !noticeWith(ns, "review_requested", "已申请复核") {
			t.Errorf("the handling district was not told of the re-review: %+v", ns)
		}
		office.json(t, "GET", fmt.Sprintf("/api/v1/petition/cases/%d", pc.ID), "", 200, &d)
		if !containsStr(d.Allowed, "decide_rereview") {
			t.Errorf("the office may not decide the re-review: %v", d.Allowed)
		}

		// A petition handled by a street: the district above it decides,
		// and is told.
		street := w.reviewAsked(t, w.StreetStaffA, w.StreetA, "13912349999")
		if ns := staffA.inbox(t, street.Number); !noticeWith(ns, "review_requested", "申请复查，请于") {
			t.Errorf("district A was not told of its street's review: %+v", ns)
		}
		if ns := office.inbox(t, street.Number); len(ns) != 0 {
			t.Errorf("the city was told of a street's review: %+v", ns)
		}
		w.act(t, as(w.StaffA), street.ID, "decide_review", casework.Input{Text: "维持"})

		// A petition the bureau handles itself: its leaders decide, and
		// are told to act, not for information.
		top := w.reviewAsked(t, w.CityStaff, w.City, "13912348888")
		leader := s.login(t, w.Leader)
		if ns := leader.inbox(t, top.Number); !noticeWith(ns, "review_requested", "申请复查，请于") || noticeWith(ns, "review_requested", "供知悉") {
			t.Errorf("the leader's notice of a city-level review: %+v", ns)
		}
		w.act(t, as(w.Leader), top.ID, "decide_review", casework.Input{Text: "维持"})
	})
}

// reviewAsked is a call entered by p at unit, accepted and replied to
// there, whose petitioner (by phone) then asks for review.
func (w *world) reviewAsked(t *testing.T, p *auth.Principal, unit org.Unit, phone string) casework.Case {
	t.Helper()
	c, err := w.S.Submit(as(p), w.submission(func(s *petition.Submission) {
		s.Channel, s.UnitID, s.Phone = petition.ChannelCall, unit.ID, phone
	}))
	if err != nil {
		t.Fatal(err)
	}
	w.act(t, as(p), c.ID, "accept", casework.Input{})
	w.act(t, as(p), c.ID, "reply", casework.Input{Text: "已处理"})
	w.act(t, casework.WithPartyProof(as(&auth.Principal{}), c.ID), c.ID, "request_review", casework.Input{Reason: "不服"})
	return c
}

// bearer sends a JSON request with a machine token.
func bearer(t *testing.T, s *server, token, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A machine token with petition:intake (信访件接入（12345 热线等）) files
// hotline petitions, idempotently on the ticket; data.push still does; a
// token for the Open311 adapter alone does not.
func TestIntakeTokenFilesHotlinePetitions(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		s := newServer(t, w)
		admin := w.user(t, "sysadmin", auth.SystemAdmin, w.City)
		token := func(unit org.Unit, perms ...string) string {
			secret, _, err := s.Auth.CreateToken(context.Background(), admin, "token "+strings.Join(perms, ","), perms, unit.ID, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			return secret
		}
		hotline := token(w.City, petition.PermIntake)
		body := func(ref string) string {
			return fmt.Sprintf(`{"channel":"hotline","external_ref":"%s","kind":"complaint","category":"property_management",
				"title":"电梯停运","body":"电梯停运三天","name":"赵六","phone":"13700001111","unit_id":%d}`, ref, w.A.ID)
		}
		code, text := bearer(t, s, hotline, "POST", "/api/v1/petition/submissions", body("12345-2026-000042"))
		if code != http.StatusCreated {
			t.Fatalf("hotline push with petition:intake: %d %s", code, text)
		}
		var rc petition.Receipt
		if err := json.Unmarshal([]byte(text), &rc); err != nil {
			t.Fatal(err)
		}
		c, err := w.E.Get(sysCtx(), rc.ID)
		if err != nil || c.Channel != petition.ChannelHotline || c.ExternalRef != "12345-2026-000042" {
			t.Fatalf("filed %+v %v", c, err)
		}
		code, text = bearer(t, s, hotline, "POST", "/api/v1/petition/submissions", body("12345-2026-000042"))
		if code != http.StatusConflict || !strings.Contains(text, rc.Number) {
			t.Errorf("repeated push: %d %s", code, text)
		}
		// The generic feed permission goes on working.
		if code, text := bearer(t, s, token(w.City, string(auth.ActPushData)), "POST", "/api/v1/petition/submissions", body("12345-2026-000043")); code != http.StatusCreated {
			t.Errorf("hotline push with data.push: %d %s", code, text)
		}
		// A token for the Open311 adapter files there (which checks its
		// jurisdiction), not by this API.
		o311 := token(w.City, petition.PermOpen311)
		if code, _ := bearer(t, s, o311, "POST", "/api/v1/petition/submissions", body("12345-2026-000044")); code != http.StatusForbidden {
			t.Errorf("hotline push with open311:requests only: %d", code)
		}
		// A token with petition:intake is not a member of the public.
		if code, _ := bearer(t, s, hotline, "POST", "/api/v1/petition/submissions", strings.Replace(body("x"), `"hotline"`, `"web"`, 1)); code != http.StatusForbidden {
			t.Errorf("web channel with petition:intake: %d", code)
		}
	})
}

// The API documents both shapes of an action's answer.
func TestActionAnswerIsDocumented(t *testing.T) {
	doc := web.OpenAPI("test", (&petition.Handler{}).Routes())
	op := doc["paths"].(map[string]map[string]any)["/api/v1/petition/cases/{id}/actions"]["post"].(map[string]any)
	ok := op["responses"].(map[string]any)["200"].(map[string]any)
	schema := ok["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	props := schema["properties"].(map[string]any)
	for _, p := range []string{"outcome", "case", "timeline", "allowed"} {
		if props[p] == nil {
			t.Errorf("the action's answer does not document %s: %v", p, props)
		}
	}
	if req, _ := schema["required"].([]string); len(req) != 1 || req[0] != "outcome" {
		t.Errorf("required: %v (only the outcome is always there)", schema["required"])
	}
	outcome := props["outcome"].(map[string]any)["properties"].(map[string]any)
	if outcome["readable"] == nil || outcome["unit"] == nil {
		t.Errorf("outcome schema: %v", outcome)
	}
	if d, _ := op["description"].(string); !strings.Contains(d, "readable") {
		t.Errorf("the description does not say when the case is left out: %q", d)
	}
}
