package app

import (
	"fmt"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
	"anju/internal/property"
)

// propertyB builds, once per test city, a compound in district B, a company
// filed in B serving it, a verified fact about it, and an objection to that
// fact: one object of each resource the property routes address.
type propertyFixture struct {
	compound, company, fact, objection, regulation int64
	campaign, rectification, meeting, mediation    int64
	photo                                          int64
}

var propertyFixtures = map[*testCity]*propertyFixture{}

func propertyB(t *testing.T, tc *testCity) *propertyFixture {
	t.Helper()
	if f, ok := propertyFixtures[tc]; ok {
		return f
	}
	ctx := sys()
	p := auth.FromContext(ctx)
	f := &propertyFixture{}
	svc := &property.Service{DB: tc.App.DB, Org: tc.App.Org, Calendar: tc.App.Calendar,
		Now: func() time.Time { return time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC) }}
	var comp org.Unit
	err := tc.App.DB.Tx(ctx, func(tx *db.Tx) error {
		comm, err := tc.App.Org.Create(ctx, tx, p, org.Unit{ParentID: tc.StreetB.ID, Kind: org.Community, Code: "CB1-PF", Name: "乙物业社区"})
		if err != nil {
			return err
		}
		comp, err = tc.App.Org.Create(ctx, tx, p, org.Unit{ParentID: comm.ID, Kind: org.Compound, Code: "CB1-PF-001", Name: "乙物业小区"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.compound = comp.ID
	co, err := svc.CreateCompany(ctx, property.CompanyInput{Name: "乙区物业服务有限公司", CreditCode: "914403007261824992",
		LegalRep: "乙", OrgUnitID: tc.B.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.company = co.ID
	if _, err := svc.SaveCompound(ctx, comp.ID, 0, property.CompoundInput{ServiceType: "company", CompanyID: co.ID}); err != nil {
		t.Fatal(err)
	}
	var fact property.Fact
	err = tc.App.DB.Tx(ctx, func(tx *db.Tx) error {
		fact, err = svc.RecordFact(ctx, tx, property.FactInput{CompanyID: co.ID, CompoundID: comp.ID, SourceType: "petition",
			SourceID: "XF-FIXTURE", Kind: "petition_upheld", OccurredOn: "2026-01-05", Verified: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.fact = fact.ID
	// A company account of company B objects to the fact.
	u := tc.user(t, "13700000001", auth.Company, org.Unit{})
	if err := svc.LinkAccount(ctx, co.ID, "13700000001"); err != nil {
		t.Fatal(err)
	}
	cctx := auth.WithPrincipal(ctx, &auth.Principal{UserID: u.ID, Role: auth.Company, Name: "企业"})
	o, err := svc.FileObjection(cctx, property.ObjectionInput{FactID: fact.ID, Reason: "不属实", Evidence: "记录"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.objection = o.ID
	reg, err := svc.CreateRegulation(ctx, tc.B.ID, property.RegulationInput{Code: "CB-WY-01", Title: "乙区物业办法", Issuer: "乙区住建局",
		Kind: "measure", EffectiveFrom: "2026-01-01", Summary: "乙区"})
	if err != nil {
		t.Fatal(err)
	}
	_ = reg
	f.regulation = regulationID(t, tc, "CB-WY-01")
	// A campaign in B with a failed item (a rectification case), a council
	// meeting and a mediation.
	svc.Cases = caseEngine(tc.App)
	item, err := svc.AddChecklistItem(ctx, property.ChecklistInput{Code: "JC-FIX-01", Area: "contract", Title: "公示收费标准",
		RegulationCode: "CB-WY-01", Article: "第一条"})
	if err != nil {
		t.Fatal(err)
	}
	camp, err := svc.CreateCampaign(ctx, property.CampaignInput{Name: "乙区排查", PeriodStart: "2026-03-01", PeriodEnd: "2026-04-30", UnitID: tc.B.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.campaign = camp.ID
	// The failed item is recorded with a photo (a PNG signature is all the
	// sniffing needs).
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	ins, err := svc.RecordResult(ctx, camp.ID, property.ResultInput{CompoundID: comp.ID, ItemID: item.ID, Note: "未公示"},
		[]property.Photo{{Name: "现场.png", Data: png}})
	if err != nil {
		t.Fatal(err)
	}
	f.rectification = ins.CaseID
	if err := tc.App.DB.QueryRow(ctx, `SELECT id FROM case_attachments WHERE case_id = ?`, ins.CaseID).Scan(&f.photo); err != nil {
		t.Fatal(err)
	}
	m, err := svc.RecordMeeting(ctx, property.MeetingInput{CompoundID: comp.ID, HeldOn: "2026-03-05", Agenda: "停车", Minutes: "纪要"})
	if err != nil {
		t.Fatal(err)
	}
	f.meeting = m.ID
	med, err := svc.BringDispute(ctx, property.DisputeInput{CompoundID: comp.ID, Title: "噪音", Body: "楼上噪音", MeetingID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.mediation = med.ID
	propertyFixtures[tc] = f
	return f
}

func regulationID(t *testing.T, tc *testCity, code string) int64 {
	var id int64
	if err := tc.App.DB.QueryRow(sys(), `SELECT id FROM property_regulations WHERE code = ?`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func init() {
	fixtures["property_compound"] = func(t *testing.T, tc *testCity) string { return fmt.Sprint(propertyB(t, tc).compound) }
	fixtures["property_company"] = func(t *testing.T, tc *testCity) string { return fmt.Sprint(propertyB(t, tc).company) }
	fixtures["property_fact"] = func(t *testing.T, tc *testCity) string { return fmt.Sprint(propertyB(t, tc).fact) }
	fixtures["property_objection"] = func(t *testing.T, tc *testCity) string { return fmt.Sprint(propertyB(t, tc).objection) }
	fixtures["property_regulation"] = func(t *testing.T, tc *testCity) string { return fmt.Sprint(propertyB(t, tc).regulation) }
	fixtures["property_campaign"] = func(t *testing.T, tc *testCity) string { return fmt.Sprint(propertyB(t, tc).campaign) }
	fixtures["property_rectification"] = func(t *testing.T, tc *testCity) string { return fmt.Sprint(propertyB(t, tc).rectification) }
	fixtures["property_meeting"] = func(t *testing.T, tc *testCity) string { return fmt.Sprint(propertyB(t, tc).meeting) }
	fixtures["property_photo"] = func(t *testing.T, tc *testCity) string { return fmt.Sprint(propertyB(t, tc).photo) }
	fixtures["property_mediation"] = func(t *testing.T, tc *testCity) string { return fmt.Sprint(propertyB(t, tc).mediation) }
}
