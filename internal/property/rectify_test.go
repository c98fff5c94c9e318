package property

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/db/dbtest"
)

// rectWorld is a checklist, a company serving a1 (district A) and b1
// (district B) with a linked account, another company with its own
// account, and a campaign over the whole city.
type rectWorld struct {
	city, staffA, staffB, street context.Context
	coCtx, otherCtx              context.Context
	co, other                    Company
	camp                         Campaign
	itemContract, itemCommittee  int64
}

func newRectWorld(t *testing.T, e *env) *rectWorld {
	t.Helper()
	w := &rectWorld{}
	w.city = e.staff("city", auth.CityStaff, e.city)
	w.staffA = e.staff("staff_a", auth.DistrictStaff, e.a)
	w.staffB = e.staff("staff_b", auth.DistrictStaff, e.b)
	w.street = e.staff("street_a", auth.StreetStaff, e.streetA)
	if _, err := e.svc.CreateRegulation(w.city, 0, RegulationInput{Code: "GWY-WYGL-TL", Title: "物业管理条例", Issuer: "国务院",
		Kind: "regulation", EffectiveFrom: "2003-09-01", Summary: "条例"}); err != nil {
		t.Fatal(err)
	}
	it1, err := e.svc.AddChecklistItem(w.city, ChecklistInput{Code: "JC-01", Area: "contract", Title: "公示服务内容和收费标准",
		RegulationCode: "GWY-WYGL-TL", Article: "第四十一条"})
	if err != nil {
		t.Fatal(err)
	}
	it2, err := e.svc.AddChecklistItem(w.city, ChecklistInput{Code: "JC-02", Area: "committee", Title: "公共收益每年公布",
		RegulationCode: "GWY-WYGL-TL", Article: "第五十四条"})
	if err != nil {
		t.Fatal(err)
	}
	w.itemContract, w.itemCommittee = it1.ID, it2.ID
	w.co = e.company("甲物业", realCodes[4].code, e.city, true)
	w.other = e.company("乙物业", realCodes[3].code, e.city, false)
	e.save("a1", CompoundInput{ServiceType: "company", CompanyID: w.co.ID})
	e.save("b1", CompoundInput{ServiceType: "company", CompanyID: w.co.ID})
	e.save("a2", CompoundInput{ServiceType: "company", CompanyID: w.other.ID})
	w.coCtx, _ = e.companyUser("13900000001")
	w.otherCtx, _ = e.companyUser("13900000002")
	if err := e.svc.LinkAccount(sysCtx(), w.co.ID, "13900000001"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.LinkAccount(sysCtx(), w.other.ID, "13900000002"); err != nil {
		t.Fatal(err)
	}
	w.camp, err = e.svc.CreateCampaign(w.city, CampaignInput{Name: "2026年物业大排查", PeriodStart: "2026-03-01", PeriodEnd: "2026-05-31",
		UnitID: e.city.ID})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestRectificationFlowFeedsCredit(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := newRectWorld(t, e)
		// A passed item opens nothing; a failed one a case for the company.
		if ins, err := e.svc.RecordResult(w.street, w.camp.ID, ResultInput{CompoundID: e.compounds["a1"].ID, ItemID: w.itemCommittee,
			Passed: true}, nil); err != nil || ins.CaseID != 0 {
			t.Fatalf("passed: %+v %v", ins, err)
		}
		ins, err := e.svc.RecordResult(w.street, w.camp.ID, ResultInput{CompoundID: e.compounds["a1"].ID, ItemID: w.itemContract,
			Note: "未公示收费标准"}, []Photo{{Name: "p.png", Data: pngBytes}})
		if err != nil || ins.CaseID == 0 || ins.Photos != 1 {
			t.Fatalf("failed item: %+v %v", ins, err)
		}
		if _, err := e.svc.RecordResult(w.street, w.camp.ID, ResultInput{CompoundID: e.compounds["a1"].ID, ItemID: w.itemContract,
			Note: "again"}, nil); !isConflict(err) {
			t.Fatalf("twice: %v", err)
		}
		// The street's staff cannot inspect outside their jurisdiction.
		if _, err := e.svc.RecordResult(w.street, w.camp.ID, ResultInput{CompoundID: e.compounds["b1"].ID, ItemID: w.itemContract,
			Note: "x"}, nil); err == nil {
			t.Fatal("street A inspected b1")
		}
		// A failed note is required.
		if _, err := e.svc.RecordResult(w.street, w.camp.ID, ResultInput{CompoundID: e.compounds["a2"].ID, ItemID: w.itemContract}, nil); err == nil {
			t.Fatal("failed without a note")
		}
		r, _, err := e.svc.Rectification(w.staffA, ins.CaseID)
		if err != nil || r.PartyKind != "company" || r.CompanyID != w.co.ID || r.Case.State != RectRectifying || r.Case.DueAt.IsZero() {
			t.Fatalf("case: %+v %v", r, err)
		}
		if p, _ := e.svc.Problems(w.city, auth.FromContext(w.city), 0); p.Found != 1 || p.Resolved != 0 || p.Open != 1 {
			t.Fatalf("problems: %+v", p)
		}
		// The company responds; it cannot verify its own rectification.
		r, err = e.svc.ActOnRectification(w.coCtx, ins.CaseID, r.Case.Version, "respond", casework.Input{Text: "已在大门公示"})
		if err != nil || r.Case.State != RectResponded {
			t.Fatalf("respond: %+v %v", r, err)
		}
		if _, err := e.svc.ActOnRectification(w.coCtx, ins.CaseID, r.Case.Version, "verify", casework.Input{}); err == nil {
			t.Fatal("company verified")
		}
		// Re-inspection fails: back to rectifying, a deduction fact.
		r, err = e.svc.ActOnRectification(w.street, ins.CaseID, r.Case.Version, "reinspect_fail", casework.Input{Reason: "公示不全"})
		if err != nil || r.Case.State != RectRectifying {
			t.Fatalf("reinspect: %+v %v", r, err)
		}
		r, err = e.svc.ActOnRectification(w.coCtx, ins.CaseID, r.Case.Version, "respond", casework.Input{Text: "已补全"})
		if err != nil {
			t.Fatal(err)
		}
		r, err = e.svc.ActOnRectification(w.street, ins.CaseID, r.Case.Version, "verify", casework.Input{})
		if err != nil || r.Case.State != RectVerified || r.Case.ClosedReason != "verified" {
			t.Fatalf("verify: %+v %v", r, err)
		}
		facts, _, err := e.svc.CompanyFacts(sysCtx(), w.co.ID, FactFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, f := range facts {
			kinds[f.Kind] = f.Verified && f.SourceType == "rectification"
		}
		if !kinds["rectification_failed"] || !kinds["rectification_done"] {
			t.Fatalf("facts: %+v", facts)
		}
		if p, _ := e.svc.Problems(w.city, auth.FromContext(w.city), w.camp.ID); p.Found != 1 || p.Resolved != 1 || p.Open != 0 {
			t.Fatalf("problems: %+v", p)
		}
	})
}

func TestRectificationPermissions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := newRectWorld(t, e)
		city := w.city
		a, err := e.svc.RecordResult(city, w.camp.ID, ResultInput{CompoundID: e.compounds["a1"].ID, ItemID: w.itemContract, Note: "a1"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.svc.RecordResult(city, w.camp.ID, ResultInput{CompoundID: e.compounds["b1"].ID, ItemID: w.itemContract, Note: "b1"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		o, err := e.svc.RecordResult(city, w.camp.ID, ResultInput{CompoundID: e.compounds["a2"].ID, ItemID: w.itemContract, Note: "a2"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// A district sees only its own compounds' cases.
		if _, _, err := e.svc.Rectification(w.staffA, b.CaseID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("district A reads B's case: %v", err)
		}
		if _, err := e.svc.ActOnRectification(w.staffA, b.CaseID, 1, "respond", casework.Input{Text: "x"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("district A acts on B's case: %v", err)
		}
		if _, _, err := e.svc.Rectification(w.staffB, b.CaseID); err != nil {
			t.Fatal(err)
		}
		if p, _ := e.svc.Problems(w.staffA, auth.FromContext(w.staffA), 0); p.Found != 2 {
			t.Fatalf("district A counts %+v", p)
		}
		if p, _ := e.svc.Problems(w.staffB, auth.FromContext(w.staffB), 0); p.Found != 1 {
			t.Fatalf("district B counts %+v", p)
		}
		// A company sees and answers only its own orders.
		orders, err := e.svc.Orders.CompanyOrders(sysCtx(), w.co.ID, 10)
		if err != nil || len(orders) != 2 {
			t.Fatalf("orders: %+v %v", orders, err)
		}
		for _, od := range orders {
			if od.ID == o.CaseID {
				t.Fatal("another company's order listed")
			}
		}
		if _, _, err := e.svc.Rectification(w.otherCtx, a.CaseID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("other company reads: %v", err)
		}
		if _, err := e.svc.ActOnRectification(w.otherCtx, a.CaseID, 1, "respond", casework.Input{Text: "x"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("other company responds: %v", err)
		}
		if _, _, err := e.svc.Rectification(w.coCtx, a.CaseID); err != nil {
			t.Fatal(err)
		}
		pt, err := e.svc.portal(w.otherCtx, false)
		if err != nil || len(pt.Orders) != 1 || pt.Orders[0].ID != o.CaseID {
			t.Fatalf("other portal: %+v %v", pt.Orders, err)
		}
	})
}

func TestOverdueRectificationDeducts(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := newRectWorld(t, e)
		ins, err := e.svc.RecordResult(w.city, w.camp.ID, ResultInput{CompoundID: e.compounds["a1"].ID, ItemID: w.itemContract, Note: "x"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// A committee's finding feeds no company fact.
		if _, err := e.svc.RecordResult(w.city, w.camp.ID, ResultInput{CompoundID: e.compounds["a1"].ID, ItemID: w.itemCommittee, Note: "y"}, nil); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.SweepOverdue(sysCtx()); err != nil || n != 0 {
			t.Fatalf("early sweep: %d %v", n, err)
		}
		e.now = e.now.Add(30 * 24 * time.Hour)
		for range 2 {
			if _, err := e.svc.SweepOverdue(sysCtx()); err != nil {
				t.Fatal(err)
			}
		}
		facts, _, err := e.svc.CompanyFacts(sysCtx(), w.co.ID, FactFilter{Limit: 10})
		if err != nil || len(facts) != 1 || facts[0].Kind != "rectification_overdue" || facts[0].CompoundID != e.compounds["a1"].ID {
			t.Fatalf("facts: %+v %v", facts, err)
		}
		items, total, err := Work{S: e.svc}.Due(w.staffA, auth.FromContext(w.staffA), e.now, 10)
		if err != nil || total != 2 || len(items) != 2 || !strings.HasPrefix(items[0].URL, "/property/rectifications/") {
			t.Fatalf("my work: %+v %d %v", items, total, err)
		}
		if _, total, _ := (Work{S: e.svc}).Due(w.staffB, auth.FromContext(w.staffB), e.now, 10); total != 0 {
			t.Fatalf("district B's work counts A's cases: %d", total)
		}
		if p, _ := e.svc.Problems(w.city, auth.FromContext(w.city), 0); p.Overdue != 2 {
			t.Fatalf("problems: %+v", p)
		}
		// A late response then verified records no "on time" fact.
		r, _, _ := e.svc.Rectification(w.coCtx, ins.CaseID)
		r, err = e.svc.ActOnRectification(w.coCtx, ins.CaseID, r.Case.Version, "respond", casework.Input{Text: "迟了"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ActOnRectification(w.city, ins.CaseID, r.Case.Version, "verify", casework.Input{}); err != nil {
			t.Fatal(err)
		}
		if facts, _, _ := e.svc.CompanyFacts(sysCtx(), w.co.ID, FactFilter{Limit: 10}); len(facts) != 1 {
			t.Fatalf("facts after late verify: %+v", facts)
		}
	})
}

func TestCouncilMeetingsAndMediationShares(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		staffA := e.staff("staff_a", auth.DistrictStaff, e.a)
		staffB := e.staff("staff_b", auth.DistrictStaff, e.b)
		comm := e.staff("comm_a", auth.CommunityStaff, e.commA1)
		m, err := e.svc.RecordMeeting(comm, MeetingInput{CompoundID: e.compounds["a1"].ID, HeldOn: "2026-03-05", Agenda: "停车难",
			Attendance: Attendance{Party: true, Residents: true, Committee: true, Company: false}, Minutes: "讨论了停车",
			Resolutions: []ResolutionInput{{Text: "划定临时车位", Owner: "物业企业", DueOn: "2026-03-31"}}})
		if err != nil || len(m.Resolutions) != 1 || !m.Attendance.Party || m.Attendance.Company {
			t.Fatalf("meeting: %+v %v", m, err)
		}
		if _, err := e.svc.RecordMeeting(comm, MeetingInput{CompoundID: e.compounds["a4"].ID, HeldOn: "2026-03-05", Agenda: "x",
			Minutes: "y"}); err == nil {
			t.Fatal("community A1a recorded a meeting of A1b's compound")
		}
		if _, err := e.svc.Meeting(staffB, auth.FromContext(staffB), m.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("district B reads A's meeting: %v", err)
		}
		levels := []string{"building", "building", "community", "street", ""}
		for i, l := range levels {
			c, err := e.svc.BringDispute(comm, DisputeInput{CompoundID: e.compounds["a1"].ID, Title: "噪音纠纷", Body: "楼上噪音",
				MeetingID: m.ID})
			if err != nil {
				t.Fatal(err)
			}
			if l == "" {
				if i == len(levels)-1 {
					if _, err := e.svc.ActOnMediation(comm, c.ID, c.Version, "close_unsettled", casework.Input{Reason: "未达成"}); err != nil {
						t.Fatal(err)
					}
				}
				continue
			}
			if _, err := e.svc.ActOnMediation(comm, c.ID, c.Version, "settle_"+l, casework.Input{Text: "达成协议"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.BringDispute(comm, DisputeInput{CompoundID: e.compounds["a1"].ID, Title: "未结", Body: "仍在调解"}); err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.Settlements(staffA, auth.FromContext(staffA))
		if err != nil {
			t.Fatal(err)
		}
		if st.Disputes != 6 || st.Building != 2 || st.Community != 1 || st.Street != 1 || st.Unsettled != 1 || st.Open != 1 ||
			st.WithinBuilding != 0.4 || st.WithinCommunity != 0.6 {
			t.Fatalf("settlement: %+v", st)
		}
		if st, _ := e.svc.Settlements(staffB, auth.FromContext(staffB)); st.Disputes != 0 {
			t.Fatalf("district B counts A's: %+v", st)
		}
	})
}

// pngBytes is a 1×1 PNG.
var pngBytes = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6,
	0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 13, 'I', 'D', 'A', 'T', 0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4,
	0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82}

// The campaign, rectification and council tables keep their path columns
// COLLATE "C" on PostgreSQL and reach the same schema on both databases.
func TestRectifyCouncilSchema(t *testing.T) {
	dbtest.AssertPathCollation(t, migrationSources()...)
	dbtest.AssertParity(t, migrationSources()...)
}
