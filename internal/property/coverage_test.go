package property

import (
	"errors"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// coverageCity registers the six compounds of the test city so that each
// definition's edge shows (the clock stands at 2026-03-10):
//
//	a1  company with a party organisation, contract in force; committee in term   → service, committee, party
//	a2  same company, contract ended 2026-01-31; committee's term ended 2026-02-28 → nothing
//	a3  self-managed, party branch in the compound                                  → service, party
//	a4  no record at all                                                            → nothing
//	b1  company deregistered (contract still running); committee with no term end   → committee
//	b2  contract starts 2026-04-01                                                  → nothing
func coverageCity(t *testing.T, e *env) Company {
	red := e.company("红色物业有限公司", realCodes[4].code, e.a, true)
	gone := e.company("已注销物业有限公司", realCodes[5].code, e.b, false)
	plain := e.company("普通物业有限公司", realCodes[6].code, e.b, false)
	e.save("a1", CompoundInput{ServiceType: "company", CompanyID: red.ID, ContractStart: "2024-01-01", ContractEnd: "2026-12-31",
		CommitteeFormed: true, CommitteeFormedOn: "2022-05-01", CommitteeTermEnd: "2027-04-30"})
	e.save("a2", CompoundInput{ServiceType: "company", CompanyID: red.ID, ContractStart: "2023-02-01", ContractEnd: "2026-01-31",
		CommitteeFormed: true, CommitteeFormedOn: "2021-03-01", CommitteeTermEnd: "2026-02-28"})
	e.save("a3", CompoundInput{ServiceType: "self", PartyBranch: true})
	e.save("b1", CompoundInput{ServiceType: "company", CompanyID: gone.ID, ContractEnd: "2027-06-30", CommitteeFormed: true})
	e.save("b2", CompoundInput{ServiceType: "company", CompanyID: plain.ID, ContractStart: "2026-04-01", ContractEnd: "2029-03-31"})
	in := CompanyInput{Name: gone.Name, CreditCode: gone.CreditCode, LegalRep: gone.LegalRep, OrgUnitID: gone.OrgUnitID,
		Qualification: gone.Qualification, Status: "deregistered"}
	if _, err := e.svc.UpdateCompany(sysCtx(), gone.ID, 0, in); err != nil {
		t.Fatal(err)
	}
	return red
}

func TestCoverageDefinitions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		red := coverageCity(t, e)
		asOf := e.svc.today()
		want := func(name string, r Rates, n, svc, com, par int) {
			t.Helper()
			if r.Compounds != n || r.Service != svc || r.Committee != com || r.Party != par {
				t.Errorf("%s: %d compounds, %d/%d/%d; want %d, %d/%d/%d", name, r.Compounds, r.Service, r.Committee, r.Party, n, svc, com, par)
			}
		}
		city, err := e.svc.Coverage(sysCtx(), nil, 0, asOf)
		if err != nil {
			t.Fatal(err)
		}
		want("city", city.Node.Rates, 6, 2, 2, 2)
		if *city.Node.ServiceRate != 0.3333 || len(city.Children) != 2 || len(city.Definitions) != 3 {
			t.Fatalf("city %+v", city)
		}
		want("district A", city.Children[0].Rates, 4, 2, 1, 2)
		want("district B", city.Children[1].Rates, 2, 0, 1, 0)

		street, _ := e.svc.Coverage(sysCtx(), nil, e.streetA.ID, asOf)
		want("street A1", street.Node.Rates, 4, 2, 1, 2)
		if len(street.Trail) != 2 || street.Trail[1].Name != "甲区" || len(street.Children) != 2 {
			t.Fatalf("street %+v", street)
		}
		want("community A1a", street.Children[0].Rates, 3, 2, 1, 2)
		want("community A1b", street.Children[1].Rates, 1, 0, 0, 0)

		comm, _ := e.svc.Coverage(sysCtx(), nil, e.commA1.ID, asOf)
		if len(comm.Children) != 3 || comm.Children[1].Name != "翠湖苑" {
			t.Fatalf("community %+v", comm.Children)
		}
		want("a1", comm.Children[0].Rates, 1, 1, 1, 1)
		want("a2", comm.Children[1].Rates, 1, 0, 0, 0)
		want("a3", comm.Children[2].Rates, 1, 1, 0, 1)

		// A day later the term of a1's contract is over: the rate follows the date.
		later, _ := e.svc.Coverage(sysCtx(), nil, 0, day("2027-01-01"))
		want("city in 2027", later.Node.Rates, 6, 2, 2, 1) // b2's contract started; a1's ended, party with it

		// The drill-down lists exactly the compounds the rates leave out.
		pA := auth.FromContext(e.staff("staff_a", auth.DistrictStaff, e.a))
		for _, m := range measures {
			_, lacking, err := e.svc.Compounds(sysCtx(), pA, CompoundFilter{Lacks: m})
			if err != nil {
				t.Fatal(err)
			}
			if got := city.Children[0].Compounds - city.Children[0].Count(m); lacking != got {
				t.Errorf("%s: ledger lists %d lacking, rates say %d", m, lacking, got)
			}
		}

		// The rates follow a change of the company: without its party
		// organisation a1 loses party work (a3 keeps its own branch).
		in := CompanyInput{Name: red.Name, CreditCode: red.CreditCode, LegalRep: red.LegalRep, OrgUnitID: red.OrgUnitID,
			Qualification: red.Qualification, PartyOrg: false}
		if _, err := e.svc.UpdateCompany(sysCtx(), red.ID, 0, in); err != nil {
			t.Fatal(err)
		}
		after, _ := e.svc.Coverage(sysCtx(), nil, 0, asOf)
		want("city after the company's change", after.Node.Rates, 6, 2, 2, 1)

		// A staff member's node defaults to their unit and stays in scope.
		own, err := e.svc.Coverage(sysCtx(), pA, 0, asOf)
		if err != nil || own.Node.ID != e.a.ID {
			t.Fatalf("own node %+v %v", own.Node, err)
		}
		if _, err := e.svc.Coverage(sysCtx(), pA, e.b.ID, asOf); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("A reads B's coverage as staff: %v", err)
		}
		// Compounds and buildings are not nodes of the rates.
		if _, err := e.svc.Coverage(sysCtx(), nil, e.compounds["a1"].ID, asOf); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("compound as node: %v", err)
		}
	})
}
