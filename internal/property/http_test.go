package property

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"anju/internal/platform/auth"

	"github.com/xuri/excelize/v2"
)

// creditCity: published rules, companies c1 (A, red) and c2 (B, veto),
// facts, a published 2025Q4. Returns the companies and the petition fact.
func creditCity(t *testing.T, e *env) (c1, c2 Company, pet Fact) {
	city := e.staff("city", auth.CityStaff, e.city)
	staffA := e.staff("staff_a", auth.DistrictStaff, e.a)
	staffA2 := e.staff("staff_a2", auth.DistrictStaff, e.a)
	staffB := e.staff("staff_b", auth.DistrictStaff, e.b)
	staffB2 := e.staff("staff_b2", auth.DistrictStaff, e.b)
	publishRules(t, e, city, 20)
	c1 = e.company("红旗物业服务有限公司", realCodes[7].code, e.a, true)
	c2 = e.company("黑石物业服务有限公司", realCodes[8].code, e.b, false)
	e.save("a1", CompoundInput{ServiceType: "company", CompanyID: c1.ID, ContractEnd: "2028-12-31"})
	e.save("b1", CompoundInput{ServiceType: "company", CompanyID: c2.ID, ContractEnd: "2028-12-31"})
	e.fact(staffA, staffA2, FactInput{CompanyID: c1.ID, SourceType: "party", Kind: "party_org", OccurredOn: "2024-07-01"})
	e.fact(staffA, staffA2, FactInput{CompanyID: c1.ID, SourceType: "honour", Kind: "honour_province", OccurredOn: "2025-05-01"})
	e.fact(staffA, staffA2, FactInput{CompanyID: c1.ID, SourceType: "survey", Kind: "survey", Value: fp(96), OccurredOn: "2025-12-01"})
	e.fact(staffA, staffA2, FactInput{CompanyID: c1.ID, SourceType: "honour", Kind: "honour_city", OccurredOn: "2025-09-01"})
	pet = e.fact(staffA, staffA2, FactInput{CompanyID: c1.ID, CompoundID: e.compounds["a1"].ID, SourceType: "petition",
		SourceID: "XF-1", Kind: "petition_upheld", OccurredOn: "2025-11-03"})
	e.fact(staffB, staffB2, FactInput{CompanyID: c2.ID, SourceType: "manual", Kind: "fund_misuse", OccurredOn: "2025-08-01"})
	if _, err := e.svc.RunScoring(city, "2025Q4"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PublishRun(city, "2025Q4"); err != nil {
		t.Fatal(err)
	}
	return c1, c2, pet
}

func TestPublicPagesAndAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv := e.server()
		anon := anonymous(t, srv)
		want(t, anon.get("/property/lists"), http.StatusOK, `data-testid="no-lists"`)
		if r := anon.get("/api/v1/property/credit/lists"); r.Status != http.StatusNotFound {
			t.Fatalf("lists before publication: %d", r.Status)
		}

		// Coverage is open data: no login, definitions in both languages.
		coverageCity(t, e)
		r := anon.get("/api/v1/property/coverage")
		want(t, r, http.StatusOK, `"definitions"`, `"numerator_en"`, "物业服务覆盖率")
		var cov Coverage
		if err := json.Unmarshal([]byte(r.Body), &cov); err != nil {
			t.Fatal(err)
		}
		if cov.Node.Compounds != 6 || cov.Node.Service != 2 || len(cov.Children) != 2 || *cov.Children[0].PartyRate != 0.5 {
			t.Fatalf("coverage %+v", cov)
		}
		r = anon.get(fmt.Sprintf("/api/v1/property/coverage?node=%d", e.commA1.ID))
		want(t, r, http.StatusOK, "翠湖苑")
		if r := anon.get(fmt.Sprintf("/api/v1/property/coverage?node=%d", e.compounds["a1"].ID)); r.Status != http.StatusNotFound {
			t.Fatalf("compound node: %d", r.Status)
		}
		if r := anon.get("/api/v1/property/coverage?date=2026-13-01"); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad date: %d %s", r.Status, r.Body)
		}

		// Regulations are public.
		if _, err := e.svc.CreateRegulation(sysCtx(), e.city.ID, RegulationInput{Code: "AL-WY-2024-01", Title: "关于强化住宅物业服务管理的若干措施",
			Issuer: "测试市人民政府办公室", DocNo: "测政办〔2024〕1号", Kind: "measure", EffectiveFrom: "2024-03-01", Summary: "十条措施"}); err != nil {
			t.Fatal(err)
		}
		want(t, anon.get("/property/regulations"), http.StatusOK, "关于强化住宅物业服务管理的若干措施", "2024-03-01")
		want(t, anon.get("/property/regulations/AL-WY-2024-01"), http.StatusOK, "测政办〔2024〕1号", `data-testid="current"`)
		want(t, anon.get("/api/v1/property/regulations/AL-WY-2024-01"), http.StatusOK, `"effective_from":"2024-03-01"`)

		// The published lists, with each score explained.
		c1, c2, _ := creditCity(t, e)
		r = anon.get("/property/lists")
		want(t, r, http.StatusOK, `data-testid="red-list"`, c2.Name, "挪用、侵占专项维修资金")
		want(t, anon.get("/property/lists?q="+url.QueryEscape("红旗")), http.StatusOK, `data-testid="found"`, c1.Name)
		want(t, anon.get("/property/lists/"+c1.CreditCode), http.StatusOK, `data-testid="explanation"`, "获省级表彰", "基础分")
		want(t, anon.get("/property/lists?lang=en"), http.StatusOK, "Red list", "Black list")
		r = anon.get("/api/v1/property/credit/lists")
		want(t, r, http.StatusOK)
		var lists ListsResponse
		if err := json.Unmarshal([]byte(r.Body), &lists); err != nil {
			t.Fatal(err)
		}
		// c1: 70 + party 3 + province 5 + survey 5 + city 3 − petition 2 = 84 → AA (not red); c2: veto.
		if len(lists.Black) != 1 || lists.Black[0].CreditCode != c2.CreditCode || !lists.Black[0].Vetoed ||
			len(lists.Black[0].Explanation.Lines) != 1 || lists.Run.Period != "2025Q4" {
			t.Fatalf("lists %+v", lists)
		}
		want(t, anon.get("/api/v1/property/credit/lists/"+c1.CreditCode), http.StatusOK, `"score":84`, `"grade":"AA"`)
		want(t, anon.get("/property/rules/1"), http.StatusOK, "一票否决", "AAA")
		want(t, anon.get("/api/v1/property/credit/rules"), http.StatusOK, `"version":1`)
		// Staff-only pages send visitors to log in; company pages too.
		for _, p := range []string{"/property", "/property/compounds", "/property/my"} {
			if r := anon.get(p); r.Status != http.StatusSeeOther {
				t.Errorf("%s as a visitor: %d", p, r.Status)
			}
		}
		if r := anon.get("/api/v1/property/compounds"); r.Status != http.StatusUnauthorized {
			t.Errorf("staff API as a visitor: %d", r.Status)
		}
	})
}

func TestStaffPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv := e.server()
		c1, _, pet := creditCity(t, e)
		a := e.login(srv, "staff_a")
		a1, b1 := e.compounds["a1"].ID, e.compounds["b1"].ID

		want(t, a.get("/property"), http.StatusOK, `data-testid="rate-service"`)
		want(t, a.get("/property/compounds"), http.StatusOK, "阳光花园", "和平新村")
		want(t, a.get("/property/compounds?lacks=service"), http.StatusOK, "翠湖苑")
		want(t, a.get(fmt.Sprintf("/property/compounds/%d", a1)), http.StatusOK, `data-testid="compound-form"`, c1.Name)
		if r := a.get(fmt.Sprintf("/property/compounds/%d", b1)); r.Status != http.StatusNotFound {
			t.Fatalf("B's compound: %d", r.Status)
		}
		// The form: a wrong field is shown beside it; a good one saves and shows in the history.
		r := a.form(fmt.Sprintf("/property/compounds/%d", a1), url.Values{"service_type": {"company"}, "company_id": {fmt.Sprint(c1.ID)},
			"contract_start": {"2026-05-01"}, "contract_end": {"2025-01-01"}, "version": {"1"}})
		want(t, r, http.StatusUnprocessableEntity, "合同终止日期早于起始日期")
		r = a.form(fmt.Sprintf("/property/compounds/%d", a1), url.Values{"service_type": {"company"}, "company_id": {fmt.Sprint(c1.ID)},
			"contract_start": {"2024-01-01"}, "contract_end": {"2028-12-31"}, "households": {"520"}, "address": {"甲街道 8 号"},
			"committee_formed": {"on"}, "committee_formed_on": {"2024-05-01"}, "version": {"1"}})
		want(t, r, http.StatusSeeOther)
		want(t, a.get(fmt.Sprintf("/property/compounds/%d", a1)), http.StatusOK, "甲街道 8 号", "户数")
		want(t, a.form(fmt.Sprintf("/property/compounds/%d/members", a1), url.Values{"name": {"周敏"}, "post": {"director"}, "party_member": {"on"}}),
			http.StatusSeeOther)
		want(t, a.get(fmt.Sprintf("/property/compounds/%d", a1)), http.StatusOK, "周敏", "增加业委会成员")
		// The API says the same.
		r = a.json(http.MethodPut, fmt.Sprintf("/api/v1/property/compounds/%d?version=1", a1), CompoundInput{ServiceType: "self"})
		if r.Status != http.StatusConflict {
			t.Fatalf("stale version through the API: %d %s", r.Status, r.Body)
		}
		want(t, a.get(fmt.Sprintf("/api/v1/property/compounds/%d", a1)), http.StatusOK, `"members"`, `"history"`)

		// Companies: a bad check character is refused beside the field.
		want(t, a.get("/property/companies"), http.StatusOK, c1.Name)
		want(t, a.get("/property/companies/new"), http.StatusOK, `data-testid="company-form"`)
		r = a.form("/property/companies/new", url.Values{"name": {"新物业"}, "credit_code": {"91440300708461136U"}, "legal_rep": {"李"},
			"org_unit_id": {fmt.Sprint(e.a.ID)}, "qualification": {"none"}, "status": {"active"}})
		want(t, r, http.StatusUnprocessableEntity, "校验码不符")
		r = a.form("/property/companies/new", url.Values{"name": {"腾讯物业"}, "credit_code": {"91440300708461136T"}, "legal_rep": {"李"},
			"org_unit_id": {fmt.Sprint(e.a.ID)}, "qualification": {"none"}, "status": {"active"}})
		want(t, r, http.StatusSeeOther)
		want(t, a.get(fmt.Sprintf("/property/companies/%d", c1.ID)), http.StatusOK, "2025Q4", `id="accounts"`)
		r = a.json(http.MethodPost, "/api/v1/property/companies", CompanyInput{Name: "x", CreditCode: "123", LegalRep: "y", OrgUnitID: e.a.ID})
		want(t, r, http.StatusUnprocessableEntity, `"field":"credit_code"`)

		// Coverage page with drill-down links; another district is not found.
		want(t, a.get("/property/coverage"), http.StatusOK, `data-testid="def-committee"`, "lacks=party")
		if r := a.get(fmt.Sprintf("/property/coverage?node=%d", e.b.ID)); r.Status != http.StatusNotFound {
			t.Fatalf("B's coverage page: %d", r.Status)
		}

		// Excel: export, change a cell, import; a bad row rejects the file.
		r = a.get("/property/compounds.xlsx")
		want(t, r, http.StatusOK)
		f, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		sheet := f.GetSheetList()[0]
		rows, _ := f.GetRows(sheet)
		if len(rows) != 5 || rows[0][0] != "小区编码" {
			t.Fatalf("export rows %v", rows)
		}
		for i, row := range rows {
			if row[0] == "CP-a4" {
				_ = f.SetCellValue(sheet, fmt.Sprintf("G%d", i+1), 333)
				_ = f.SetCellValue(sheet, fmt.Sprintf("K%d", i+1), "业主自管")
			}
		}
		var buf bytes.Buffer
		_ = f.Write(&buf)
		good := buf.Bytes()
		r = a.multipart("/property/compounds/import", nil, "file", map[string][]byte{"ledger.xlsx": good})
		want(t, r, http.StatusOK, `data-testid="import-result"`)
		c, _ := e.svc.Compound(sysCtx(), auth.System("t"), e.compounds["a4"].ID)
		if c.Households != 333 || c.ServiceType != "self" || !c.Registered {
			t.Fatalf("imported %+v; page %.800s", c, r.Body)
		}
		_ = f.SetCellValue(sheet, "A3", "NO-SUCH")
		buf.Reset()
		_ = f.Write(&buf)
		r = a.multipart("/property/compounds/import", nil, "file", map[string][]byte{"ledger.xlsx": buf.Bytes()})
		want(t, r, http.StatusUnprocessableEntity, "辖区内没有该编码的小区")
		want(t, a.get("/property/companies.xlsx"), http.StatusOK)

		// Facts, four eyes, objections ledger.
		want(t, a.get("/property/credit/facts"), http.StatusOK, `data-testid="facts"`)
		r = a.form("/property/credit/facts", url.Values{"company_id": {fmt.Sprint(c1.ID)}, "kind": {"penalty"}, "source_type": {"penalty"},
			"occurred_on": {"2026-02-01"}})
		want(t, r, http.StatusSeeOther)
		facts, _, _ := e.svc.Facts(sysCtx(), auth.System("t"), FactFilter{State: factRecorded})
		if len(facts) != 1 {
			t.Fatalf("recorded facts %+v", facts)
		}
		r = a.form(fmt.Sprintf("/property/credit/facts/%d/verify", facts[0].ID), url.Values{})
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Set-Cookie"), "flash") {
			t.Fatalf("own fact verified: %d", r.Status)
		}
		if f, _ := e.svc.Fact(sysCtx(), auth.System("t"), facts[0].ID); f.Verified {
			t.Fatal("the recorder verified their own fact")
		}
		a2 := e.login(srv, "staff_a2")
		want(t, a2.form(fmt.Sprintf("/property/credit/facts/%d/verify", facts[0].ID), url.Values{}), http.StatusSeeOther)
		if f, _ := e.svc.Fact(sysCtx(), auth.System("t"), facts[0].ID); !f.Verified {
			t.Fatal("not verified by the second person")
		}
		want(t, a.get("/property/objections"), http.StatusOK)
		want(t, a.get("/property/objections.xlsx"), http.StatusOK)
		want(t, a.get("/property/credit/facts.xlsx?state=verified"), http.StatusOK)
		// The page's export link carries its filters, not one escaped key.
		want(t, a.get("/property/credit/facts?state=verified&kind=penalty"), http.StatusOK,
			`href="/property/credit/facts.xlsx?kind=penalty&amp;state=verified"`)
		want(t, a.get("/property/credit"), http.StatusOK, "2025Q4")
		want(t, a.get("/property/credit/runs/2025Q4"), http.StatusOK, c1.Name)
		want(t, a.get("/property/credit/runs/2025Q4/results.xlsx"), http.StatusOK)
		// District staff do not run the city's scoring.
		want(t, a.form("/property/credit/runs", url.Values{"period": {"2026Q1"}}), http.StatusUnprocessableEntity, "只有市级工作人员")

		// City staff: a new draft, an item, publish; run a year.
		city := e.login(srv, "city")
		want(t, city.form("/property/credit/rules", url.Values{}), http.StatusSeeOther)
		want(t, city.get("/property/rules/2"), http.StatusOK, `data-testid="publish"`)
		want(t, city.form("/property/rules/2/items", url.Values{"code": {"B09"}, "kind": {"bonus"}, "fact_kind": {"rectification_done"},
			"title": {"按期整改到位"}, "points": {"0.5"}, "max_points": {"2"}}), http.StatusSeeOther)
		want(t, city.form("/property/rules/2/settings", url.Values{"name": {"办法（2026 修订）"}, "effective_from": {"2026-01-01"},
			"base_score": {"70"}, "max_bonus": {"30"}, "max_score": {"100"}, "default_validity_days": {"365"}, "objection_workdays": {"15"},
			"grades": {"AAA:85 AA:80 A:70 B:60 C:0"}, "red_grades": {"AAA"}, "black_grades": {"C"}}), http.StatusSeeOther)
		want(t, city.form("/property/rules/2/publish", url.Values{}), http.StatusSeeOther)
		want(t, city.get("/property/rules/2"), http.StatusOK, "按期整改到位", "15 个工作日")
		want(t, city.form("/property/rules/2/items", url.Values{"code": {"B10"}, "kind": {"bonus"}, "fact_kind": {"honour_city"},
			"title": {"x"}, "points": {"1"}}), http.StatusUnprocessableEntity, "不能修改")
		want(t, city.form("/property/credit/runs", url.Values{"period": {"2025"}}), http.StatusSeeOther)
		want(t, city.get("/property/credit/runs/2025"), http.StatusOK, `data-testid="publish-run"`)
		_ = pet
	})
}

func TestCompanyPortal(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		srv := e.server()
		c1, c2, pet := creditCity(t, e)
		staffA := e.staff("staff_a3", auth.DistrictStaff, e.a)
		e.companyUser("13900000001")
		e.companyUser("13900000002")
		e.companyUser("13900000003") // not linked
		if err := e.svc.LinkAccount(staffA, c1.ID, "13900000001"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.LinkAccount(sysCtx(), c2.ID, "13900000002"); err != nil {
			t.Fatal(err)
		}
		co1 := e.login(srv, "13900000001")
		r := co1.get("/property/my")
		want(t, r, http.StatusOK, c1.Name, "阳光花园", `data-testid="my-score"`)
		if strings.Contains(r.Body, "春江华庭") || strings.Contains(r.Body, c2.Name) {
			t.Fatal("company 1 sees company 2's compound")
		}
		r = co1.get("/property/my/credit")
		want(t, r, http.StatusOK, `data-testid="my-facts"`, fmt.Sprintf(`data-testid="object-%d"`, pet.ID))
		if strings.Contains(r.Body, "挪用专项维修资金") {
			t.Fatal("company 1 sees company 2's facts")
		}
		// An objection with evidence; the staff see it; the item is disputed meanwhile.
		r = co1.multipart("/property/my/objections", url.Values{"fact_id": {fmt.Sprint(pet.ID)}, "reason": {"漏水系业主自用部位"}},
			"files", map[string][]byte{"维修记录.pdf": []byte("%PDF-1.4\n%test\n")})
		want(t, r, http.StatusSeeOther)
		want(t, co1.get("/property/my/credit"), http.StatusOK, "异议中", "办理中")
		// Not another company's fact, not twice, not by an unlinked account, not by staff.
		co2 := e.login(srv, "13900000002")
		want(t, co2.json(http.MethodPost, "/api/v1/property/my/objections", ObjectionInput{FactID: pet.ID, Reason: "x", Evidence: "y"}), http.StatusNotFound)
		want(t, co1.json(http.MethodPost, "/api/v1/property/my/objections", ObjectionInput{FactID: pet.ID, Reason: "x", Evidence: "y"}), http.StatusConflict)
		co3 := e.login(srv, "13900000003")
		want(t, co3.get("/property/my"), http.StatusForbidden)
		a := e.login(srv, "staff_a")
		want(t, a.get("/property/my"), http.StatusForbidden)
		r = co2.get("/api/v1/property/my")
		want(t, r, http.StatusOK, c2.Name)
		if strings.Contains(r.Body, c1.Name) {
			t.Fatal("company 2's API shows company 1")
		}

		objs, _, _ := e.svc.Objections(sysCtx(), auth.FromContext(staffA), ObjectionFilter{Status: objOpen})
		if len(objs) != 1 || len(objs[0].Files) != 1 || objs[0].Files[0].ContentType != "application/pdf" {
			t.Fatalf("objections %+v", objs)
		}
		o := objs[0]
		want(t, a.get(fmt.Sprintf("/property/objections/%d", o.ID)), http.StatusOK, "漏水系业主自用部位", `data-testid="answer"`, o.DueOn.String())
		r = a.get(fmt.Sprintf("/property/objections/%d/evidence?file=%d", o.ID, o.Files[0].ID))
		want(t, r, http.StatusOK, "%PDF")
		b := e.login(srv, "staff_b")
		want(t, b.get(fmt.Sprintf("/property/objections/%d", o.ID)), http.StatusNotFound)
		want(t, a.form(fmt.Sprintf("/property/objections/%d/answer", o.ID), url.Values{"decision": {"maybe"}}), http.StatusUnprocessableEntity)
		want(t, a.form(fmt.Sprintf("/property/objections/%d/answer", o.ID), url.Values{"decision": {"upheld"}, "answer": {"经核查不属实，撤销。"}}),
			http.StatusSeeOther)
		// The company's published score is amended: 84 + 2 = 86, now AAA and red.
		r = co1.get("/api/v1/property/my")
		var pt Portal
		if err := json.Unmarshal([]byte(r.Body), &pt); err != nil {
			t.Fatal(err)
		}
		if len(pt.Results) != 1 || pt.Results[0].Score != 86 || pt.Results[0].List != "red" || pt.Results[0].AmendedAt == nil ||
			pt.Objections[0].Status != objUpheld {
			t.Fatalf("portal after the answer %+v", pt.Results)
		}
		want(t, anonymous(t, srv).get("/property/lists"), http.StatusOK, c1.Name)
		_ = context.Background
	})
}
