package property

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"

	"github.com/xuri/excelize/v2"
)

// ledgerWorld: two campaigns and five rectification cases across districts
// A and B, parties of each kind, one with a photo, one verified.
type ledgerWorld struct {
	*rectWorld
	camp2              Campaign
	c1, c2, c3, c4, c5 int64 // case ids
	photo              int64
}

func newLedgerWorld(t *testing.T, e *env) *ledgerWorld {
	t.Helper()
	w := &ledgerWorld{rectWorld: newRectWorld(t, e)}
	var err error
	w.camp2, err = e.svc.CreateCampaign(w.city, CampaignInput{Name: "2026年业委会专项", PeriodStart: "2026-03-01", PeriodEnd: "2026-06-30",
		UnitID: e.city.ID})
	if err != nil {
		t.Fatal(err)
	}
	rec := func(camp int64, key string, item int64, in ResultInput, photos []Photo) int64 {
		t.Helper()
		in.CompoundID, in.ItemID = e.compounds[key].ID, item
		if in.Note == "" {
			in.Note = "问题" + key
		}
		ins, err := e.svc.RecordResult(w.city, camp, in, photos)
		if err != nil || ins.CaseID == 0 {
			t.Fatalf("record %s: %v", key, err)
		}
		return ins.CaseID
	}
	w.c1 = rec(w.camp.ID, "a1", w.itemContract, ResultInput{}, nil)
	w.c2 = rec(w.camp.ID, "a1", w.itemCommittee, ResultInput{}, nil)
	w.c3 = rec(w.camp.ID, "b1", w.itemContract, ResultInput{}, nil)
	w.c4 = rec(w.camp2.ID, "a2", w.itemContract, ResultInput{}, []Photo{{Name: "现场 照片.png", Data: pngBytes}})
	w.c5 = rec(w.camp2.ID, "a1", w.itemContract, ResultInput{Party: "department", PartyName: "区住建局"}, nil)
	// c1: the company answers, the street verifies; then time passes and
	// every other case is overdue.
	act := func(ctx context.Context, id int64, action string, in casework.Input) {
		t.Helper()
		rc, _, err := e.svc.Rectification(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ActOnRectification(ctx, id, rc.Case.Version, action, in); err != nil {
			t.Fatalf("%s on %d: %v", action, id, err)
		}
	}
	act(w.coCtx, w.c1, "respond", casework.Input{Text: "已公示"})
	act(w.street, w.c1, "verify", casework.Input{})
	if err := e.d.QueryRow(sysCtx(), `SELECT id FROM case_attachments WHERE case_id = ?`, w.c4).Scan(&w.photo); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(40 * 24 * time.Hour)
	return w
}

func numbers(rows []RectRow) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.Case.Number)
	}
	return out
}

func ids(rows []RectRow) []int64 {
	out := []int64{}
	for _, r := range rows {
		out = append(out, r.Case.ID)
	}
	slices.Sort(out)
	return out
}

// xlsxNumbers reads the case numbers (column A, below the header) of an export.
func xlsxNumbers(t *testing.T, b []byte) []string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range rows[1:] {
		out = append(out, r[0])
	}
	return out
}

// TestRectificationLedger: each filter selects the right cases, in scope,
// and the export holds exactly the filtered rows in the same order.
func TestRectificationLedger(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := newLedgerWorld(t, e)
		sorted := func(xs ...int64) []int64 { slices.Sort(xs); return xs }
		cases := []struct {
			q    string
			want []int64
		}{
			{"", sorted(w.c1, w.c2, w.c3, w.c4, w.c5)},
			{fmt.Sprintf("campaign=%d", w.camp.ID), sorted(w.c1, w.c2, w.c3)},
			{fmt.Sprintf("campaign=%d&kind=department", w.camp2.ID), sorted(w.c5)},
			{"kind=committee", sorted(w.c2)},
			{fmt.Sprintf("unit=%d", e.a.ID), sorted(w.c1, w.c2, w.c4, w.c5)},
			{fmt.Sprintf("unit=%d", e.b.ID), sorted(w.c3)},
			{"state=verified", sorted(w.c1)},
			{"due=overdue", sorted(w.c2, w.c3, w.c4, w.c5)},
			{"q=住建局", sorted(w.c5)},
			{"from=2026-03-10&to=2026-03-10&sort=number", sorted(w.c1, w.c2, w.c3, w.c4, w.c5)},
			{"to=2026-03-09", sorted()},
		}
		for _, c := range cases {
			v, _ := url.ParseQuery(c.q)
			f, err := ParseRectFilter(v)
			if err != nil {
				t.Fatalf("%s: %v", c.q, err)
			}
			rows, err := e.svc.RectificationLedger(w.city, f)
			if err != nil {
				t.Fatalf("%s: %v", c.q, err)
			}
			if got := ids(rows); !slices.Equal(got, c.want) {
				t.Errorf("%s: cases %v, want %v", c.q, got, c.want)
			}
			var buf bytes.Buffer
			n, err := e.svc.ExportRectifications(w.city, f, web.ZH, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if got := xlsxNumbers(t, buf.Bytes()); n != len(rows) || !slices.Equal(got, numbers(rows)) {
				t.Errorf("%s: export %v (%d), ledger %v", c.q, got, n, numbers(rows))
			}
		}
		// District A's staff never see B's case; B's staff only theirs.
		rows, err := e.svc.RectificationLedger(w.staffA, RectFilter{})
		if err != nil || slices.Contains(ids(rows), w.c3) || len(rows) != 4 {
			t.Fatalf("district A sees %v (%v)", ids(rows), err)
		}
		rows, _ = e.svc.RectificationLedger(w.staffB, RectFilter{})
		if !slices.Equal(ids(rows), []int64{w.c3}) {
			t.Fatalf("district B sees %v", ids(rows))
		}
		// A company account reads no ledger.
		if rows, _ := e.svc.RectificationLedger(w.coCtx, RectFilter{}); len(rows) != 0 {
			t.Fatalf("company sees %d rows", len(rows))
		}
	})
}

var caseRow = regexp.MustCompile(`data-case="([A-Z0-9]+)"`)

// TestRectificationLedgerHTTP: the page filters and pages; the export
// linked from it holds the same rows; bad filters are shown beside the
// field; the property and campaign pages link the ledger.
func TestRectificationLedgerHTTP(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := newLedgerWorld(t, e)
		srv := e.server()
		city := e.login(srv, "city")
		staffA := e.login(srv, "staff_a")
		co := e.login(srv, "13900000001")

		want(t, city.get("/property"), 200, `href="/property/rectifications"`)
		want(t, city.get(fmt.Sprintf("/property/campaigns/%d", w.camp.ID)), 200, fmt.Sprintf(`/property/rectifications?campaign=%d`, w.camp.ID))

		q := fmt.Sprintf("campaign=%d&sort=number", w.camp.ID)
		page := city.get("/property/rectifications?" + q)
		want(t, page, 200, `data-testid="ledger"`, "2026年物业大排查", `class="pager"`)
		var onPage []string
		for _, m := range caseRow.FindAllStringSubmatch(page.Body, -1) {
			onPage = append(onPage, m[1])
		}
		if len(onPage) != 3 {
			t.Fatalf("page rows %v", onPage)
		}
		x := city.get("/property/rectifications.xlsx?" + q)
		want(t, x, 200)
		if ct := x.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
			t.Fatalf("content type %q", ct)
		}
		if cd := x.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Fatalf("content disposition %q", cd)
		}
		if got := xlsxNumbers(t, []byte(x.Body)); !slices.Equal(got, onPage) {
			t.Fatalf("export %v, page %v", got, onPage)
		}
		if !strings.Contains(page.Body, "/property/rectifications.xlsx?") {
			t.Fatal("the page does not link its export")
		}

		// Paging: two a page.
		p1 := city.get("/property/rectifications?size=2&sort=number")
		want(t, p1, 200, `rel="next"`)
		if n := len(caseRow.FindAllString(p1.Body, -1)); n != 2 {
			t.Fatalf("page 1 holds %d rows", n)
		}
		p3 := city.get("/property/rectifications?size=2&sort=number&page=3")
		if n := len(caseRow.FindAllString(p3.Body, -1)); n != 1 {
			t.Fatalf("page 3 holds %d rows", n)
		}

		// District A's staff: not B's case, on the page or in the export.
		b := staffA.get("/property/rectifications")
		want(t, b, 200)
		rc3, _, _ := e.svc.Rectification(w.city, w.c3)
		if strings.Contains(b.Body, rc3.Case.Number) {
			t.Fatal("district A lists B's case")
		}
		if got := xlsxNumbers(t, []byte(staffA.get("/property/rectifications.xlsx").Body)); slices.Contains(got, rc3.Case.Number) || len(got) != 4 {
			t.Fatalf("district A exports %v", got)
		}

		// A bad date stays beside its field; the export refuses it.
		want(t, city.get("/property/rectifications?from=2026-13-01"), 422, `field-error`)
		want(t, city.get("/property/rectifications.xlsx?from=2026-13-01"), 422)
		// Companies have no ledger.
		if r := co.get("/property/rectifications"); r.Status != 403 && r.Status != 404 {
			t.Fatalf("company gets the ledger: %d", r.Status)
		}
	})
}

// TestInspectionPhotos: the photos of a case are served to its staff and
// to the responsible company, with their type and name; another company and
// another district get 404.
func TestInspectionPhotos(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := newLedgerWorld(t, e)
		e.staff("insp_b", auth.DistrictStaff, e.b)
		srv := e.server()
		street := e.login(srv, "street_a")
		owner := e.login(srv, "13900000002") // the company serving a2 (case c4)
		co := e.login(srv, "13900000001")
		staffB := e.login(srv, "insp_b")
		path := fmt.Sprintf("/property/photos/%d", w.photo)

		want(t, street.get(fmt.Sprintf("/property/rectifications/%d", w.c4)), 200, `href="`+path+`"`)
		for _, c := range []*client{street, owner} {
			r := c.get(path)
			want(t, r, 200)
			if r.Body != string(pngBytes) {
				t.Fatal("photo bytes differ")
			}
			if ct := r.Header.Get("Content-Type"); ct != "image/png" {
				t.Fatalf("content type %q", ct)
			}
			if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline;") || !strings.Contains(cd, "filename") {
				t.Fatalf("content disposition %q", cd)
			}
		}
		if cd := owner.get(path + "?download=1").Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Fatalf("download disposition %q", cd)
		}
		// The company sees the photo listed on its case too.
		rc, _, err := e.svc.Rectification(w.otherCtx, w.c4)
		if err != nil || len(rc.Photos) != 1 {
			t.Fatalf("company's case photos %v (%v)", rc.Photos, err)
		}
		want(t, co.get(path), 404)
		want(t, staffB.get(path), 404)
		want(t, street.get("/property/photos/999999"), 404)
	})
}

// TestSuperviseAndCancelPages: a higher level (the street, a leader) sees
// and uses supervise; the responsible party does not; a missing text is
// shown beside the field; cancel closes the case.
func TestSuperviseAndCancelPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := newRectWorld(t, e)
		e.staff("lead_a", auth.Leader, e.a)
		ins, err := e.svc.RecordResult(w.street, w.camp.ID, ResultInput{CompoundID: e.compounds["a1"].ID, ItemID: w.itemContract,
			Note: "未公示"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		id := ins.CaseID
		casePath := fmt.Sprintf("/property/rectifications/%d", id)
		srv := e.server()
		street := e.login(srv, "street_a")
		lead := e.login(srv, "lead_a")
		co := e.login(srv, "13900000001")

		want(t, street.get(casePath), 200, `id="act-supervise"`, `id="act-cancel"`)
		leadPage := lead.get(casePath)
		want(t, leadPage, 200, `id="act-supervise"`)
		if strings.Contains(leadPage.Body, `id="act-cancel"`) {
			t.Fatal("a leader is offered cancel")
		}
		// The responsible company: no supervise, neither offered nor taken.
		rc, _, _ := e.svc.Rectification(w.coCtx, id)
		if slices.Contains(rc.Allowed, "supervise") || slices.Contains(rc.Allowed, "cancel") {
			t.Fatalf("the party is allowed %v", rc.Allowed)
		}
		if r := co.json("POST", fmt.Sprintf("/api/v1/property/rectifications/%d/actions", id),
			map[string]any{"action": "supervise", "version": rc.Case.Version, "text": "快"}); r.Status != 403 && r.Status != 409 {
			t.Fatalf("the party supervises: %d %s", r.Status, r.Body)
		}
		if r := co.get(casePath); r.Status != 403 && r.Status != 404 {
			t.Fatalf("company reads the staff page: %d", r.Status)
		}

		version := func() string {
			rc, _, err := e.svc.Rectification(w.street, id)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(rc.Case.Version)
		}
		// No text: 422, the error beside the supervise form's field.
		r := lead.form(casePath+"/act", url.Values{"action": {"supervise"}, "version": {version()}})
		want(t, r, 422, `field-error`)
		if i, j := strings.Index(r.Body, `id="act-supervise"`), strings.Index(r.Body, `field-error`); i < 0 || j < i {
			t.Fatal("the error is not in the supervise form")
		}
		r = lead.form(casePath+"/act", url.Values{"action": {"supervise"}, "version": {version()}, "text": {"请于本周内整改到位"}})
		want(t, r, 303)
		if r.Header.Get("Location") != casePath {
			t.Fatalf("redirect to %q", r.Header.Get("Location"))
		}
		want(t, lead.get(casePath), 200, `data-testid="supervised"`)

		// Cancel needs a reason, then closes the case.
		want(t, street.form(casePath+"/act", url.Values{"action": {"cancel"}, "version": {version()}}), 422, `field-error`)
		want(t, street.form(casePath+"/act", url.Values{"action": {"cancel"}, "version": {version()}, "reason": {"误报"}}), 303)
		rc, _, _ = e.svc.Rectification(w.street, id)
		if rc.Case.State != RectCancelled {
			t.Fatalf("state %s", rc.Case.State)
		}
		want(t, street.get(casePath), 200, "已撤销")
	})
}

// TestMediationLedgerHTTP: the mediation ledger filters in scope, masks the
// party, and its export holds exactly the filtered rows.
func TestMediationLedgerHTTP(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := newRectWorld(t, e)
		bring := func(key, title, party string) casework.Case {
			t.Helper()
			c, err := e.svc.BringDispute(w.city, DisputeInput{CompoundID: e.compounds[key].ID, Title: title, Body: title, PartyName: party})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		m1 := bring("a1", "楼上噪音", "张三丰")
		m2 := bring("a4", "停车纠纷", "李四")
		m3 := bring("b1", "漏水", "王五")
		if _, err := e.svc.ActOnMediation(w.street, m1.ID, m1.Version, "settle_community", casework.Input{Text: "双方和解"}); err != nil {
			t.Fatal(err)
		}
		srv := e.server()
		city := e.login(srv, "city")
		staffA := e.login(srv, "staff_a")
		want(t, city.get("/property"), 200, `href="/property/mediations"`)
		want(t, city.get("/property/council"), 200, `href="/property/mediations"`)

		rowsOf := func(body string) []string {
			out := []string{}
			for _, m := range caseRow.FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return out
		}
		for _, c := range []struct {
			q    string
			want []string
		}{
			{"sort=number", []string{m1.Number, m2.Number, m3.Number}},
			{"sort=number&state=settled", []string{m1.Number}},
			{"sort=number&state=mediating", []string{m2.Number, m3.Number}},
			{fmt.Sprintf("sort=number&unit=%d", e.a.ID), []string{m1.Number, m2.Number}},
			{"sort=number&q=停车", []string{m2.Number}},
		} {
			slices.Sort(c.want) // sort=number
			page := city.get("/property/mediations?" + c.q)
			want(t, page, 200)
			if got := rowsOf(page.Body); !slices.Equal(got, c.want) {
				t.Errorf("%s: page %v, want %v", c.q, got, c.want)
			}
			x := city.get("/property/mediations.xlsx?" + c.q)
			want(t, x, 200)
			if got := xlsxNumbers(t, []byte(x.Body)); !slices.Equal(got, c.want) {
				t.Errorf("%s: export %v, want %v", c.q, got, c.want)
			}
		}
		page := city.get("/property/mediations?sort=number")
		want(t, page, 200, "张**", "社区化解")
		if strings.Contains(page.Body, "张三丰") {
			t.Fatal("the ledger shows the party's full name")
		}
		if got := rowsOf(staffA.get("/property/mediations").Body); slices.Contains(got, m3.Number) || len(got) != 2 {
			t.Fatalf("district A lists %v", got)
		}
		want(t, city.get("/property/mediations?to=x"), 422, "field-error")

		// A keyword that matches more than the ledger counts says so, and
		// offers the next page.
		copyCase(t, e.d, m2.ID, casework.KeywordCountLimit+1)
		page = city.get("/property/mediations?q=停车")
		want(t, page, 200, `data-testid="total-capped"`, fmt.Sprintf("超过 %d 条", casework.KeywordCountLimit), `rel="next"`)
		if got := rowsOf(page.Body); len(got) != 20 {
			t.Errorf("a capped ledger's first page has %d rows, want 20", len(got))
		}
	})
}

// copyCase stores n copies of case id under new numbers, past the engine
// (a bulk load).
func copyCase(t *testing.T, d *db.DB, id int64, n int) {
	t.Helper()
	ctx := context.Background()
	schema, err := d.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range schema["cases"] {
		if c.Name != "id" && c.Name != "number" {
			cols = append(cols, c.Name)
		}
	}
	list := strings.Join(cols, ", ")
	if _, err := d.Exec(ctx, `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
		INSERT INTO cases (number, `+list+`) SELECT 'COPY' || CAST(k.i AS TEXT), `+list+` FROM cases, k WHERE cases.id = ?`, n, id); err != nil {
		t.Fatal(err)
	}
}
