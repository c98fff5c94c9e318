package property

import (
	"testing"
)

// testRules is a small published-style rule set for the table tests:
// base 70, bonuses capped at 15 overall, grades AAA ≥ 85, AA ≥ 80, A ≥ 70,
// B ≥ 60, C below; red = AAA, black = C; facts count 365 days by default.
func testRules() *RuleSet {
	return &RuleSet{Version: 3, Base: 70, MaxBonus: 15, MaxScore: 100, DefaultValidityDays: 365,
		Grades:    []Grade{{"AAA", 85}, {"AA", 80}, {"A", 70}, {"B", 60}, {"C", 0}},
		RedGrades: []string{"AAA"}, BlackGrades: []string{"C"},
		Items: []RuleItem{
			{Code: "B01", Kind: kindBonus, FactKind: "party_org", Points: 3, MaxPoints: 3, ValidityDays: untilClosed},
			{Code: "B02", Kind: kindBonus, FactKind: "honour_city", Points: 4},                        // default validity, no item cap
			{Code: "B03", Kind: kindBonus, FactKind: "honour_province", Points: 5, ValidityDays: 730}, // two years
			{Code: "B06", Kind: kindBonus, FactKind: "survey", Points: 5, ValueMin: fp(90)},
			{Code: "D01", Kind: kindDeduction, FactKind: "survey", Points: 6, ValueMax: fp(60)},
			{Code: "D02", Kind: kindDeduction, FactKind: "petition_upheld", Points: 2, MaxPoints: 6},
			{Code: "D05", Kind: kindDeduction, FactKind: "rectification_refused", Points: 10, ValidityDays: untilClosed},
			{Code: "D07", Kind: kindDeduction, FactKind: "penalty", Points: 7.5, ValidityDays: 30},
			{Code: "V01", Kind: kindVeto, FactKind: "fund_misuse", ValidityDays: untilClosed},
		}}
}

// f is a fact of company 1 valid from the given day.
func f(kind, from string) ScoreFact { return ScoreFact{CompanyID: 1, Kind: kind, ValidFrom: from} }

func withValue(sf ScoreFact, v float64) ScoreFact { sf.Value, sf.HasValue = v, true; return sf }
func until(sf ScoreFact, d string) ScoreFact      { sf.ValidUntil = d; return sf }
func disputed(sf ScoreFact) ScoreFact             { sf.Disputed = true; return sf }

func TestScoringRules(t *testing.T) {
	const asOf = "2026-03-31"
	cases := []struct {
		name  string
		facts []ScoreFact
		score float64
		grade string
		list  string
		veto  bool
		lines map[string]float64 // code → points
	}{
		{name: "no facts: the base", score: 70, grade: "A"},

		// Validity: default 365 days from valid_from; the as-of day is the last day of the period.
		{name: "default validity: counts on its 365th day", facts: []ScoreFact{f("honour_city", "2025-04-01")},
			score: 74, grade: "A", lines: map[string]float64{"B02": 4}},
		{name: "default validity: expired the day after", facts: []ScoreFact{f("honour_city", "2025-03-31")}, score: 70, grade: "A"},
		{name: "item validity two years", facts: []ScoreFact{f("honour_province", "2024-04-01"), f("honour_province", "2024-03-31")},
			score: 75, grade: "A", lines: map[string]float64{"B03": 5}},
		{name: "short validity 30 days: expired", facts: []ScoreFact{f("penalty", "2026-03-01")}, score: 70, grade: "A"},
		{name: "short validity 30 days: counts", facts: []ScoreFact{f("penalty", "2026-03-02")}, score: 62.5, grade: "B",
			lines: map[string]float64{"D07": -7.5}},
		{name: "a stated end wins over the item's validity", facts: []ScoreFact{until(f("honour_city", "2025-12-01"), "2026-03-30")},
			score: 70, grade: "A"},
		{name: "a stated end on the as-of day still counts", facts: []ScoreFact{until(f("honour_city", "2023-01-01"), "2026-03-31")},
			score: 74, grade: "A", lines: map[string]float64{"B02": 4}},
		{name: "until closed: counts years later", facts: []ScoreFact{f("rectification_refused", "2021-06-01")},
			score: 60, grade: "B", lines: map[string]float64{"D05": -10}},
		{name: "until closed: closed (rectified) before the date", facts: []ScoreFact{until(f("rectification_refused", "2021-06-01"), "2026-01-15")},
			score: 70, grade: "A"},
		{name: "not yet valid on the date", facts: []ScoreFact{f("honour_city", "2026-04-01")}, score: 70, grade: "A"},

		// Caps: per item, and of all bonuses together.
		{name: "item cap", facts: []ScoreFact{f("petition_upheld", "2026-01-01"), f("petition_upheld", "2026-01-02"),
			f("petition_upheld", "2026-01-03"), f("petition_upheld", "2026-01-04")}, score: 64, grade: "B",
			lines: map[string]float64{"D02": -6}},
		{name: "overall bonus cap", facts: []ScoreFact{f("party_org", "2020-01-01"), f("honour_city", "2026-01-01"),
			f("honour_city", "2026-02-01"), f("honour_province", "2026-03-01")}, score: 85, grade: "AAA", list: "red",
			lines: map[string]float64{"B01": 3, "B02": 8, "B03": 5}},

		// Bands on a survey's value: ≥ 90 bonus, < 60 deduction, between nothing.
		{name: "survey band high", facts: []ScoreFact{withValue(f("survey", "2026-01-10"), 90)}, score: 75, grade: "A",
			lines: map[string]float64{"B06": 5}},
		{name: "survey band middle scores nothing", facts: []ScoreFact{withValue(f("survey", "2026-01-10"), 75)}, score: 70, grade: "A"},
		{name: "survey band low", facts: []ScoreFact{withValue(f("survey", "2026-01-10"), 59.9)}, score: 64, grade: "B",
			lines: map[string]float64{"D01": -6}},
		{name: "survey without a value scores nothing", facts: []ScoreFact{f("survey", "2026-01-10")}, score: 70, grade: "A"},

		// Grade boundaries are inclusive lower bounds.
		{name: "bonuses capped, then a deduction", facts: []ScoreFact{f("party_org", "2020-01-01"), f("honour_city", "2026-01-01"),
			f("honour_city", "2026-02-01"), f("honour_province", "2026-03-01"), f("penalty", "2026-03-30")},
			score: 77.5, grade: "A"},
		{name: "84 is AA", facts: []ScoreFact{withValue(f("survey", "2026-01-10"), 95), f("honour_province", "2026-03-01"),
			f("honour_city", "2026-03-01")}, score: 84, grade: "AA"},
		{name: "80 is AA, not AAA", facts: []ScoreFact{f("honour_province", "2026-01-01"), withValue(f("survey", "2026-01-10"), 95)},
			score: 80, grade: "AA"},
		{name: "just under 60 is C and black", facts: []ScoreFact{f("rectification_refused", "2025-01-01"),
			f("petition_upheld", "2026-01-01")}, score: 58, grade: "C", list: "black"},
		{name: "exactly 60 is B", facts: []ScoreFact{f("rectification_refused", "2025-01-01")}, score: 60, grade: "B"},
		{name: "never below zero", facts: []ScoreFact{f("rectification_refused", "2025-01-01"), f("rectification_refused", "2025-02-01"),
			f("rectification_refused", "2025-03-01"), f("rectification_refused", "2025-04-01"), f("rectification_refused", "2025-05-01"),
			f("rectification_refused", "2025-06-01"), f("rectification_refused", "2025-07-01"), f("rectification_refused", "2025-08-01")},
			score: 0, grade: "C", list: "black"},

		// A single veto: lowest grade and black list whatever the score.
		{name: "veto overrides a high score", facts: []ScoreFact{f("party_org", "2020-01-01"), f("honour_province", "2026-01-01"),
			f("honour_city", "2026-01-01"), f("fund_misuse", "2019-05-01")}, score: 82, grade: "C", list: "black", veto: true},
		{name: "veto closed before the date does not count", facts: []ScoreFact{until(f("fund_misuse", "2019-05-01"), "2025-12-31")},
			score: 70, grade: "A"},

		// A disputed fact still counts (it is marked) until its objection is upheld.
		{name: "disputed counts and is marked", facts: []ScoreFact{disputed(f("petition_upheld", "2026-02-01"))}, score: 68, grade: "B",
			lines: map[string]float64{"D02": -2}},

		// Facts of kinds no item scores are ignored.
		{name: "unscored kind", facts: []ScoreFact{f("rectification_done", "2026-02-01")}, score: 70, grade: "A"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := NewScorer(testRules(), day(asOf))
			for i := range c.facts {
				c.facts[i].ID = int64(i + 1)
				sc.Add(&c.facts[i])
			}
			e := sc.Result(1)
			if e.Score != c.score || e.Grade != c.grade || e.List != c.list || e.Vetoed != c.veto {
				t.Fatalf("score %v grade %s list %q veto %v; want %v %s %q %v (lines %+v)", e.Score, e.Grade, e.List, e.Vetoed,
					c.score, c.grade, c.list, c.veto, e.Lines)
			}
			for code, pts := range c.lines {
				found := false
				for _, l := range e.Lines {
					if l.Code == code {
						found = true
						if l.Points != pts {
							t.Errorf("%s: %v points, want %v", code, l.Points, pts)
						}
					}
				}
				if !found {
					t.Errorf("no line %s in %+v", code, e.Lines)
				}
			}
			if e.RuleVersion != 3 || e.AsOf != asOf {
				t.Errorf("explanation names rules v%d as of %s", e.RuleVersion, e.AsOf)
			}
		})
	}
}

// TestScoringExplains checks the explanation of a mixed case line by line.
func TestScoringExplains(t *testing.T) {
	sc := NewScorer(testRules(), day("2026-03-31"))
	facts := []ScoreFact{
		{ID: 11, CompanyID: 7, Kind: "petition_upheld", ValidFrom: "2026-01-05"},
		{ID: 12, CompanyID: 7, Kind: "petition_upheld", ValidFrom: "2026-02-05", Disputed: true},
		{ID: 13, CompanyID: 7, Kind: "party_org", ValidFrom: "2024-01-01"},
		{ID: 14, CompanyID: 8, Kind: "honour_city", ValidFrom: "2026-01-01"},
	}
	for i := range facts {
		sc.Add(&facts[i])
	}
	e := sc.Result(7)
	if e.Score != 69 || e.Base != 70 || e.Bonus != 3 || e.Deduction != 4 || len(e.Lines) != 2 {
		t.Fatalf("%+v", e)
	}
	d := e.Lines[1]
	if d.Code != "D02" || d.Count != 2 || d.Disputed != 1 || d.PerFact != 2 || len(d.Facts) != 2 || d.Facts[1] != 12 {
		t.Fatalf("deduction line %+v", d)
	}
	if got := sc.Companies(); len(got) != 2 || got[0] != 7 {
		t.Fatalf("companies %v", got)
	}
	if e := sc.Result(99); e.Score != 70 || len(e.Lines) != 0 {
		t.Fatalf("company without facts %+v", e)
	}
}

// TestDefaultRulesValid: the template a first draft starts from passes the
// checks publishing applies.
func TestDefaultRulesValid(t *testing.T) {
	rs := DefaultRules()
	rs.EffectiveFrom = day("2026-01-01")
	if err := rs.validate(); err != nil {
		t.Fatal(err)
	}
	bad := DefaultRules()
	bad.EffectiveFrom = day("2026-01-01")
	bad.Grades = []Grade{{"A", 60}, {"AAA", 85}}
	if err := bad.validate(); err == nil {
		t.Fatal("grades out of order accepted")
	}
}
