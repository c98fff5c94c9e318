package property

import (
	"bytes"
	"errors"
	"testing"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"

	"github.com/xuri/excelize/v2"
)

func TestRegulationVersionsAndChecklist(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		city := e.staff("city", auth.CityStaff, e.city)
		staffA := e.staff("staff_a", auth.DistrictStaff, e.a)
		staffB := e.staff("staff_b", auth.DistrictStaff, e.b)
		reg, err := e.svc.CreateRegulation(city, 0, RegulationInput{Code: "GWY-WYGL-TL", Title: "物业管理条例", Issuer: "国务院",
			DocNo: "国务院令第379号", Kind: "regulation", EffectiveFrom: "2003-09-01", Summary: "原版"})
		if err != nil {
			t.Fatal(err)
		}
		// A district's own measures; another district may not revise them.
		local, err := e.svc.CreateRegulation(staffA, 0, RegulationInput{Code: "CA-WY-01", Title: "甲区物业办法", Issuer: "甲区住建局",
			Kind: "measure", EffectiveFrom: "2025-01-01", Summary: "甲区"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddVersion(staffB, local.ID, VersionInput{EffectiveFrom: "2026-01-01", Summary: "x"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("B revises A's measures: %v", err)
		}
		if _, err := e.svc.AddVersion(city, reg.ID, VersionInput{EffectiveFrom: "2003-01-01", Summary: "更早"}); err == nil {
			t.Fatal("a version before the previous one accepted")
		}
		for _, v := range []VersionInput{{EffectiveFrom: "2007-10-01", Summary: "第一次修订"}, {EffectiveFrom: "2016-02-06", Summary: "第二次修订"},
			{EffectiveFrom: "2018-03-19", Summary: "第三次修订"}} {
			if reg, err = e.svc.AddVersion(city, reg.ID, v); err != nil {
				t.Fatal(err)
			}
		}
		// Each version ends the day before the next takes effect; today's is the last.
		if len(reg.Versions) != 4 || reg.Versions[0].EffectiveUntil != day("2007-09-30") || !reg.Versions[3].EffectiveUntil.IsZero() ||
			reg.Current == nil || reg.Current.Version != 4 {
			t.Fatalf("versions %+v current %+v", reg.Versions, reg.Current)
		}
		if !reg.Versions[1].InForce(day("2010-05-01")) || reg.Versions[1].InForce(day("2016-02-06")) {
			t.Fatal("in force on the wrong days")
		}
		// Checklist items cite it; only city-wide staff keep the checklist.
		if _, err := e.svc.AddChecklistItem(staffA, ChecklistInput{Code: "JC-01", Area: "contract", Title: "x"}); !isForbidden(err) {
			t.Fatalf("district staff edits the checklist: %v", err)
		}
		if _, err := e.svc.AddChecklistItem(city, ChecklistInput{Code: "JC-01", Area: "contract", Title: "公示服务内容和收费标准",
			RegulationCode: "NO-SUCH"}); err == nil {
			t.Fatal("citation of an unknown document accepted")
		}
		if _, err := e.svc.AddChecklistItem(city, ChecklistInput{Code: "JC-01", Area: "contract", Title: "公示服务内容和收费标准",
			RegulationCode: "GWY-WYGL-TL", Article: "第四十条"}); err != nil {
			t.Fatal(err)
		}
		got, _ := e.svc.RegulationByCode(sysCtx(), "GWY-WYGL-TL")
		if len(got.Citations) != 1 || got.Citations[0].Article != "第四十条" {
			t.Fatalf("citations %+v", got.Citations)
		}
		list, _ := e.svc.Regulations(sysCtx(), "条例", "", day("2010-01-01"))
		if len(list) != 1 || list[0].Current == nil || list[0].Current.Version != 2 {
			t.Fatalf("library on 2010-01-01 %+v", list)
		}
	})
}

func TestCompanyImport(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		staffA := e.staff("staff_a", auth.DistrictStaff, e.a)
		existing := e.company("万科物业发展股份有限公司", realCodes[4].code, e.a, false)
		sheet := func(rows [][]any) []byte {
			f := excelize.NewFile()
			for i, r := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				_ = f.SetSheetRow("Sheet1", cell, &r)
			}
			var buf bytes.Buffer
			_ = f.Write(&buf)
			return buf.Bytes()
		}
		head := []any{"统一社会信用代码", "企业名称", "法定代表人", "资质", "企业党组织", "备案单位编码"}
		// A bad check character and a unit outside the jurisdiction reject the whole file.
		bad := sheet([][]any{head,
			{realCodes[0].code, "腾讯物业", "马", "无", "否", "CA"},
			{"91440300708461136U", "坏代码物业", "某", "无", "否", "CA"},
			{realCodes[1].code, "乙区物业", "某", "二级", "是", "CB"},
		})
		res, err := e.svc.ImportCompanies(staffA, bytes.NewReader(bad), "zh-CN")
		if !errors.Is(err, errRejected) || len(res.Errors) != 2 || res.Errors[0].Row != 3 || res.Errors[1].Row != 4 {
			t.Fatalf("rejected import: %+v %v", res, err)
		}
		if _, err := e.svc.CompanyByCode(sysCtx(), realCodes[0].code); !errors.Is(err, db.ErrNotFound) {
			t.Fatal("a rejected file wrote a company")
		}
		good := sheet([][]any{head,
			{realCodes[0].code, "腾讯物业", "马", "无", "否", "CA"},
			{realCodes[4].code, existing.Name, existing.LegalRep, "一级", "是", "CA"},
		})
		res, err = e.svc.ImportCompanies(staffA, bytes.NewReader(good), "zh-CN")
		if err != nil || res.Created != 1 || res.Changed != 1 {
			t.Fatalf("import %+v %v", res, err)
		}
		c, _ := e.svc.CompanyByCode(sysCtx(), realCodes[4].code)
		if !c.PartyOrg || c.Qualification != "grade1" || c.Version != 2 {
			t.Fatalf("updated %+v", c)
		}
		h, _ := e.svc.History(sysCtx(), "company", c.ID, 5)
		if len(h) != 2 || h[0].Action != "import" {
			t.Fatalf("history %+v", h)
		}
	})
}
