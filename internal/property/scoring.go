package property

import (
	"math"
	"sort"

	"anju/internal/platform/workday"
)

// The scoring engine: pure Go over facts, no database. A rule set applied on
// an as-of date (the last day of the period) to a company's valid, verified
// facts gives a score, a grade and a place on the red or black list, with an
// explanation item by item.
//
//	score = clamp(base + min(Σ bonuses, max bonus) − Σ deductions, 0, max score)
//
// Each item's points are per fact, capped per item; a veto item (一票否决)
// with any fact puts the company in the lowest grade and on the black list
// whatever its score.

// Rule item kinds.
const (
	kindBonus     = "bonus"
	kindDeduction = "deduction"
	kindVeto      = "veto"
)

var itemKinds = []string{kindBonus, kindDeduction, kindVeto}

// Lists.
const (
	listRed   = "red"
	listBlack = "black"
)

// untilClosed as an item's validity: the fact counts until its valid_until
// is set (a serious bad item counts until rectified).
const untilClosed = -1

// ScoreFact is what the engine needs of a fact.
type ScoreFact struct {
	ID        int64
	CompanyID int64
	Kind      string
	Value     float64
	HasValue  bool
	ValidFrom string // "YYYY-MM-DD"
	// ValidUntil is the fact's own stated end ("" = none stated).
	ValidUntil string
	Disputed   bool
}

// Line is one rule item in a company's explanation.
type Line struct {
	Code     string  `json:"code"`
	Kind     string  `json:"kind" doc:"bonus, deduction or veto"`
	Title    string  `json:"title"`
	TitleEn  string  `json:"title_en"`
	PerFact  float64 `json:"per_fact"`
	Count    int     `json:"count"`
	Points   float64 `json:"points" doc:"signed: what the item adds to the score"`
	Capped   bool    `json:"capped" doc:"the item's cap was reached"`
	Disputed int     `json:"disputed" doc:"facts under objection (异议) among them"`
	Facts    []int64 `json:"facts" doc:"ids of the facts (at most 50)"`
	Basis    string  `json:"basis,omitempty"`
}

// Explanation is how a company's score came about.
type Explanation struct {
	Base        float64 `json:"base"`
	Bonus       float64 `json:"bonus" doc:"sum of bonus items, after the overall cap"`
	BonusRaw    float64 `json:"bonus_raw" doc:"sum of bonus items before the overall cap"`
	Deduction   float64 `json:"deduction"`
	Score       float64 `json:"score"`
	Grade       string  `json:"grade"`
	Vetoed      bool    `json:"vetoed"`
	List        string  `json:"list" doc:"red, black or empty"`
	Lines       []Line  `json:"lines"`
	RuleVersion int     `json:"rule_version"`
	AsOf        string  `json:"as_of"`
}

// maxLineFacts bounds the fact ids kept per line.
const maxLineFacts = 50

// Scorer applies one rule set on one date to a stream of facts, keeping a
// small accumulator per company. Add is called once per fact, in any order.
type Scorer struct {
	rs     *RuleSet
	asOf   string
	byKind map[string][]int // fact kind → item indices, in position order
	cutoff []string         // per item: a fact without its own end counts if valid_from >= cutoff ("" = always)
	accs   map[int64]*accumulator
}

type accumulator struct {
	count    []int
	disputed []int
	facts    [][]int64
}

// NewScorer prepares rs for facts valid on asOf.
func NewScorer(rs *RuleSet, asOf workday.Date) *Scorer {
	sc := &Scorer{rs: rs, asOf: asOf.String(), byKind: map[string][]int{}, cutoff: make([]string, len(rs.Items)),
		accs: map[int64]*accumulator{}}
	for i, it := range rs.Items {
		sc.byKind[it.FactKind] = append(sc.byKind[it.FactKind], i)
		days := it.ValidityDays
		if days == 0 {
			days = rs.DefaultValidityDays
		}
		if days > 0 {
			// Counts on asOf iff asOf < valid_from + days, i.e. valid_from > asOf − days.
			sc.cutoff[i] = asOf.AddDays(1 - days).String()
		}
	}
	return sc
}

// Counts tells whether fact f counts on the as-of date under item i.
func (sc *Scorer) counts(i int, f *ScoreFact) bool {
	if f.ValidFrom > sc.asOf {
		return false
	}
	if f.ValidUntil != "" {
		return f.ValidUntil >= sc.asOf
	}
	if sc.rs.Items[i].ValidityDays == untilClosed {
		return true
	}
	return f.ValidFrom >= sc.cutoff[i]
}

// item finds the rule item that scores f: the first of its kind whose value
// band holds f's value; -1 if none.
func (sc *Scorer) item(f *ScoreFact) int {
	for _, i := range sc.byKind[f.Kind] {
		it := &sc.rs.Items[i]
		if it.ValueMin != nil || it.ValueMax != nil {
			if !f.HasValue {
				continue
			}
			if it.ValueMin != nil && f.Value < *it.ValueMin {
				continue
			}
			if it.ValueMax != nil && f.Value >= *it.ValueMax {
				continue
			}
		}
		return i
	}
	return -1
}

// Add takes one fact into account.
func (sc *Scorer) Add(f *ScoreFact) {
	i := sc.item(f)
	if i < 0 || !sc.counts(i, f) {
		return
	}
	a := sc.accs[f.CompanyID]
	if a == nil {
		n := len(sc.rs.Items)
		a = &accumulator{count: make([]int, n), disputed: make([]int, n), facts: make([][]int64, n)}
		sc.accs[f.CompanyID] = a
	}
	a.count[i]++
	if f.Disputed {
		a.disputed[i]++
	}
	if len(a.facts[i]) < maxLineFacts {
		a.facts[i] = append(a.facts[i], f.ID)
	}
}

// Result is the explanation for company id (base score if it had no facts).
func (sc *Scorer) Result(id int64) Explanation {
	return sc.rs.explain(sc.accs[id], sc.asOf)
}

// Companies lists the companies that had counting facts.
func (sc *Scorer) Companies() []int64 {
	out := make([]int64, 0, len(sc.accs))
	for id := range sc.accs {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// explain computes the score from an accumulator (nil: no facts).
func (rs *RuleSet) explain(a *accumulator, asOf string) Explanation {
	e := Explanation{Base: rs.Base, Lines: []Line{}, RuleVersion: rs.Version, AsOf: asOf}
	if a != nil {
		for i, it := range rs.Items {
			n := a.count[i]
			if n == 0 {
				continue
			}
			l := Line{Code: it.Code, Kind: it.Kind, Title: it.Title, TitleEn: it.TitleEn, PerFact: it.Points, Count: n,
				Disputed: a.disputed[i], Facts: a.facts[i], Basis: it.Basis}
			pts := float64(n) * it.Points
			if it.MaxPoints > 0 && pts > it.MaxPoints {
				pts, l.Capped = it.MaxPoints, true
			}
			switch it.Kind {
			case kindBonus:
				l.Points = round2(pts)
				e.BonusRaw += pts
			case kindDeduction:
				l.Points = -round2(pts)
				e.Deduction += pts
			case kindVeto:
				e.Vetoed = true
			}
			e.Lines = append(e.Lines, l)
		}
	}
	e.Bonus = e.BonusRaw
	if rs.MaxBonus > 0 && e.Bonus > rs.MaxBonus {
		e.Bonus = rs.MaxBonus
	}
	e.BonusRaw, e.Bonus, e.Deduction = round2(e.BonusRaw), round2(e.Bonus), round2(e.Deduction)
	e.Score = round2(min(max(rs.Base+e.Bonus-e.Deduction, 0), rs.MaxScore))
	e.Grade = rs.grade(e.Score, e.Vetoed)
	switch {
	case e.Vetoed || contains(rs.BlackGrades, e.Grade):
		e.List = listBlack
	case contains(rs.RedGrades, e.Grade):
		e.List = listRed
	}
	return e
}

// grade is the first grade (highest first) whose minimum the score reaches;
// a veto gives the lowest grade.
func (rs *RuleSet) grade(score float64, vetoed bool) string {
	if len(rs.Grades) == 0 {
		return ""
	}
	if vetoed {
		return rs.Grades[len(rs.Grades)-1].Grade
	}
	for _, g := range rs.Grades {
		if score >= g.Min {
			return g.Grade
		}
	}
	return rs.Grades[len(rs.Grades)-1].Grade
}
