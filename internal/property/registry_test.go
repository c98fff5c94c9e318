package property

import (
	"errors"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

func wantField(t *testing.T, err error, field, code string) {
	t.Helper()
	fe, ok := web.AsFieldErrors(err)
	if !ok {
		t.Fatalf("want field error on %s, got %v", field, err)
	}
	for _, e := range fe {
		if e.Field == field && (code == "" || e.Code == code) {
			return
		}
	}
	t.Fatalf("want field error %s/%s, got %v", field, code, err)
}

func TestCompanyRegistry(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		staffA := e.staff("staff_a", auth.DistrictStaff, e.a)
		staffB := e.staff("staff_b", auth.DistrictStaff, e.b)
		pA, pB := auth.FromContext(staffA), auth.FromContext(staffB)

		// A bad check character is refused with the field named.
		_, err := e.svc.CreateCompany(staffA, CompanyInput{Name: "甲物业", CreditCode: "91440300708461136U", LegalRep: "王五", OrgUnitID: e.a.ID})
		wantField(t, err, "credit_code", "check")
		// Filing with another district is refused as not found.
		_, err = e.svc.CreateCompany(staffA, CompanyInput{Name: "甲物业", CreditCode: realCodes[4].code, LegalRep: "王五", OrgUnitID: e.b.ID})
		wantField(t, err, "org_unit_id", "not_found")

		c, err := e.svc.CreateCompany(staffA, CompanyInput{Name: "万科物业发展股份有限公司", CreditCode: " 914403007261824992 ",
			LegalRep: "朱保全", OrgUnitID: e.a.ID, Qualification: "grade1", PartyOrg: true})
		if err != nil {
			t.Fatal(err)
		}
		if c.CreditCode != "914403007261824992" || c.Version != 1 || c.OrgPath != e.a.Path {
			t.Fatalf("created %+v", c)
		}
		_, err = e.svc.CreateCompany(staffB, CompanyInput{Name: "重复", CreditCode: "914403007261824992", LegalRep: "x", OrgUnitID: e.b.ID})
		wantField(t, err, "credit_code", "duplicate")

		// District B does not see a company filed in A that serves nothing in B …
		if _, err := e.svc.Company(sysCtx(), pB, c.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("B sees A's company: %v", err)
		}
		// … until it serves a compound in B; even then B may not edit it.
		e.save("b1", CompoundInput{ServiceType: "company", CompanyID: c.ID, ContractEnd: "2027-12-31"})
		if _, err := e.svc.Company(sysCtx(), pB, c.ID); err != nil {
			t.Fatalf("B does not see the company serving its compound: %v", err)
		}
		in := CompanyInput{Name: c.Name, CreditCode: c.CreditCode, LegalRep: "新法人", OrgUnitID: e.a.ID, Qualification: "grade1", PartyOrg: true}
		if _, err := e.svc.UpdateCompany(staffB, c.ID, 0, in); !isForbidden(err) {
			t.Fatalf("B edits A's company: %v", err)
		}

		// A stale version is refused; a fresh one changes the record and the history says what changed.
		if _, err := e.svc.UpdateCompany(staffA, c.ID, 7, in); err == nil {
			t.Fatal("stale version accepted")
		}
		c2, err := e.svc.UpdateCompany(staffA, c.ID, 1, in)
		if err != nil {
			t.Fatal(err)
		}
		if c2.Version != 2 || c2.LegalRep != "新法人" {
			t.Fatalf("updated %+v", c2)
		}
		h, err := e.svc.History(sysCtx(), "company", c.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 2 || h[0].Version != 2 || len(h[0].Changes) != 1 || h[0].Changes[0].Field != "legal_rep" ||
			h[0].Changes[0].Before != "朱保全" || h[0].ActorName != "staff_a" {
			t.Fatalf("history %+v", h)
		}
		list, total, err := e.svc.Companies(sysCtx(), pA, CompanyFilter{Q: "万科"})
		if err != nil || total != 1 || list[0].Compounds != 1 {
			t.Fatalf("list %+v %d %v", list, total, err)
		}
		// Every change is in the audit log.
		var n int
		if err := e.d.QueryRow(sysCtx(), `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'property.company.%'`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("audit rows %d %v", n, err)
		}
	})
}

func TestCompoundRegistry(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		staffA := e.staff("street_a", auth.StreetStaff, e.streetA)
		staffB := e.staff("staff_b", auth.DistrictStaff, e.b)
		leader := e.staff("leader", auth.Leader, e.city)
		co := e.company("甲物业服务有限公司", realCodes[0].code, e.a, false)
		a1 := e.compounds["a1"].ID

		// Unregistered: the tree's compound with no record lacks everything.
		c, err := e.svc.Compound(sysCtx(), auth.FromContext(staffA), a1)
		if err != nil || c.Registered || c.HasService || c.Buildings != 2 || c.Community != "甲一社区" || c.District != "甲区" {
			t.Fatalf("unregistered %+v %v", c, err)
		}
		// Out of scope is not found, for reading and for writing.
		if _, err := e.svc.Compound(sysCtx(), auth.FromContext(staffB), a1); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("B reads A's compound: %v", err)
		}
		if _, err := e.svc.SaveCompound(staffB, a1, 0, CompoundInput{ServiceType: "self"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("B writes A's compound: %v", err)
		}
		// A leader reads but does not edit.
		if _, err := e.svc.SaveCompound(leader, a1, 0, CompoundInput{ServiceType: "self"}); !isForbidden(err) {
			t.Fatalf("leader edits: %v", err)
		}

		// Validation names every wrong field.
		_, err = e.svc.SaveCompound(staffA, a1, 0, CompoundInput{ServiceType: "company", ContractStart: "2026-05-01",
			ContractEnd: "2025-01-01", Households: -1, CommitteeFormed: true, CommitteeFormedOn: "2020-01-01", CommitteeTermEnd: "2026-01-02"})
		wantField(t, err, "company_id", "required")
		wantField(t, err, "contract_end", "before_start")
		wantField(t, err, "households", "out_of_range")
		wantField(t, err, "committee_term_end", "too_long")

		c, err = e.svc.SaveCompound(staffA, a1, 0, CompoundInput{Address: "甲街道 1 号", Households: 480, YearBuilt: 1995,
			ServiceType: "company", CompanyID: co.ID, ContractScope: "保洁、秩序维护、绿化", FeeStandard: "0.80 元/㎡·月",
			ContractStart: "2024/1/1", ContractEnd: "2026-12-31", CommitteeFormed: true, CommitteeFormedOn: "2023-06-01",
			CommitteeTermEnd: "2028-05-31"})
		if err != nil {
			t.Fatal(err)
		}
		if !c.Registered || !c.Old || c.Version != 1 || !c.HasService || !c.HasCommittee || c.HasParty || c.CompanyName != co.Name ||
			c.ContractStart != day("2024-01-01") {
			t.Fatalf("saved %+v", c)
		}
		// Members need a formed committee; one director only.
		if _, err := e.svc.AddMember(staffA, a1, Member{Name: "李四", Post: "director", PartyMember: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddMember(staffA, a1, Member{Name: "王五", Post: "director"}); err == nil {
			t.Fatal("second director accepted")
		}
		m, err := e.svc.AddMember(staffA, a1, Member{Name: "赵六", Post: "member"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RemoveMember(staffA, a1, m.ID); err != nil {
			t.Fatal(err)
		}
		ms, _ := e.svc.Members(sysCtx(), a1)
		if len(ms) != 1 || ms[0].Name != "李四" || !ms[0].PartyMember {
			t.Fatalf("members %+v", ms)
		}
		if _, err := e.svc.AddMember(staffA, e.compounds["a2"].ID, Member{Name: "钱七", Post: "member"}); err == nil {
			t.Fatal("member added without a committee")
		}

		// A change of service is in the history, field by field.
		c, err = e.svc.SaveCompound(staffA, a1, 1, CompoundInput{Address: "甲街道 1 号", Households: 480, YearBuilt: 1995,
			ServiceType: "self", CommitteeFormed: true, CommitteeFormedOn: "2023-06-01", CommitteeTermEnd: "2028-05-31"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Version != 2 || c.CompanyID != 0 || !c.HasService {
			t.Fatalf("self-managed %+v", c)
		}
		h, _ := e.svc.History(sysCtx(), "compound", a1, 10)
		if len(h) != 5 || h[0].Action != "update" || h[4].Action != "create" {
			t.Fatalf("history %+v", h)
		}
		fields := map[string]bool{}
		for _, ch := range h[0].Changes {
			fields[ch.Field] = true
		}
		for _, f := range []string{"service_type", "company", "contract_scope", "fee_standard", "contract_start", "contract_end"} {
			if !fields[f] {
				t.Errorf("history lacks %s: %+v", f, h[0].Changes)
			}
		}

		// The ledger filters by what compounds lack.
		list, total, err := e.svc.Compounds(sysCtx(), auth.FromContext(staffA), CompoundFilter{Lacks: "committee"})
		if err != nil || total != 3 {
			t.Fatalf("lacking committee: %d %v", total, err)
		}
		for _, x := range list {
			if x.UnitID == a1 {
				t.Fatal("a1 listed as lacking a committee")
			}
		}
		_, total, _ = e.svc.Compounds(sysCtx(), auth.FromContext(staffA), CompoundFilter{Q: "甲街道 1"})
		if total != 1 {
			t.Fatalf("search by address: %d", total)
		}
	})
}
