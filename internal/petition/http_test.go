package petition_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"anju/internal/casework"
	"anju/internal/petition"

	"github.com/xuri/excelize/v2"
)

func TestAPIIntakeActTrack(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		s := newServer(t, w)
		box := &smsBox{}
		w.E.Channels = []casework.Channel{&casework.SMSChannel{Sender: box}}
		visitor, staffA, staffB := s.login(t, nil), s.login(t, w.StaffA), s.login(t, w.StaffB)
		var rc petition.Receipt
		body := fmt.Sprintf(`{"kind":"complaint","category":"construction_quality","subcategory":"leak","title":"新房漏水",
			"body":"交房三个月屋顶漏水","name":"陈七","phone":"139 0000 4321","unit_id":%d,"address":"甲花园3幢"}`, w.A.ID)
		visitor.json(t, "POST", "/api/v1/petition/submissions", body, http.StatusCreated, &rc)
		if rc.Number == "" || rc.CheckCode != "4321" || rc.State != "registered" {
			t.Fatalf("receipt %+v", rc)
		}
		// Validation answers 422 naming the field.
		resp, text := visitor.do(t, "POST", "/api/v1/petition/submissions", "", `{"kind":"appeal","category":"other","title":"x","body":"y","anonymous":true,"unit_id":1}`)
		if resp.StatusCode != 422 || !strings.Contains(text, `"field":"anonymous"`) {
			t.Fatalf("anonymous appeal: %d %s", resp.StatusCode, text)
		}
		// A visitor may not enter a letter.
		resp, _ = visitor.do(t, "POST", "/api/v1/petition/submissions", "", `{"channel":"letter","kind":"complaint","category":"other","title":"x","body":"y","name":"a","phone":"13900000000"}`)
		if resp.StatusCode != 403 {
			t.Errorf("visitor letter: %d", resp.StatusCode)
		}

		var list struct {
			Items []petition.CaseItem `json:"items"`
			Total int                 `json:"total"`
		}
		staffA.json(t, "GET", "/api/v1/petition/cases?q="+url.QueryEscape("漏水"), "", 200, &list)
		if list.Total != 1 || list.Items[0].PartyPhone != "139****4321" {
			t.Fatalf("ledger: %+v", list)
		}
		staffB.json(t, "GET", "/api/v1/petition/cases", "", 200, &list)
		if list.Total != 0 {
			t.Errorf("district B sees %d of A's petitions", list.Total)
		}
		path := fmt.Sprintf("/api/v1/petition/cases/%d", rc.ID)
		if resp, _ := staffB.do(t, "GET", path, "", ""); resp.StatusCode != 404 {
			t.Errorf("district B reads A's petition: %d", resp.StatusCode)
		}
		if resp, _ := staffB.do(t, "POST", path+"/actions", "", `{"action":"accept","version":1}`); resp.StatusCode != 404 {
			t.Errorf("district B acts on A's petition: %d", resp.StatusCode)
		}
		var d petition.CaseDetail
		staffA.json(t, "GET", path, "", 200, &d)
		if d.Case.PartyPhone != "13900004321" || len(d.Timeline) != 1 || !containsStr(d.Allowed, "accept") {
			t.Fatalf("detail %+v", d)
		}

		// Two staff accept at once from version 1: one wins, the other gets
		// 409 with the current case.
		staffA2 := s.login(t, w.StaffA)
		var wg sync.WaitGroup
		codes := make([]int, 2)
		texts := make([]string, 2)
		for i, c := range []*client{staffA, staffA2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, text := c.do(t, "POST", path+"/actions", "", `{"action":"accept","version":1}`)
				codes[i], texts[i] = resp.StatusCode, text
			}()
		}
		wg.Wait()
		if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
			t.Fatalf("concurrent accepts: %v %v", codes, texts)
		}
		lost := texts[0]
		if codes[1] == 409 {
			lost = texts[1]
		}
		if !strings.Contains(lost, `"state":"handling"`) || !strings.Contains(lost, `"version":2`) || !strings.Contains(lost, `"allowed"`) {
			t.Errorf("409 without the current case: %s", lost)
		}
		// Missing version: 422; unknown action: 422; wrong state: 409.
		if resp, _ := staffA.do(t, "POST", path+"/actions", "", `{"action":"reply","text":"x"}`); resp.StatusCode != 422 {
			t.Errorf("no version: %d", resp.StatusCode)
		}
		if resp, text := staffA.do(t, "POST", path+"/actions", "", `{"action":"accept","version":2}`); resp.StatusCode != 409 || !strings.Contains(text, "case-state") {
			t.Errorf("accept twice: %d %s", resp.StatusCode, text)
		}
		staffA.json(t, "POST", path+"/actions", `{"action":"reply","version":2,"text":"已责成开发商维修，维修后复查无渗漏"}`, 200, &d)
		if d.Case.State != "replied" {
			t.Fatalf("replied: %s", d.Case.State)
		}
		// The petitioner is told by SMS (acceptance and reply).
		if _, err := w.E.Dispatch(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(box.sent) != 2 || !strings.HasPrefix(box.sent[1], "13900004321 【安居】") || !strings.Contains(box.sent[1], "已答复") {
			t.Errorf("SMS to the petitioner: %q", box.sent)
		}
		// The petitioner follows it by number and check code, and rates it.
		var pc petition.PublicCase
		if resp, _ := visitor.do(t, "POST", "/api/v1/petition/track", "", `{"number":"`+rc.Number+`","check":"0000"}`); resp.StatusCode != 404 {
			t.Errorf("wrong check code: %d", resp.StatusCode)
		}
		visitor.json(t, "POST", "/api/v1/petition/track", `{"number":"`+rc.Number+`","check":"4321"}`, 200, &pc)
		if pc.State != "replied" || !containsStr(pc.Actions, "rate") || pc.Handler != "甲区" || len(pc.Timeline) != 3 {
			t.Fatalf("tracking %+v", pc)
		}
		visitor.json(t, "POST", "/api/v1/petition/track/actions", fmt.Sprintf(`{"number":"%s","check":"4321","action":"rate","version":%d,"rating":"satisfied"}`,
			rc.Number, pc.Version), 200, &pc)
		if pc.State != "closed" || pc.Closed != "satisfied" {
			t.Fatalf("after rating: %+v", pc)
		}
		// A petitioner's route cannot take staff actions.
		if resp, _ := visitor.do(t, "POST", "/api/v1/petition/track/actions", "", fmt.Sprintf(`{"number":"%s","check":"4321","action":"supervise","version":%d}`,
			rc.Number, pc.Version)); resp.StatusCode != 422 {
			t.Errorf("staff action through tracking: %d", resp.StatusCode)
		}
	})
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A citizen sees their own petitions only.
func TestCitizenSeesOnlyTheirOwn(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		s := newServer(t, w)
		c1, c2 := s.login(t, w.Citizen), s.login(t, w.Citizen2)
		var rc petition.Receipt
		c1.json(t, "POST", "/api/v1/petition/submissions", fmt.Sprintf(`{"kind":"suggestion","category":"parking","title":"增设停车位",
			"body":"建议利用边角地块","unit_id":%d}`, w.A.ID), 201, &rc)
		var mine struct{ Total int }
		c1.json(t, "GET", "/api/v1/petition/mine", "", 200, &mine)
		if mine.Total != 1 {
			t.Errorf("own list: %d", mine.Total)
		}
		c2.json(t, "GET", "/api/v1/petition/mine", "", 200, &mine)
		if mine.Total != 0 {
			t.Errorf("another citizen's list: %d", mine.Total)
		}
		if resp, _ := c2.do(t, "POST", "/api/v1/petition/track", "", `{"number":"`+rc.Number+`"}`); resp.StatusCode != 404 {
			t.Errorf("another citizen tracks it: %d", resp.StatusCode)
		}
		if resp, _ := c1.do(t, "POST", "/api/v1/petition/track", "", `{"number":"`+rc.Number+`"}`); resp.StatusCode != 200 {
			t.Errorf("the petitioner tracks it without a code: %d", resp.StatusCode)
		}
		// Staff routes are closed to citizens.
		if resp, _ := c1.do(t, "GET", fmt.Sprintf("/api/v1/petition/cases/%d", rc.ID), "", ""); resp.StatusCode != 403 {
			t.Errorf("citizen on the staff API: %d", resp.StatusCode)
		}
		c2.page(t, "/petition/track?number="+rc.Number, 404)
		page := c1.page(t, "/petition/track?number="+rc.Number, 200)
		if !strings.Contains(page, "增设停车位") {
			t.Error("the petitioner's tracking page lacks the petition")
		}
	})
}

func TestPagesAndExport(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		s := newServer(t, w)
		visitor, staff, leader := s.login(t, nil), s.login(t, w.StaffA), s.login(t, w.Leader)
		// The public form, by a visitor (double-submit CSRF cookie).
		resp, text := visitor.form(t, "/petition/new", url.Values{"unit_id": {fmt.Sprint(w.A.ID)}, "kind": {"complaint"},
			"subcategory": {"real_estate/delivery_delay"}, "title": {"逾期交房"}, "body": {"合同约定去年底交房"}, "name": {"刘一"},
			"phone": {"13611112222"}, "lat": {"30.25"}, "lng": {"120.17"}})
		// Post/redirect/get: the receipt is a page of its own, so a reload
		// does not file the petition twice.
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/petition/submitted" {
			t.Fatalf("public form: %d %q %.500s", resp.StatusCode, resp.Header.Get("Location"), text)
		}
		text = visitor.page(t, "/petition/submitted", 200)
		if !strings.Contains(text, `data-testid="number"`) || !strings.Contains(text, "2222") {
			t.Fatalf("receipt: %.500s", text)
		}
		// Shown once: a reload (or the next person at a shared browser)
		// goes to tracking, and nothing was filed twice.
		if resp, _ := visitor.do(t, "GET", "/petition/submitted", "", ""); resp.StatusCode != 303 || resp.Header.Get("Location") != "/petition/track" {
			t.Errorf("the receipt reloaded: %d %q, want a redirect to tracking", resp.StatusCode, resp.Header.Get("Location"))
		}
		var n int
		if err := w.DB.QueryRow(sysCtx(), `SELECT COUNT(*) FROM cases`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d cases after the receipt was reloaded, want 1 (%v)", n, err)
		}
		resp, text = visitor.form(t, "/petition/new", url.Values{"unit_id": {fmt.Sprint(w.A.ID)}, "kind": {"appeal"}, "anonymous": {"on"}})
		if resp.StatusCode != 422 || !strings.Contains(text, "实名") {
			t.Errorf("bad public form: %d", resp.StatusCode)
		}
		for i := range 5 {
			w.submit(t, func(s *petition.Submission) { s.Title = fmt.Sprintf("电梯故障%d", i) })
		}
		list := staff.page(t, "/petition", 200)
		if strings.Count(list, "data-number=") != 6 {
			t.Errorf("ledger rows: %d", strings.Count(list, "data-number="))
		}
		filtered := staff.page(t, "/petition?q="+url.QueryEscape("电梯")+"&sort=-received", 200)
		if strings.Count(filtered, "data-number=") != 5 {
			t.Errorf("filtered rows: %d", strings.Count(filtered, "data-number="))
		}
		staff.page(t, "/petition?from=bad", 422)
		// The export holds exactly the filtered rows.
		resp, text = staff.do(t, "GET", "/api/v1/petition/export?q="+url.QueryEscape("电梯"), "", "")
		if resp.StatusCode != 200 || resp.Header.Get("X-Row-Count") != "5" {
			t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("X-Row-Count"))
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(text)))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows(x.GetSheetName(0))
		if len(rows) != 6 {
			t.Errorf("sheet rows %d, want 6", len(rows))
		}
		// Case page, an action by form, a stale form → 409 with the current state.
		cs, _, _ := w.E.List(as(w.StaffA), casework.Filter{Type: petition.TypeName, Keyword: "逾期交房"})
		id := cs[0].ID
		casePage := staff.page(t, fmt.Sprintf("/petition/cases/%d", id), 200)
		if !strings.Contains(casePage, `data-action="accept"`) || !strings.Contains(casePage, "13611112222") {
			t.Fatalf("case page lacks the accept form or the phone")
		}
		resp, _ = staff.form(t, fmt.Sprintf("/petition/cases/%d/act", id), url.Values{"action": {"accept"}, "version": {"1"}})
		if resp.StatusCode != 303 {
			t.Fatalf("accept by form: %d", resp.StatusCode)
		}
		resp, text = staff.form(t, fmt.Sprintf("/petition/cases/%d/act", id), url.Values{"action": {"decline"}, "version": {"1"}, "reason": {"x"}})
		if resp.StatusCode != 409 || !strings.Contains(text, `data-testid="problem"`) || !strings.Contains(text, `data-state="handling"`) {
			t.Errorf("stale form: %d", resp.StatusCode)
		}
		resp, text = staff.form(t, fmt.Sprintf("/petition/cases/%d/act", id), url.Values{"action": {"reply"}, "version": {"2"}})
		if resp.StatusCode != 422 || !strings.Contains(text, "field-error") {
			t.Errorf("reply without text: %d", resp.StatusCode)
		}
		resp, _ = staff.form(t, fmt.Sprintf("/petition/cases/%d/note", id), url.Values{"text": {"已电话联系开发商"}})
		if resp.StatusCode != 303 {
			t.Errorf("note: %d", resp.StatusCode)
		}
		// Staff entry of a letter.
		resp, _ = staff.form(t, "/petition/entry", url.Values{"channel": {"letter"}, "kind": {"appeal"}, "subcategory": {"housing_security/subsidy"},
			"title": {"申请住房补贴"}, "body": {"符合条件未获补贴"}, "name": {"周八"}, "phone": {"0571-88886666"}, "received_on": {"2026-02-27"}})
		if resp.StatusCode != 303 {
			t.Errorf("entry: %d", resp.StatusCode)
		}
		for _, p := range []string{"/petition/board", "/petition/entry", "/petition/receptions", "/inbox"} {
			staff.page(t, p, 200)
		}
		leader.page(t, "/petition/board", 200)
		// A reception day that took up the petition.
		resp, text = leader.form(t, "/petition/receptions", url.Values{"kind": {"reception"}, "held_on": {"2026-03-01"},
			"leader_name": {"王局长"}, "place": {"市民中心"}, "cases": {cs[0].Number}})
		if resp.StatusCode != 303 {
			t.Fatalf("reception: %d %.300s", resp.StatusCode, text)
		}
		if p := staff.page(t, fmt.Sprintf("/petition/cases/%d", id), 200); !strings.Contains(p, "王局长") {
			t.Error("the reception is not on the case")
		}
		// The ledger of receptions names the petitions it took up, linked.
		if p := leader.page(t, "/petition/receptions", 200); !strings.Contains(p, fmt.Sprintf(`<a href="/petition/cases/%d">%s</a>`, id, cs[0].Number)) {
			t.Error("the receptions page does not link the petition taken up")
		}
		// A home visit is labelled as one on the case's timeline.
		resp, text = leader.form(t, "/petition/receptions", url.Values{"kind": {"visit"}, "held_on": {"2026-03-01"},
			"leader_name": {"李局长"}, "cases": {cs[0].Number}})
		if resp.StatusCode != 303 {
			t.Fatalf("home visit: %d %.300s", resp.StatusCode, text)
		}
		if p := staff.page(t, fmt.Sprintf("/petition/cases/%d", id), 200); !strings.Contains(p, "· 领导下访") {
			t.Error("the home visit is not labelled 领导下访 on the case")
		}
		// Receptions link only petitions of the recorder's jurisdiction.
		staffB := s.login(t, w.StaffB)
		resp, text = staffB.do(t, "POST", "/api/v1/petition/receptions", "", `{"kind":"visit","held_on":"2026-03-01","leader_name":"乙区长","cases":["`+cs[0].Number+`"]}`)
		if resp.StatusCode != 422 || !strings.Contains(text, `"field":"cases"`) {
			t.Errorf("reception of another district's petition: %d %s", resp.StatusCode, text)
		}
		// The rules are set at city level.
		var set petition.Settings
		leader.json(t, "GET", "/api/v1/petition/settings", "", 200, &set)
		if set.ResponseWorkdays != 1 || set.RepeatDays != 90 {
			t.Errorf("default settings %+v", set)
		}
		leader.json(t, "PUT", "/api/v1/petition/settings", `{"response_workdays":2,"repeat_days":60,"repeat_meters":300,"rating_days":15,"reopen_days":20}`, 200, &set)
		if resp, _ := staff.do(t, "PUT", "/api/v1/petition/settings", "", `{"response_workdays":3}`); resp.StatusCode != 403 {
			t.Errorf("district staff changed the rules: %d", resp.StatusCode)
		}
		if resp, _ := leader.do(t, "PUT", "/api/v1/petition/settings", "", `{"response_workdays":0,"repeat_days":60,"repeat_meters":300,"rating_days":15,"reopen_days":20}`); resp.StatusCode != 422 {
			t.Errorf("invalid rules: %d", resp.StatusCode)
		}
		pc := w.submit(t)
		if day(pc.ResponseDueAt) != "2026-03-04" { // now 2 working days from Mon 2 Mar
			t.Errorf("rapid-response target after the change: %s", day(pc.ResponseDueAt))
		}
		for _, p := range []string{"/petition/new", "/petition/track"} {
			visitor.page(t, p, 200)
		}
		// English pages render too.
		staff.page(t, fmt.Sprintf("/petition/cases/%d?lang=en", id), 200)
		staff.page(t, "/petition?lang=en", 200)
	})
}
