package petition_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"anju/internal/casework"
	"anju/internal/petition"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
)

// The forms' compound and building selects: the district's compounds come
// by street, a compound's buildings follow it, and the case page names the
// building with its compound.
func TestPagesPlacePick(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		var building org.Unit
		err := w.DB.Tx(sysCtx(), func(tx *db.Tx) error {
			var err error
			building, err = w.S.Org.Create(sysCtx(), tx, auth.System("test"),
				org.Unit{ParentID: w.CompoundA.ID, Kind: org.Building, Code: "CA1111", Name: "3幢"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		s := newServer(t, w)
		visitor, staff := s.login(t, nil), s.login(t, w.StaffA)

		// No district yet: nothing to choose.
		frag := visitor.page(t, "/petition/places", 200)
		if !strings.Contains(frag, `id="place-pick"`) || strings.Contains(frag, "甲花园") || !strings.Contains(frag, "请先选择区") {
			t.Fatalf("places without a district: %.600s", frag)
		}
		// District A: its two compounds under its street, none of B's.
		frag = visitor.page(t, fmt.Sprintf("/petition/places?unit_id=%d", w.A.ID), 200)
		if !strings.Contains(frag, `<optgroup label="甲街道">`) || !strings.Contains(frag, "甲花园") ||
			!strings.Contains(frag, "甲新村") || strings.Contains(frag, "乙家园") || strings.Contains(frag, "3幢") {
			t.Fatalf("places of district A: %.800s", frag)
		}
		// The compound chosen: its building is offered and the compound stays chosen.
		frag = visitor.page(t, fmt.Sprintf("/petition/places?unit_id=%d&compound_id=%d", w.A.ID, w.CompoundA.ID), 200)
		if !strings.Contains(frag, fmt.Sprintf(`<option value="%d" selected>甲花园`, w.CompoundA.ID)) ||
			!strings.Contains(frag, fmt.Sprintf(`<option value="%d">3幢`, building.ID)) {
			t.Fatalf("places of compound A: %.800s", frag)
		}
		// Another district's compound with district A: dropped, no buildings.
		frag = visitor.page(t, fmt.Sprintf("/petition/places?unit_id=%d&compound_id=%d", w.A.ID, w.CompoundB.ID), 200)
		if strings.Contains(frag, "selected") || strings.Contains(frag, "3幢") {
			t.Fatalf("a compound of another district: %.800s", frag)
		}
		// A street is not a district: the public may not list by it.
		frag = visitor.page(t, fmt.Sprintf("/petition/places?unit_id=%d", w.StreetA.ID), 200)
		if strings.Contains(frag, "甲花园") {
			t.Fatalf("the public listed a street's compounds")
		}
		// Staff: their own unit's compounds by default, none outside it.
		frag = staff.page(t, "/petition/places", 200)
		if !strings.Contains(frag, "甲花园") {
			t.Fatalf("staff places: %.600s", frag)
		}
		frag = staff.page(t, fmt.Sprintf("/petition/places?unit_id=%d", w.B.ID), 200)
		if strings.Contains(frag, "乙家园") {
			t.Fatalf("district A's staff listed district B's compounds")
		}
		// The entry form shows the block with the clerk's compounds, and
		// lists the clerk's own district once.
		entry := staff.page(t, "/petition/entry", 200)
		if !strings.Contains(entry, `data-testid="place-pick"`) || !strings.Contains(entry, "甲花园") {
			t.Fatalf("entry form without the place pick")
		}
		if n := strings.Count(entry, fmt.Sprintf(`<option value="%d"`, w.A.ID)); n != 1 {
			t.Errorf("the clerk's district is offered %d times, want once", n)
		}

		// A staff entry naming the building: the case keeps the building,
		// and its page names it with the compound.
		resp, _ := staff.form(t, "/petition/entry", url.Values{"channel": {"call"}, "kind": {"complaint"},
			"subcategory": {"property_management/service"}, "title": {"楼道灯坏了"}, "body": {"三幢楼道灯坏了一个月"},
			"name": {"王五"}, "phone": {"13512345678"}, "compound_id": {fmt.Sprint(w.CompoundA.ID)},
			"building_id": {fmt.Sprint(building.ID)}})
		if resp.StatusCode != 303 {
			t.Fatalf("entry with a building: %d", resp.StatusCode)
		}
		page := staff.page(t, resp.Header.Get("Location"), 200)
		if !strings.Contains(page, `data-testid="place"`) || !strings.Contains(page, "甲花园 › 3幢") {
			t.Fatalf("case page without its building: %.2000s", page)
		}
		// The case row keeps the compound (repeats compare compounds); a
		// second petition of the same caller about the compound's other
		// side is a repeat of the first.
		var compound int64
		if err := w.DB.QueryRow(sysCtx(), `SELECT compound_id FROM cases WHERE title = '楼道灯坏了'`).Scan(&compound); err != nil || compound != w.CompoundA.ID {
			t.Fatalf("the case's compound %d (%v), want %d", compound, err, w.CompoundA.ID)
		}
		again := w.submit(t, func(s *petition.Submission) {
			s.Category, s.Subcategory, s.Phone, s.Name, s.CompoundID, s.UnitID = "property_management", "service", "13512345678", "王五", w.CompoundA.ID, 0
		})
		if again.RelatedID == 0 {
			t.Error("a petition about the building's compound is not linked as a repeat")
		}
		// A building outside the chosen compound is refused, naming the field.
		_, err = w.S.Submit(as(w.StaffA), w.submission(func(s *petition.Submission) {
			s.Channel, s.CompoundID, s.BuildingID = "call", w.Compound2A.ID, building.ID
		}))
		if fe, ok := err.(casework.FieldErrors); !ok || fe[0].Field != "building_id" {
			t.Errorf("a building outside its compound: %v", err)
		}
		// A street clerk leaves the unit as their own and picks one of their
		// compounds: the case is the street's.
		street := s.login(t, w.StreetStaffA)
		resp, _ = street.form(t, "/petition/entry", url.Values{"channel": {"visit"}, "kind": {"complaint"},
			"subcategory": {"property_management/fees"}, "title": {"物业费涨价"}, "body": {"未经业主大会涨价"},
			"name": {"赵六"}, "phone": {"13512340000"}, "compound_id": {fmt.Sprint(w.Compound2A.ID)}})
		if resp.StatusCode != 303 {
			t.Fatalf("a street clerk's entry with a compound: %d", resp.StatusCode)
		}
		var unit int64
		if err := w.DB.QueryRow(sysCtx(), `SELECT org_unit_id FROM cases WHERE title = '物业费涨价'`).Scan(&unit); err != nil || unit != w.StreetA.ID {
			t.Fatalf("the street clerk's case is at unit %d (%v), want the street %d", unit, err, w.StreetA.ID)
		}
		// The public form with a district's compound and errors elsewhere:
		// it comes back with the compound still chosen.
		resp, text := visitor.form(t, "/petition/new", url.Values{"unit_id": {fmt.Sprint(w.A.ID)}, "kind": {"complaint"},
			"compound_id": {fmt.Sprint(w.Compound2A.ID)}})
		if resp.StatusCode != 422 || !strings.Contains(text, fmt.Sprintf(`<option value="%d" selected>甲新村`, w.Compound2A.ID)) {
			t.Fatalf("the form lost its compound: %d", resp.StatusCode)
		}
	})
}

// A saved filter's link carries its whole query: clicking it filters.
func TestPagesSavedFilterLink(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		s := newServer(t, w)
		staff := s.login(t, w.StaffA)
		w.submit(t, func(s *petition.Submission) { s.Title = "电梯停运" })
		w.submit(t, func(s *petition.Submission) {
			s.Title = "外墙渗水"
			s.Category, s.Subcategory = "construction_quality", "leak"
		})
		resp, _ := staff.form(t, "/casework/saved-filters", url.Values{"type": {"petition"}, "name": {"质量类"},
			"query": {"category=construction_quality&sort=-received"}, "back": {"/petition"}})
		if resp.StatusCode != 303 {
			t.Fatalf("save filter: %d", resp.StatusCode)
		}
		list := staff.page(t, "/petition", 200)
		i := strings.Index(list, ">质量类</a>")
		if i < 0 {
			t.Fatalf("the saved filter is not listed")
		}
		j := strings.LastIndex(list[:i], `href="`)
		href := strings.ReplaceAll(list[j+len(`href="`):strings.Index(list[j+len(`href="`):], `"`)+j+len(`href="`)], "&amp;", "&")
		u, err := url.Parse(href)
		if err != nil || u.Path != "/petition" || u.Query().Get("category") != "construction_quality" || u.Query().Get("sort") != "-received" {
			t.Fatalf("saved filter link %q", href)
		}
		filtered := staff.page(t, href, 200)
		if n := strings.Count(filtered, "data-number="); n != 1 || !strings.Contains(filtered, "外墙渗水") {
			t.Fatalf("the saved filter's page shows %d rows", n)
		}
	})
}

// The petitioner downloads the case's public files from the tracking page
// with the number and check code; private files and other cases' stay shut.
func TestTrackFiles(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		s := newServer(t, w)
		c := w.submit(t)
		other := w.submit(t, func(s *petition.Submission) { s.Phone = "13700009999" })
		pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
		reply, err := w.E.Attach(as(w.StaffA), c.ID, "答复意见书.pdf", pdf, true)
		if err != nil {
			t.Fatal(err)
		}
		private, err := w.E.Attach(as(w.StaffA), c.ID, "内部材料.pdf", pdf, false)
		if err != nil {
			t.Fatal(err)
		}
		foreign, err := w.E.Attach(as(w.StaffA), other.ID, "别人的.pdf", pdf, true)
		if err != nil {
			t.Fatal(err)
		}
		visitor := s.login(t, nil)
		_, page := visitor.form(t, "/petition/track", url.Values{"number": {c.Number}, "check": {c.CheckCode}})
		if !strings.Contains(page, `data-testid="track-files"`) || !strings.Contains(page, "答复意见书.pdf") || strings.Contains(page, "内部材料") {
			t.Fatalf("tracking page files: %.3000s", page)
		}
		get := func(check string, id int64) (int, string) {
			resp, body := visitor.form(t, "/petition/track/file", url.Values{"number": {c.Number}, "check": {check}, "file": {fmt.Sprint(id)}})
			return resp.StatusCode, body
		}
		if code, body := get(c.CheckCode, reply.ID); code != 200 || body != string(pdf) {
			t.Fatalf("download: %d %.200q", code, body)
		}
		for name, id := range map[string]int64{"private": private.ID, "another case's": foreign.ID} {
			if code, _ := get(c.CheckCode, id); code != 404 {
				t.Errorf("%s file: %d, want 404", name, code)
			}
		}
		if code, _ := get("0000", reply.ID); code != 404 {
			t.Errorf("wrong check code: %d, want 404", code)
		}
	})
}

// The petition rules on a page: city staff and leaders change them, with
// the range named on a bad value; district staff cannot.
func TestSettingsPage(t *testing.T) {
	eachDB(t, func(t *testing.T, w *world) {
		s := newServer(t, w)
		leader, staff := s.login(t, w.Leader), s.login(t, w.StaffA)
		if p := leader.page(t, "/petition", 200); !strings.Contains(p, `data-testid="settings-link"`) {
			t.Error("the ledger does not link the rules for a leader")
		}
		if p := staff.page(t, "/petition", 200); strings.Contains(p, `data-testid="settings-link"`) {
			t.Error("the ledger links the rules for district staff")
		}
		page := leader.page(t, "/petition/settings", 200)
		if !strings.Contains(page, `name="repeat_days" value="90"`) || !strings.Contains(page, "快速响应时限") {
			t.Fatalf("settings page: %.2000s", page)
		}
		good := url.Values{"response_workdays": {"2"}, "repeat_days": {"60"}, "repeat_meters": {"300"}, "rating_days": {"15"}, "reopen_days": {"20"}}
		bad := url.Values{}
		for k, v := range good {
			bad[k] = v
		}
		bad.Set("response_workdays", "40")
		bad.Set("repeat_days", "六十")
		resp, text := leader.form(t, "/petition/settings", bad)
		if resp.StatusCode != 422 || !strings.Contains(text, "请填写整数") || !strings.Contains(text, `value="六十"`) {
			t.Fatalf("bad settings: %d %.2000s", resp.StatusCode, text)
		}
		bad.Set("repeat_days", "60")
		if resp, text = leader.form(t, "/petition/settings", bad); resp.StatusCode != 422 || !strings.Contains(text, "应在1到15之间") {
			t.Fatalf("out of range: %d", resp.StatusCode)
		}
		if set, _ := w.S.Settings(sysCtx()); set.ResponseWorkdays != 1 {
			t.Fatalf("a refused form changed the rules: %+v", set)
		}
		if resp, _ := leader.form(t, "/petition/settings", good); resp.StatusCode != 303 {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		if set, _ := w.S.Settings(sysCtx()); set.ResponseWorkdays != 2 || set.RepeatDays != 60 || set.ReopenDays != 20 {
			t.Fatalf("saved rules %+v", set)
		}
		if resp, _ := staff.form(t, "/petition/settings", good); resp.StatusCode != 403 {
			t.Errorf("district staff saved the rules: %d", resp.StatusCode)
		}
	})
}
