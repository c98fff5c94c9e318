package property

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Campaign is an inspect–rectify campaign (大排查、大整治、大提升): a name, a
// period and a scope — the compounds under an org unit — with the checklist
// areas it inspects.
type Campaign struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	PeriodStart workday.Date `json:"period_start"`
	PeriodEnd   workday.Date `json:"period_end"`
	Areas       []string     `json:"areas" doc:"checklist areas inspected: contract, committee, duty"`
	UnitID      int64        `json:"unit_id" doc:"the scope: compounds under this org unit"`
	UnitName    string       `json:"unit_name"`
	OrgPath     string       `json:"-"`
	CreatedAt   time.Time    `json:"created_at"`
	Figures     Problems     `json:"figures"`
}

// CampaignInput starts a campaign.
type CampaignInput struct {
	Name        string   `json:"name"`
	PeriodStart string   `json:"period_start"`
	PeriodEnd   string   `json:"period_end"`
	UnitID      int64    `json:"unit_id" doc:"the scope (an org unit in the caller's jurisdiction)"`
	Areas       []string `json:"areas,omitempty" doc:"default: all three"`
}

// Problems are the figures "problems found / resolved", counted from the
// rectification cases.
type Problems struct {
	Found    int `json:"found" doc:"rectification cases opened for failed items"`
	Resolved int `json:"resolved" doc:"verified at re-inspection"`
	Open     int `json:"open"`
	Overdue  int `json:"overdue" doc:"open and past their deadline"`
}

// Inspection is one checklist item inspected at one compound.
type Inspection struct {
	ID          int64     `json:"id"`
	CampaignID  int64     `json:"campaign_id"`
	CompoundID  int64     `json:"compound_id"`
	Compound    string    `json:"compound"`
	ItemID      int64     `json:"item_id"`
	ItemCode    string    `json:"item_code"`
	ItemTitle   string    `json:"item_title"`
	Article     string    `json:"article" doc:"the clause of the regulations library the item cites"`
	Passed      bool      `json:"passed"`
	Note        string    `json:"note"`
	Photos      int       `json:"photos"`
	CaseID      int64     `json:"case_id,omitempty" doc:"the rectification case of a failed item"`
	CaseNumber  string    `json:"case_number,omitempty"`
	CaseState   string    `json:"case_state,omitempty"`
	InspectedAt time.Time `json:"inspected_at"`
}

// ResultInput records the inspection of one item at one compound.
type ResultInput struct {
	CompoundID int64  `json:"compound_id"`
	ItemID     int64  `json:"item_id"`
	Passed     bool   `json:"passed"`
	Note       string `json:"note,omitempty" doc:"what was found (required when failed)"`
	Party      string `json:"party,omitempty" doc:"who must rectify a failed item: company, committee or department; default by the item's area"`
	PartyName  string `json:"party_name,omitempty" doc:"the department's name (party department)"`
}

// Photo is a picture taken at an inspection.
type Photo struct {
	Name string
	Data []byte
}

// Party kinds responsible for a rectification.
var PartyKinds = []string{"company", "committee", "department"}

type rectification struct {
	CaseID, InspectionID, CampaignID, CompoundID, CompanyID int64
	PartyKind, PartyName, OrgPath                           string
	OverdueFact                                             int
}

const campaignSelect = `SELECT c.id, c.name, c.period_start, c.period_end, c.areas, c.org_unit_id, u.name, c.org_path, c.created_at
	FROM property_campaigns c JOIN org_units u ON u.id = c.org_unit_id`

func scanCampaign(sc interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var start, end, areas string
	if err := sc.Scan(&c.ID, &c.Name, &start, &end, &areas, &c.UnitID, &c.UnitName, &c.OrgPath, &c.CreatedAt); err != nil {
		return c, err
	}
	c.PeriodStart, _ = workday.ParseDate(start)
	c.PeriodEnd, _ = workday.ParseDate(end)
	c.Areas = strings.Split(areas, ",")
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// CreateCampaign starts a campaign over a unit in the caller's jurisdiction.
func (s *Service) CreateCampaign(ctx context.Context, in CampaignInput) (Campaign, error) {
	p := auth.FromContext(ctx)
	in.Name = strings.TrimSpace(in.Name)
	var fe fieldErrors
	add := func(e *fieldError) {
		if e != nil {
			fe = append(fe, e)
		}
	}
	add(checkText("name", in.Name, 100, true))
	start, e1 := parseDateField("period_start", in.PeriodStart)
	add(e1)
	end, e2 := parseDateField("period_end", in.PeriodEnd)
	add(e2)
	if e1 == nil && start.IsZero() {
		add(required("period_start"))
	}
	if e2 == nil && end.IsZero() {
		add(required("period_end"))
	} else if !start.IsZero() && end.Before(start) {
		add(ferr("period_end", "before_start", "结束日期早于开始日期", "the period ends before it starts"))
	}
	if len(in.Areas) == 0 {
		in.Areas = ChecklistAreas
	}
	for _, a := range in.Areas {
		if !contains(ChecklistAreas, a) {
			add(ferr("areas", "invalid", "检查领域无效", "unknown area"))
			break
		}
	}
	if in.UnitID == 0 {
		add(required("unit_id"))
	}
	if err := fe.err(); err != nil {
		return Campaign{}, err
	}
	u, err := s.Org.Get(ctx, p, in.UnitID)
	if errors.Is(err, db.ErrNotFound) {
		return Campaign{}, ferr("unit_id", "not_found", "单位不存在或不在您的辖区内", "no such unit in your jurisdiction")
	}
	if err != nil {
		return Campaign{}, err
	}
	if err := rule(p, cmdRunCampaign, target{Path: u.Path}); err != nil {
		return Campaign{}, err
	}
	var out Campaign
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO property_campaigns (name, period_start, period_end, areas, org_unit_id, org_path,
			created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Name, start.String(), end.String(),
			strings.Join(in.Areas, ","), u.ID, u.Path, nullID(p.UserID), s.stamp()).Scan(&id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: "property.campaign.create", ObjectType: "property_campaign",
			ObjectID: fmt.Sprint(id), Detail: in.Name, OrgPath: u.Path}); err != nil {
			return err
		}
		out, err = scanCampaign(tx.QueryRow(ctx, campaignSelect+` WHERE c.id = ?`, id))
		return err
	})
	return out, err
}

// campaignScope: a campaign reaches the staff whose jurisdiction covers its
// scope and those working inside it (a city campaign reaches every street).
func campaignScope(p *auth.Principal) (string, []any) {
	scope, args := p.ScopeSQL("c.org_path")
	if p == nil || p.OrgPath == "" {
		return scope, args
	}
	return "(" + scope + " OR substr(?, 1, length(c.org_path)) = c.org_path)", append(args, p.OrgPath)
}

// Campaign reads a campaign in the principal's jurisdiction, with its figures.
func (s *Service) Campaign(ctx context.Context, p *auth.Principal, id int64) (Campaign, error) {
	scope, args := campaignScope(p)
	c, err := scanCampaign(s.DB.QueryRow(ctx, campaignSelect+` WHERE c.id = ? AND `+scope, append([]any{id}, args...)...))
	if isNoRows(err) {
		return c, db.ErrNotFound
	}
	if err != nil {
		return c, err
	}
	c.Figures, err = s.Problems(ctx, p, id)
	return c, err
}

// Campaigns lists the campaigns in the principal's jurisdiction, newest first.
func (s *Service) Campaigns(ctx context.Context, p *auth.Principal) ([]Campaign, error) {
	scope, args := campaignScope(p)
	rows, err := s.DB.Query(ctx, campaignSelect+` WHERE `+scope+` ORDER BY c.period_start DESC, c.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Figures, err = s.Problems(ctx, p, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Problems counts the rectification cases in the principal's jurisdiction
// (of one campaign, or of all when campaignID is 0): found, resolved (verified),
// open and overdue.
func (s *Service) Problems(ctx context.Context, p *auth.Principal, campaignID int64) (Problems, error) {
	scope, args := p.ScopeSQL("r.org_path")
	where := scope
	if campaignID != 0 {
		where += " AND r.campaign_id = ?"
		args = append(args, campaignID)
	}
	now := s.stamp()
	var out Problems
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN c.state = ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.closed_at IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.closed_at IS NULL AND c.due_at IS NOT NULL AND c.due_at < ? THEN 1 ELSE 0 END), 0)
		FROM property_rectifications r JOIN cases c ON c.id = r.case_id
		WHERE c.state <> ? AND `+where, append([]any{RectVerified, now, RectCancelled}, args...)...).Scan(
		&out.Found, &out.Resolved, &out.Open, &out.Overdue)
	return out, err
}

// RecordResult records the inspection of one checklist item at a compound of
// the campaign. A failed item opens a rectification case on the case engine,
// assigned to the responsible party with its deadline; photos go with it.
func (s *Service) RecordResult(ctx context.Context, campaignID int64, in ResultInput, photos []Photo) (Inspection, error) {
	p := auth.FromContext(ctx)
	if s.Cases == nil {
		return Inspection{}, errNoEngine
	}
	camp, err := s.Campaign(ctx, p, campaignID)
	if err != nil {
		return Inspection{}, err
	}
	in.Note, in.PartyName = strings.TrimSpace(in.Note), strings.TrimSpace(in.PartyName)
	var fe fieldErrors
	cp, err := s.Compound(ctx, p, in.CompoundID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !strings.HasPrefix(cp.OrgPath, camp.OrgPath)) {
		fe = append(fe, ferr("compound_id", "not_found", "小区不在本次排查范围内", "no such compound in the campaign's scope"))
	} else if err != nil {
		return Inspection{}, err
	}
	var item ChecklistItem
	items, err := s.Checklist(ctx)
	if err != nil {
		return Inspection{}, err
	}
	for _, it := range items {
		if it.ID == in.ItemID && it.Active && contains(camp.Areas, it.Area) {
			item = it
		}
	}
	if item.ID == 0 {
		fe = append(fe, ferr("item_id", "invalid", "请选择本次排查的检查项", "choose an item of the campaign's checklist"))
	}
	if e := checkText("note", in.Note, 1000, !in.Passed); e != nil {
		fe = append(fe, e)
	}
	if !in.Passed && in.Party == "" && item.ID != 0 {
		in.Party = map[string]string{"contract": "company", "committee": "committee", "duty": "department"}[item.Area]
	}
	var companyID int64
	partyName := in.PartyName
	if !in.Passed && item.ID != 0 && cp.UnitID != 0 {
		switch in.Party {
		case "company":
			if cp.CompanyID == 0 {
				fe = append(fe, ferr("party", "no_company", "该小区没有物业企业，请选择其他责任方", "the compound has no property company; choose another party"))
			}
			companyID, partyName = cp.CompanyID, cp.CompanyName
		case "committee":
			partyName = cp.Name + "业主委员会"
		case "department":
			if partyName == "" {
				fe = append(fe, required("party_name"))
			}
		default:
			fe = append(fe, ferr("party", "invalid", "请选择责任方", "choose company, committee or department"))
		}
	}
	if err := fe.err(); err != nil {
		return Inspection{}, err
	}
	if err := rule(p, cmdInspect, target{Path: cp.OrgPath}); err != nil {
		return Inspection{}, err
	}
	var ins Inspection
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM property_inspections WHERE campaign_id = ? AND compound_id = ? AND item_id = ?`,
			camp.ID, cp.UnitID, item.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return conflictf("该小区的这一检查项已记录结果", "this item has already been inspected at this compound")
		}
		if err := tx.QueryRow(ctx, `INSERT INTO property_inspections (campaign_id, compound_id, item_id, org_path, passed, note, photos,
			inspector_id, inspected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, camp.ID, cp.UnitID, item.ID, cp.OrgPath,
			boolInt(in.Passed), in.Note, len(photos), nullID(p.UserID), s.stamp()).Scan(&ins.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: "property.inspection.record", ObjectType: "property_inspection",
			ObjectID: fmt.Sprint(ins.ID), Detail: fmt.Sprintf("%s passed=%v", item.Code, in.Passed), OrgPath: cp.OrgPath}); err != nil {
			return err
		}
		if in.Passed {
			return nil
		}
		// A failed item and its rectification case (with the photos)
		// are one command: all of it is written, or none.
		return s.openRectification(ctx, tx, camp, cp, item, ins.ID, in, companyID, partyName, photos)
	})
	if err != nil {
		return Inspection{}, err
	}
	return s.inspection(ctx, p, ins.ID)
}

// openRectification creates the case of a failed item in tx and links it.
func (s *Service) openRectification(ctx context.Context, tx *db.Tx, camp Campaign, cp Compound, item ChecklistItem, insID int64, in ResultInput,
	companyID int64, partyName string, photos []Photo) error {
	c, err := s.Cases.CreateTx(ctx, tx, casework.NewCase{Type: RectificationType, OrgUnitID: cp.UnitID, CompoundID: cp.UnitID,
		Category: item.Area, Kind: in.Party, Channel: "inspection", Title: item.Code + " " + item.Title, Body: in.Note,
		PartyName: partyName, Address: cp.Address,
		Data:      map[string]any{"campaign": camp.Name, "item": item.Code, "article": item.Regulation + " " + item.Article},
		EventText: fmt.Sprintf("%s检查发现问题，责成%s限期整改", camp.Name, partyName)})
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO property_rectifications (case_id, inspection_id, campaign_id, compound_id, party_kind,
		party_name, company_id, org_path, overdue_fact) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`, c.ID, insID, camp.ID, cp.UnitID,
		in.Party, partyName, nullID(companyID), cp.OrgPath); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE property_inspections SET case_id = ? WHERE id = ?`, c.ID, insID); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, audit.Entry{Action: "property.rectification.open", ObjectType: "case", ObjectID: fmt.Sprint(c.ID),
		Detail: c.Number + " → " + partyName, OrgPath: cp.OrgPath}); err != nil {
		return err
	}
	for _, ph := range photos {
		if _, err := s.Cases.AttachTx(ctx, tx, c.ID, ph.Name, ph.Data, false); err != nil {
			return err
		}
	}
	return nil
}

const inspectionSelect = `SELECT i.id, i.campaign_id, i.compound_id, u.name, i.item_id, ci.code, ci.title, ci.article, i.passed, i.note,
	i.photos, COALESCE(i.case_id, 0), COALESCE(c.number, ''), COALESCE(c.state, ''), i.inspected_at
	FROM property_inspections i JOIN org_units u ON u.id = i.compound_id JOIN property_checklist_items ci ON ci.id = i.item_id
	LEFT JOIN cases c ON c.id = i.case_id`

func scanInspection(sc interface{ Scan(...any) error }) (Inspection, error) {
	var i Inspection
	var passed int
	err := sc.Scan(&i.ID, &i.CampaignID, &i.CompoundID, &i.Compound, &i.ItemID, &i.ItemCode, &i.ItemTitle, &i.Article, &passed,
		&i.Note, &i.Photos, &i.CaseID, &i.CaseNumber, &i.CaseState, &i.InspectedAt)
	i.Passed, i.InspectedAt = passed == 1, i.InspectedAt.UTC()
	return i, err
}

func (s *Service) inspection(ctx context.Context, p *auth.Principal, id int64) (Inspection, error) {
	scope, args := p.ScopeSQL("i.org_path")
	i, err := scanInspection(s.DB.QueryRow(ctx, inspectionSelect+` WHERE i.id = ? AND `+scope, append([]any{id}, args...)...))
	if isNoRows(err) {
		return i, db.ErrNotFound
	}
	return i, err
}

// Inspections lists a campaign's results in the principal's jurisdiction.
func (s *Service) Inspections(ctx context.Context, p *auth.Principal, campaignID int64) ([]Inspection, error) {
	scope, args := p.ScopeSQL("i.org_path")
	rows, err := s.DB.Query(ctx, inspectionSelect+` WHERE i.campaign_id = ? AND `+scope+` ORDER BY u.name, ci.code LIMIT 1000`,
		append([]any{campaignID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Inspection{}
	for rows.Next() {
		i, err := scanInspection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Rectification is a rectification case as the module shows it.
type Rectification struct {
	Case       casework.Case         `json:"case"`
	PartyKind  string                `json:"party_kind" doc:"company, committee or department"`
	PartyName  string                `json:"party_name"`
	CompanyID  int64                 `json:"company_id,omitempty"`
	CampaignID int64                 `json:"campaign_id"`
	Events     []casework.Event      `json:"events"`
	Photos     []casework.Attachment `json:"photos" doc:"photos taken at the inspection"`
	Allowed    []string              `json:"allowed" doc:"the actions the caller may take now"`
	Overdue    bool                  `json:"overdue"`
}

// Rectification reads case id as the principal sees it: staff whose
// jurisdiction covers the compound, or an account of the responsible company.
func (s *Service) Rectification(ctx context.Context, id int64) (Rectification, context.Context, error) {
	if s.Cases == nil {
		return Rectification{}, ctx, errNoEngine
	}
	r, err := s.rectRow(ctx, s.DB, id)
	if err != nil {
		return Rectification{}, ctx, err
	}
	ctx, err = s.rectAccess(ctx, r)
	if err != nil {
		return Rectification{}, ctx, err
	}
	c, err := s.Cases.Get(ctx, id)
	if err != nil {
		return Rectification{}, ctx, err
	}
	out := Rectification{Case: c, PartyKind: r.PartyKind, PartyName: r.PartyName, CompanyID: r.CompanyID, CampaignID: r.CampaignID,
		Overdue: c.Overdue(s.now())}
	if out.Events, err = s.Cases.Timeline(ctx, id); err != nil {
		return out, ctx, err
	}
	// The photos belong to whoever may see the case (rectAccess above): the
	// responsible company sees the photos of its own problem.
	if out.Photos, err = s.Cases.Attachments(auth.WithPrincipal(ctx, auth.System("property")), id); err != nil {
		return out, ctx, err
	}
	if out.Photos == nil {
		out.Photos = []casework.Attachment{}
	}
	out.Allowed = s.Cases.AllowedNames(ctx, &c)
	if auth.FromContext(ctx).Role == auth.Company {
		out.Case = c.Masked()
	}
	return out, ctx, nil
}

// rectAccess is the one rule of who reaches a rectification: a company
// account reaches its own company's cases only (the engine is then told the
// account proved itself the party); staff reach what their scope covers (the
// engine checks). Anyone else: not found.
func (s *Service) rectAccess(ctx context.Context, r rectification) (context.Context, error) {
	p := auth.FromContext(ctx)
	if p.Role != auth.Company {
		return ctx, nil
	}
	own, err := s.companyOf(ctx, p)
	if err != nil {
		return ctx, err
	}
	if own == 0 || own != r.CompanyID {
		return ctx, db.ErrNotFound
	}
	return casework.WithPartyProof(ctx, r.CaseID), nil
}

// ActOnRectification takes an action on a rectification case.
func (s *Service) ActOnRectification(ctx context.Context, id int64, version int, action string, in casework.Input) (Rectification, error) {
	if s.Cases == nil {
		return Rectification{}, errNoEngine
	}
	r, err := s.rectRow(ctx, s.DB, id)
	if err != nil {
		return Rectification{}, err
	}
	ctx, err = s.rectAccess(ctx, r)
	if err != nil {
		return Rectification{}, err
	}
	if _, err := s.Cases.Act(ctx, id, version, action, in); err != nil {
		return Rectification{}, err
	}
	out, _, err := s.Rectification(ctx, id)
	return out, err
}

// rectOrders is the company portal's OrderSource: the rectification cases
// whose responsible party is the company, and only those.
type rectOrders struct{ s *Service }

func (o rectOrders) CompanyOrders(ctx context.Context, companyID int64, limit int) ([]Order, error) {
	rows, err := o.s.DB.Query(ctx, `SELECT c.id, c.number, c.title, u.name, c.due_at, c.state, c.version
		FROM property_rectifications r JOIN cases c ON c.id = r.case_id JOIN org_units u ON u.id = r.compound_id
		WHERE r.company_id = ? ORDER BY c.closed_at IS NOT NULL, c.id DESC LIMIT ?`, companyID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Order{}
	for rows.Next() {
		var od Order
		var due sql.NullTime
		if err := rows.Scan(&od.ID, &od.Number, &od.Title, &od.Compound, &due, &od.State, &od.Version); err != nil {
			return nil, err
		}
		if due.Valid {
			od.Due = due.Time.UTC()
		}
		od.URL = fmt.Sprintf("/property/my#order-%d", od.ID)
		out = append(out, od)
	}
	return out, rows.Err()
}

// SweepOverdue records a deduction fact (rectification_overdue) for each
// company rectification still not answered after its deadline, once per
// case. It runs as a background job and returns how many it recorded.
func (s *Service) SweepOverdue(ctx context.Context) (int, error) {
	now := s.stamp()
	rows, err := s.DB.Query(ctx, `SELECT r.case_id, c.number, r.company_id, r.compound_id, c.title, c.stage_due_at
		FROM property_rectifications r JOIN cases c ON c.id = r.case_id
		WHERE r.company_id IS NOT NULL AND r.overdue_fact = 0 AND c.state = ? AND c.stage_due_at IS NOT NULL AND c.stage_due_at < ?
		ORDER BY r.case_id LIMIT 500`, RectRectifying, now)
	if err != nil {
		return 0, err
	}
	type due struct {
		id, company, compound int64
		number, title         string
		at                    time.Time
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.number, &d.company, &d.compound, &d.title, &d.at); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	sys := auth.WithPrincipal(ctx, auth.System("property"))
	n := 0
	for _, d := range list {
		err := s.DB.Tx(sys, func(tx *db.Tx) error {
			res, err := tx.Exec(sys, `UPDATE property_rectifications SET overdue_fact = 1 WHERE case_id = ? AND overdue_fact = 0`, d.id)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			_, err = s.RecordFact(sys, tx, FactInput{CompanyID: d.company, CompoundID: d.compound, SourceType: "rectification",
				SourceID: d.number, Kind: "rectification_overdue", OccurredOn: cityDate(d.at).String(), Verified: true,
				Note: d.title})
			n++
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// RunOverdueSweep runs SweepOverdue every interval until ctx ends.
func (s *Service) RunOverdueSweep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.SweepOverdue(ctx); err != nil && ctx.Err() == nil {
			slog.Error("property: overdue rectifications", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
