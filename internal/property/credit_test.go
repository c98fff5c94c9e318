package property

import (
	"context"
	"errors"
	"testing"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// publishRules drafts the default rules as city staff, makes them effective
// from 2025-01-01 with objections answered in n working days, and publishes.
func publishRules(t *testing.T, e *env, city context.Context, n int) RuleSet {
	t.Helper()
	rs, err := e.svc.NewDraft(city)
	if err != nil {
		t.Fatal(err)
	}
	st := RuleSettings{Name: rs.Name, EffectiveFrom: day("2025-01-01"), Base: rs.Base, MaxBonus: rs.MaxBonus, MaxScore: rs.MaxScore,
		DefaultValidityDays: rs.DefaultValidityDays, ObjectionWorkdays: n, Grades: rs.Grades, RedGrades: rs.RedGrades,
		BlackGrades: rs.BlackGrades, Notes: rs.Notes}
	if _, err := e.svc.SaveSettings(city, rs.Version, st); err != nil {
		t.Fatal(err)
	}
	rs, err = e.svc.Publish(city, rs.Version)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// fact records and verifies a fact (recorded by rec, verified by ver).
func (e *env) fact(rec, ver context.Context, in FactInput) Fact {
	e.t.Helper()
	f, err := e.svc.AddFact(rec, in)
	if err != nil {
		e.t.Fatalf("record %s: %v", in.Kind, err)
	}
	if f, err = e.svc.VerifyFact(ver, f.ID); err != nil {
		e.t.Fatalf("verify %s: %v", in.Kind, err)
	}
	return f
}

func TestRulesArePublishedAndImmutable(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		city := e.staff("city", auth.CityStaff, e.city)
		staffA := e.staff("staff_a", auth.DistrictStaff, e.a)
		if _, err := e.svc.NewDraft(staffA); !isForbidden(err) {
			t.Fatalf("district staff drafts rules: %v", err)
		}
		rs := publishRules(t, e, city, 20)
		if rs.Version != 1 || rs.Status != statePublished || len(rs.Items) != len(DefaultRules().Items) {
			t.Fatalf("published %+v", rs)
		}
		if _, err := e.svc.SaveItem(city, 1, RuleItem{Code: "B99", Kind: kindBonus, FactKind: "honour_city", Title: "x", Points: 1}); !isConflict(err) {
			t.Fatalf("item added to a published set: %v", err)
		}
		if _, err := e.svc.Publish(city, 1); !isConflict(err) {
			t.Fatalf("published twice: %v", err)
		}
		if err := e.svc.RemoveItem(city, 1, "B01"); !isConflict(err) {
			t.Fatalf("item removed from a published set: %v", err)
		}
		// A new draft copies the latest and is the next version; it can change.
		d, err := e.svc.NewDraft(city)
		if err != nil || d.Version != 2 || d.Status != stateDraft || len(d.Items) != len(rs.Items) {
			t.Fatalf("draft %+v %v", d, err)
		}
		if _, err := e.svc.NewDraft(city); !isConflict(err) {
			t.Fatalf("second draft: %v", err)
		}
		d, err = e.svc.SaveItem(city, 2, RuleItem{Code: "D02", Kind: kindDeduction, FactKind: "petition_upheld", Title: "信访属实", Points: 3, MaxPoints: 30})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RemoveItem(city, 2, "B02"); err != nil {
			t.Fatal(err)
		}
		v1, _ := e.svc.RuleSetByVersion(sysCtx(), 1)
		v2, _ := e.svc.RuleSetByVersion(sysCtx(), 2)
		if len(v2.Items) != len(v1.Items)-1 {
			t.Fatalf("v2 has %d items, v1 %d", len(v2.Items), len(v1.Items))
		}
		for _, it := range v1.Items {
			if it.Code == "D02" && it.Points != 2 {
				t.Fatalf("v1 changed with v2: %+v", it)
			}
		}
		// The rules in effect on a day: v2 is a draft, so v1.
		in, err := e.svc.RulesInEffect(sysCtx(), e.d, day("2026-06-30"))
		if err != nil || in.Version != 1 {
			t.Fatalf("in effect %+v %v", in.Version, err)
		}
	})
}

func TestCreditRunObjectionsAndAmendment(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		city := e.staff("city", auth.CityStaff, e.city)
		staffA := e.staff("staff_a", auth.DistrictStaff, e.a)
		staffA2 := e.staff("staff_a2", auth.DistrictStaff, e.a)
		staffB := e.staff("staff_b", auth.DistrictStaff, e.b)
		staffB2 := e.staff("staff_b2", auth.DistrictStaff, e.b)
		publishRules(t, e, city, 20)
		c1 := e.company("甲物业服务有限公司", realCodes[0].code, e.a, true)
		c2 := e.company("乙物业服务有限公司", realCodes[1].code, e.b, false)
		e.company("丙物业服务有限公司", realCodes[2].code, e.b, false)

		// Four eyes: the recorder does not verify; staff of another district does not see it.
		pet, err := e.svc.AddFact(staffA, FactInput{CompanyID: c1.ID, CompoundID: e.compounds["a1"].ID, SourceType: "petition",
			SourceID: "XF-2025-0001", Kind: "petition_upheld", OccurredOn: "2025-11-03"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.VerifyFact(staffA, pet.ID); !isForbidden(err) {
			t.Fatalf("recorder verifies: %v", err)
		}
		if _, err := e.svc.VerifyFact(staffB, pet.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("other district verifies: %v", err)
		}
		if _, err := e.svc.VerifyFact(staffA2, pet.ID); err != nil {
			t.Fatal(err)
		}
		// Feeding the same source again records nothing new.
		again, err := e.svc.AddFact(staffA, FactInput{CompanyID: c1.ID, CompoundID: e.compounds["a1"].ID, SourceType: "petition",
			SourceID: "XF-2025-0001", Kind: "petition_upheld", OccurredOn: "2025-11-03"})
		if err != nil || again.ID != pet.ID {
			t.Fatalf("fed twice: %d %v", again.ID, err)
		}
		e.fact(staffA, staffA2, FactInput{CompanyID: c1.ID, SourceType: "survey", Kind: "survey", Value: fp(93.5), OccurredOn: "2025-12-10"})
		e.fact(staffA, staffA2, FactInput{CompanyID: c1.ID, SourceType: "party", Kind: "party_org", OccurredOn: "2024-07-01"})
		// Unverified facts do not count.
		if _, err := e.svc.AddFact(staffA, FactInput{CompanyID: c1.ID, SourceType: "penalty", Kind: "penalty", OccurredOn: "2025-10-10"}); err != nil {
			t.Fatal(err)
		}
		e.fact(staffB, staffB2, FactInput{CompanyID: c2.ID, SourceType: "manual", Kind: "fund_misuse", OccurredOn: "2025-08-01"})

		if _, err := e.svc.RunScoring(staffA, "2025Q4"); !isForbidden(err) {
			t.Fatalf("district staff runs scoring: %v", err)
		}
		if _, err := e.svc.RunScoring(city, "2026Q1"); err == nil {
			t.Fatal("a period not yet over was scored")
		}
		run, err := e.svc.RunScoring(city, "2025q4")
		if err != nil {
			t.Fatal(err)
		}
		if run.Period != "2025Q4" || run.Companies != 3 || run.Facts != 4 || run.Black != 1 || run.RuleVersion != 1 {
			t.Fatalf("run %+v", run)
		}
		// 70 + party 3 + survey 5 − petition 2 = 76 (A); the veto puts c2 on the black list.
		res, _, err := e.svc.Results(sysCtx(), run, ResultFilter{}, true)
		if err != nil || len(res) != 3 {
			t.Fatalf("results %+v %v", res, err)
		}
		if res[0].CompanyID != c1.ID || res[0].Score != 76 || res[0].Grade != "A" || len(res[0].Explanation.Lines) != 3 {
			t.Fatalf("c1 %+v", res[0])
		}
		black, _, _ := e.svc.Results(sysCtx(), run, ResultFilter{List: listBlack}, false)
		if len(black) != 1 || black[0].CompanyID != c2.ID || !black[0].Vetoed || black[0].Grade != "C" {
			t.Fatalf("black %+v", black)
		}
		if _, err := e.svc.PublishRun(city, "2025Q4"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.RunScoring(city, "2025Q4"); !isConflict(err) {
			t.Fatalf("published period computed again: %v", err)
		}

		// The company objects to the petition fact: due in 20 working days, fact disputed.
		co1, _ := e.companyUser("13900000001")
		co2, _ := e.companyUser("13900000002")
		if err := e.svc.LinkAccount(staffA, c1.ID, "13900000001"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.LinkAccount(staffB, c2.ID, "13900000002"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.LinkAccount(staffB, c1.ID, "13900000002"); !errors.Is(err, db.ErrNotFound) && !isForbidden(err) {
			t.Fatalf("B links an account to A's company: %v", err)
		}
		in := ObjectionInput{FactID: pet.ID, Reason: "投诉所涉漏水系业主自用部位，不属物业责任", Evidence: "维修记录和业主签字确认单"}
		if _, err := e.svc.FileObjection(co2, in, nil); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("another company objects: %v", err)
		}
		e.now = time.Date(2026, 9, 24, 2, 0, 0, 0, time.UTC) // Thursday before 中秋 and 国庆
		o, err := e.svc.FileObjection(co1, in, []EvidenceFile{{Name: "记录.pdf", ContentType: "application/pdf", Size: 8, data: []byte("%PDF-1.4")}})
		if err != nil {
			t.Fatal(err)
		}
		if o.DueOn != day("2026-10-29") || o.Status != objOpen || !o.Fact.Disputed || len(o.Files) != 1 {
			t.Fatalf("objection %+v", o)
		}
		if _, err := e.svc.FileObjection(co1, in, nil); !isConflict(err) {
			t.Fatalf("second objection to the same item: %v", err)
		}
		// Out of scope, not found; a leader may not answer; in scope, upheld.
		if _, err := e.svc.AnswerObjection(staffB, o.ID, objUpheld, "成立"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("other district answers: %v", err)
		}
		open, overdue, _ := e.svc.openObjections(sysCtx(), auth.FromContext(staffA))
		if open != 1 || overdue != 0 {
			t.Fatalf("open %d overdue %d", open, overdue)
		}
		e.now = time.Date(2026, 10, 30, 2, 0, 0, 0, time.UTC)
		if _, overdue, _ := e.svc.openObjections(sysCtx(), auth.FromContext(staffA)); overdue != 1 {
			t.Fatalf("not overdue on the day after the due day")
		}
		items, total, err := Work{e.svc}.Due(sysCtx(), auth.FromContext(staffA), e.now.AddDate(0, 0, 7), 10)
		if err != nil || total != 1 || !items[0].Overdue(e.now) {
			t.Fatalf("my work %+v %d %v", items, total, err)
		}
		o, err = e.svc.AnswerObjection(staffA2, o.ID, objUpheld, "经核查，漏水部位为业主专有部分，投诉不属实。")
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != objUpheld || !o.Fact.Voided || o.Fact.Disputed {
			t.Fatalf("answered %+v", o)
		}
		if _, err := e.svc.AnswerObjection(staffA2, o.ID, objRejected, "再答"); !isConflict(err) {
			t.Fatalf("answered twice: %v", err)
		}
		// The published result is amended: 70 + 3 + 5 = 78.
		hist, err := e.svc.CompanyHistory(sysCtx(), c1.ID, 5)
		if err != nil || len(hist) != 1 || hist[0].Score != 78 || hist[0].AmendedAt == nil {
			t.Fatalf("history %+v %v", hist, err)
		}
	})
}

// TestObjectionDeadlines: the answer is due after the set number of working
// days, the filing day not counted, holidays and make-up days as the
// State Council's notices say; a year without calendar data is an error.
func TestObjectionDeadlines(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cases := []struct {
			filed string
			days  int
			due   string
		}{
			{"2026-09-24", 20, "2026-10-29"}, // 中秋 25–27 Sep and 国庆 1–7 Oct off; Sat 10 Oct worked
			{"2026-02-12", 5, "2026-02-26"},  // Fri 13, make-up Sat 14, then 春节 15–23 Feb
			{"2026-03-06", 1, "2026-03-09"},  // Friday → Monday
			{"2025-12-31", 20, "2026-01-29"}, // across the new year: 元旦 1–3 Jan off, Sun 4 Jan worked
		}
		for _, c := range cases {
			e.now = day(c.filed).In(locOf()).Add(10 * time.Hour)
			// The rules in effect set the number of days.
			if _, err := e.d.Exec(sysCtx(), `DELETE FROM credit_rule_items`); err != nil {
				t.Fatal(err)
			}
			if _, err := e.d.Exec(sysCtx(), `DELETE FROM credit_rule_sets`); err != nil {
				t.Fatal(err)
			}
			rs := DefaultRules()
			rs.EffectiveFrom, rs.ObjectionWorkdays = day("2025-01-01"), c.days
			if err := e.d.Tx(sysCtx(), func(tx *db.Tx) error {
				ins, err := e.svc.insertRuleSet(sysCtx(), tx, rs)
				if err != nil {
					return err
				}
				_, err = tx.Exec(sysCtx(), `UPDATE credit_rule_sets SET status = 'published' WHERE id = ?`, ins.ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			due, err := e.svc.dueDate(sysCtx(), e.d, day(c.filed))
			if err != nil {
				t.Fatal(err)
			}
			if due != day(c.due) {
				t.Errorf("filed %s, %d working days: due %s, want %s", c.filed, c.days, due, c.due)
			}
		}
		// 2027 has no published calendar: the due day is not guessed.
		if _, err := e.svc.dueDate(sysCtx(), e.d, day("2026-12-20")); !isConflict(err) {
			t.Fatalf("due date into 2027: %v", err)
		}
	})
}
