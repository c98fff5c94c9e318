package property

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"anju/internal/casework"
	"anju/internal/home"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

// The case types the module declares on the shared case engine: the
// rectification of a problem an inspection found (整改), and the mediation of
// a dispute brought to a compound's four-party council (调解).
const (
	RectificationType = "property_rectification"
	MediationType     = "property_mediation"
)

// States of a rectification.
const (
	RectRectifying = "rectifying" // 整改中: the responsible party works, against the deadline
	RectResponded  = "responded"  // 已反馈: the party answered; the inspector verifies on re-inspection
	RectVerified   = "verified"   // 已销号: verified at re-inspection (terminal)
	RectCancelled  = "cancelled"  // 已撤销: the finding was withdrawn by a higher level (terminal)
)

// States of a mediation and the levels at which a dispute is settled.
const (
	MedOpen    = "mediating"
	MedSettled = "settled"
	MedFailed  = "unsettled"
)

// SettleLevels: building (楼栋), community (社区), street (街道), above.
var SettleLevels = []string{"building", "community", "street", "above"}

// Deadlines of a rectification: the party rectifies within rectifyPeriod
// (again after a failed re-inspection); the inspector re-inspects within
// verifyPeriod of the party's response.
var (
	rectifyPeriod = casework.WorkingDays(10)
	verifyPeriod  = casework.WorkingDays(5)
	mediatePeriod = casework.WorkingDays(15)
)

var (
	caseStaff  = []auth.Role{auth.CommunityStaff, auth.StreetStaff, auth.DistrictStaff, auth.CityStaff}
	caseLead   = append(append([]auth.Role{}, caseStaff...), auth.Leader)
	respondent = append(append([]auth.Role{}, caseStaff...), auth.Company)
	handlerSc  = []casework.Scope{casework.ScopeHandler}
)

// UseCases registers the module's case types with the engine and plugs the
// rectifications into the company portal (Orders).
func (s *Service) UseCases(e *casework.Engine) error {
	s.Cases = e
	if err := e.Register(s.rectificationType()); err != nil {
		return err
	}
	if err := e.Register(s.mediationType()); err != nil {
		return err
	}
	s.Orders = rectOrders{s}
	return nil
}

// rectificationType: created in rectifying with its deadline; the party (a
// company account of the responsible company, or staff recording the answer
// of an owners' committee or a department) responds; the inspector verifies
// at re-inspection — closing it and feeding a credit fact — or finds it still
// wanting, which sends it back with a new deadline and a deduction fact.
func (s *Service) rectificationType() *casework.Type {
	rect, verify := rectifyPeriod, verifyPeriod
	return &casework.Type{
		Name: RectificationType, Prefix: "ZG", Initial: RectRectifying,
		States: []casework.State{
			{Name: RectRectifying, Stage: &rect, Public: true},
			{Name: RectResponded, Stage: &verify, Public: true},
			{Name: RectVerified, Terminal: true, Public: true},
			{Name: RectCancelled, Terminal: true, Public: true},
		},
		Transitions: []casework.Transition{
			{Name: "respond", From: []string{RectRectifying}, To: RectResponded, Roles: respondent,
				Scopes:   []casework.Scope{casework.ScopeParty, casework.ScopeHandler},
				Required: []casework.Field{casework.FieldText}, Public: true, Contact: true, Apply: s.onRespond},
			{Name: "verify", From: []string{RectResponded}, To: RectVerified, Roles: caseStaff, Scopes: handlerSc,
				Public: true, Check: checkNotParty, Apply: s.onVerify},
			{Name: "reinspect_fail", From: []string{RectResponded}, To: RectRectifying, Roles: caseStaff, Scopes: handlerSc,
				Required: []casework.Field{casework.FieldReason}, Public: true, Check: checkNotParty, Apply: s.onReinspectFail},
			{Name: "supervise", From: []string{RectRectifying, RectResponded}, Roles: caseLead,
				Scopes: []casework.Scope{casework.ScopeHigher}, Required: []casework.Field{casework.FieldText}, Effect: casework.EffectSupervise},
			{Name: "cancel", From: []string{RectRectifying, RectResponded}, To: RectCancelled, Roles: caseStaff,
				Scopes: []casework.Scope{casework.ScopeHigher}, Required: []casework.Field{casework.FieldReason},
				Apply: func(st *casework.Step) error { st.Close("cancelled"); return nil }},
		},
	}
}

// checkNotParty: a company account never verifies its own rectification.
func checkNotParty(st *casework.Step) error {
	if st.Actor.Role == auth.Company {
		return st.Refuse("party", "责任方不能自行核验", "the responsible party cannot verify its own rectification")
	}
	return nil
}

func (s *Service) onRespond(st *casework.Step) error {
	st.Case.RepliedAt = st.Now
	st.Case.SetData("response", st.Input.Text)
	st.Case.SetData("responded_by", st.Event.ActorName)
	if !st.Before.StageDueAt.IsZero() && st.Now.After(st.Before.StageDueAt) {
		st.Case.SetData("late", true)
	}
	st.Event.Text = "责任方反馈：" + st.Input.Text
	return nil
}

// rectRow is the module's row of a rectification case.
func (s *Service) rectRow(ctx context.Context, q db.Querier, caseID int64) (rectification, error) {
	var r rectification
	var company *int64
	err := q.QueryRow(ctx, `SELECT case_id, inspection_id, campaign_id, compound_id, party_kind, party_name, company_id, org_path, overdue_fact
		FROM property_rectifications WHERE case_id = ?`, caseID).Scan(&r.CaseID, &r.InspectionID, &r.CampaignID, &r.CompoundID,
		&r.PartyKind, &r.PartyName, &company, &r.OrgPath, &r.OverdueFact)
	if isNoRows(err) {
		return r, db.ErrNotFound
	}
	if company != nil {
		r.CompanyID = *company
	}
	return r, err
}

// onVerify closes the rectification and, for a company, records the outcome
// as a verified credit fact: rectified on time when the response came within
// the deadline (an overdue one was already recorded by the sweep).
func (s *Service) onVerify(st *casework.Step) error {
	st.Close("verified")
	st.Event.Text = "复查合格，予以销号"
	if st.Input.Text != "" {
		st.Event.Text += "：" + st.Input.Text
	}
	r, err := s.rectRow(st.Ctx, st.Tx, st.Case.ID)
	if err != nil {
		return err
	}
	if r.CompanyID == 0 {
		return nil
	}
	late, _ := st.Case.Data["late"].(bool)
	if late || r.OverdueFact == 1 {
		return nil
	}
	_, err = s.RecordFact(st.Ctx, st.Tx, FactInput{CompanyID: r.CompanyID, CompoundID: r.CompoundID, SourceType: "rectification",
		SourceID: st.Case.Number, Kind: "rectification_done", OccurredOn: cityDate(st.Now).String(), Verified: true,
		Note: st.Case.Title})
	return err
}

// onReinspectFail sends the case back with a new deadline; for a company the
// failed re-inspection is a deduction fact.
func (s *Service) onReinspectFail(st *casework.Step) error {
	n, _ := st.Case.Data["failed_reinspections"].(float64)
	n++
	st.Case.SetData("failed_reinspections", n)
	st.Case.RepliedAt = time.Time{}
	delete(st.Case.Data, "late")
	st.Event.Text = "复查不合格：" + st.Input.Reason
	r, err := s.rectRow(st.Ctx, st.Tx, st.Case.ID)
	if err != nil || r.CompanyID == 0 {
		return err
	}
	_, err = s.RecordFact(st.Ctx, st.Tx, FactInput{CompanyID: r.CompanyID, CompoundID: r.CompoundID, SourceType: "rectification",
		SourceID: fmt.Sprintf("%s-%d", st.Case.Number, int(n)), Kind: "rectification_failed", OccurredOn: cityDate(st.Now).String(),
		Verified: true, Note: st.Input.Reason})
	return err
}

// mediationType: a dispute brought to the council is mediated and settled at
// a level — the closed reason records it — or closed unsettled.
func (s *Service) mediationType() *casework.Type {
	med := mediatePeriod
	settle := func(level string) casework.Transition {
		return casework.Transition{Name: "settle_" + level, From: []string{MedOpen}, To: MedSettled, Roles: caseStaff, Scopes: handlerSc,
			Required: []casework.Field{casework.FieldText}, Public: true, Contact: true,
			Apply: func(st *casework.Step) error {
				st.Close(level)
				st.Case.SetData("settled_level", level)
				return nil
			}}
	}
	trs := []casework.Transition{}
	for _, l := range SettleLevels {
		trs = append(trs, settle(l))
	}
	trs = append(trs, casework.Transition{Name: "close_unsettled", From: []string{MedOpen}, To: MedFailed, Roles: caseStaff,
		Scopes: handlerSc, Required: []casework.Field{casework.FieldReason}, Public: true,
		Apply: func(st *casework.Step) error { st.Close("unsettled"); return nil }})
	return &casework.Type{
		Name: MediationType, Prefix: "TJ", Initial: MedOpen,
		States: []casework.State{
			{Name: MedOpen, Stage: &med, Public: true},
			{Name: MedSettled, Terminal: true, Public: true},
			{Name: MedFailed, Terminal: true, Public: true},
		},
		Transitions: trs,
	}
}

var errNoEngine = errors.New("property: the case engine is not configured")

// cityDate is the city's civil date of t.
func cityDate(t time.Time) workday.Date { return workday.DateOf(t, web.Location) }

// Due lists, for the staff home page, the open objections and then the open
// rectification and mediation cases in p's scope due before horizon.
func (w Work) Due(ctx context.Context, p *auth.Principal, horizon time.Time, limit int) ([]home.WorkItem, int, error) {
	out, total, err := w.objectionsDue(ctx, p, horizon, limit)
	if err != nil || w.S.Cases == nil {
		return out, total, err
	}
	for _, t := range []struct{ typ, url string }{{RectificationType, "/property/rectifications/%d"}, {MediationType, "/property/council#mediations"}} {
		url := t.url
		src := casework.WorkSource{Engine: w.S.Cases, Type: t.typ, Section: "property",
			URL: func(c casework.Case) string {
				if strings.Contains(url, "%d") {
					return fmt.Sprintf(url, c.ID)
				}
				return url
			}}
		items, n, err := src.Due(ctx, p, horizon, max(limit-len(out), 0))
		if err != nil {
			return nil, 0, err
		}
		out, total = append(out, items...), total+n
	}
	return out, total, nil
}
