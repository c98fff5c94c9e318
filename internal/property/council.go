package property

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// Meeting is a joint meeting of a compound's four-party council (四位一体):
// the community party organisation, the residents' committee, the owners'
// committee and the property company.
type Meeting struct {
	ID          int64        `json:"id"`
	CompoundID  int64        `json:"compound_id"`
	Compound    string       `json:"compound"`
	HeldOn      workday.Date `json:"held_on"`
	Agenda      string       `json:"agenda"`
	Attendance  Attendance   `json:"attendance"`
	Minutes     string       `json:"minutes"`
	Resolutions []Resolution `json:"resolutions"`
	OrgPath     string       `json:"-"`
	CreatedAt   time.Time    `json:"created_at"`
}

// Attendance of each party at a meeting.
type Attendance struct {
	Party     bool `json:"party" doc:"community party organisation (社区党组织)"`
	Residents bool `json:"residents" doc:"residents' committee (社居委)"`
	Committee bool `json:"committee" doc:"owners' committee (业委会)"`
	Company   bool `json:"company" doc:"property company (物业企业)"`
}

// Resolution is a decision of a meeting with its owner and deadline.
type Resolution struct {
	ID    int64        `json:"id"`
	Text  string       `json:"text"`
	Owner string       `json:"owner"`
	DueOn workday.Date `json:"due_on"`
	Done  bool         `json:"done"`
}

// MeetingInput records a meeting.
type MeetingInput struct {
	CompoundID  int64             `json:"compound_id"`
	HeldOn      string            `json:"held_on"`
	Agenda      string            `json:"agenda"`
	Attendance  Attendance        `json:"attendance"`
	Minutes     string            `json:"minutes"`
	Resolutions []ResolutionInput `json:"resolutions,omitempty"`
}

// ResolutionInput is one resolution of a meeting.
type ResolutionInput struct {
	Text  string `json:"text"`
	Owner string `json:"owner"`
	DueOn string `json:"due_on"`
}

// RecordMeeting records a council meeting of a compound in scope.
func (s *Service) RecordMeeting(ctx context.Context, in MeetingInput) (Meeting, error) {
	p := auth.FromContext(ctx)
	in.Agenda, in.Minutes = strings.TrimSpace(in.Agenda), strings.TrimSpace(in.Minutes)
	var fe fieldErrors
	add := func(e *fieldError) {
		if e != nil {
			fe = append(fe, e)
		}
	}
	held, e := parseDateField("held_on", in.HeldOn)
	add(e)
	if e == nil && held.IsZero() {
		add(required("held_on"))
	}
	add(checkText("agenda", in.Agenda, 2000, true))
	add(checkText("minutes", in.Minutes, 10000, true))
	type res struct {
		text, owner string
		due         workday.Date
	}
	var rs []res
	for i, r := range in.Resolutions {
		r.Text, r.Owner = strings.TrimSpace(r.Text), strings.TrimSpace(r.Owner)
		if r.Text == "" && r.Owner == "" && r.DueOn == "" {
			continue
		}
		f := fmt.Sprintf("resolutions.%d", i)
		add(checkText(f+".text", r.Text, 500, true))
		add(checkText(f+".owner", r.Owner, 100, true))
		d, e := parseDateField(f+".due_on", r.DueOn)
		add(e)
		if e == nil && d.IsZero() {
			add(required(f + ".due_on"))
		}
		rs = append(rs, res{r.Text, r.Owner, d})
	}
	u, err := s.compoundUnit(ctx, p, in.CompoundID)
	if errors.Is(err, db.ErrNotFound) {
		add(ferr("compound_id", "not_found", "小区不存在或不在您的辖区内", "no such compound in your jurisdiction"))
	} else if err != nil {
		return Meeting{}, err
	}
	if err := fe.err(); err != nil {
		return Meeting{}, err
	}
	if err := rule(p, cmdCouncil, target{Path: u.Path}); err != nil {
		return Meeting{}, err
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		a := in.Attendance
		if err := tx.QueryRow(ctx, `INSERT INTO property_council_meetings (compound_id, org_path, held_on, agenda, attend_party,
			attend_residents, attend_committee, attend_company, minutes, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.ID, u.Path, held.String(), in.Agenda, boolInt(a.Party),
			boolInt(a.Residents), boolInt(a.Committee), boolInt(a.Company), in.Minutes, nullID(p.UserID), s.stamp()).Scan(&id); err != nil {
			return err
		}
		for _, r := range rs {
			if _, err := tx.Exec(ctx, `INSERT INTO property_council_resolutions (meeting_id, org_path, text, owner, due_on, done)
				VALUES (?, ?, ?, ?, ?, 0)`, id, u.Path, r.text, r.owner, r.due.String()); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.council.meeting", ObjectType: "property_meeting",
			ObjectID: fmt.Sprint(id), Detail: fmt.Sprintf("%s %s", u.Name, held), OrgPath: u.Path})
	})
	if err != nil {
		return Meeting{}, err
	}
	return s.Meeting(ctx, p, id)
}

const meetingSelect = `SELECT m.id, m.compound_id, u.name, m.held_on, m.agenda, m.attend_party, m.attend_residents, m.attend_committee,
	m.attend_company, m.minutes, m.org_path, m.created_at FROM property_council_meetings m JOIN org_units u ON u.id = m.compound_id`

func scanMeeting(sc interface{ Scan(...any) error }) (Meeting, error) {
	var m Meeting
	var held string
	var a, b, c, d int
	err := sc.Scan(&m.ID, &m.CompoundID, &m.Compound, &held, &m.Agenda, &a, &b, &c, &d, &m.Minutes, &m.OrgPath, &m.CreatedAt)
	m.HeldOn, _ = workday.ParseDate(held)
	m.Attendance = Attendance{a == 1, b == 1, c == 1, d == 1}
	m.CreatedAt = m.CreatedAt.UTC()
	m.Resolutions = []Resolution{}
	return m, err
}

// Meeting reads a meeting in the principal's jurisdiction with its resolutions.
func (s *Service) Meeting(ctx context.Context, p *auth.Principal, id int64) (Meeting, error) {
	scope, args := p.ScopeSQL("m.org_path")
	m, err := scanMeeting(s.DB.QueryRow(ctx, meetingSelect+` WHERE m.id = ? AND `+scope, append([]any{id}, args...)...))
	if isNoRows(err) {
		return m, db.ErrNotFound
	}
	if err != nil {
		return m, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, text, owner, due_on, done FROM property_council_resolutions WHERE meeting_id = ? ORDER BY id`, id)
	if err != nil {
		return m, err
	}
	defer rows.Close()
	for rows.Next() {
		var r Resolution
		var due string
		var done int
		if err := rows.Scan(&r.ID, &r.Text, &r.Owner, &due, &done); err != nil {
			return m, err
		}
		r.DueOn, _ = workday.ParseDate(due)
		r.Done = done == 1
		m.Resolutions = append(m.Resolutions, r)
	}
	return m, rows.Err()
}

// Meetings lists the meetings in the principal's jurisdiction, newest first.
func (s *Service) Meetings(ctx context.Context, p *auth.Principal, limit int) ([]Meeting, error) {
	scope, args := p.ScopeSQL("m.org_path")
	rows, err := s.DB.Query(ctx, meetingSelect+` WHERE `+scope+` ORDER BY m.held_on DESC, m.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Meeting{}
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// DisputeInput brings a dispute to a compound's council for mediation.
type DisputeInput struct {
	CompoundID int64  `json:"compound_id"`
	Title      string `json:"title"`
	Body       string `json:"body"`
	PartyName  string `json:"party_name,omitempty" doc:"who brought it"`
	MeetingID  int64  `json:"meeting_id,omitempty" doc:"the meeting that took it up, if any"`
}

// BringDispute opens a mediation case of the compound.
func (s *Service) BringDispute(ctx context.Context, in DisputeInput) (casework.Case, error) {
	p := auth.FromContext(ctx)
	if s.Cases == nil {
		return casework.Case{}, errNoEngine
	}
	in.Title, in.Body, in.PartyName = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body), strings.TrimSpace(in.PartyName)
	var fe fieldErrors
	add := func(e *fieldError) {
		if e != nil {
			fe = append(fe, e)
		}
	}
	add(checkText("title", in.Title, 100, true))
	add(checkText("body", in.Body, 4000, true))
	add(checkText("party_name", in.PartyName, 64, false))
	u, err := s.compoundUnit(ctx, p, in.CompoundID)
	if errors.Is(err, db.ErrNotFound) {
		add(ferr("compound_id", "not_found", "小区不存在或不在您的辖区内", "no such compound in your jurisdiction"))
	} else if err != nil {
		return casework.Case{}, err
	}
	if in.MeetingID != 0 {
		if m, err := s.Meeting(ctx, p, in.MeetingID); err != nil || m.CompoundID != in.CompoundID {
			add(ferr("meeting_id", "not_found", "该小区没有这次会议", "no such meeting of the compound"))
		}
	}
	if err := fe.err(); err != nil {
		return casework.Case{}, err
	}
	if err := rule(p, cmdCouncil, target{Path: u.Path}); err != nil {
		return casework.Case{}, err
	}
	data := map[string]any{}
	if in.MeetingID != 0 {
		data["meeting_id"] = in.MeetingID
	}
	return s.Cases.Create(ctx, casework.NewCase{Type: MediationType, OrgUnitID: u.ID, CompoundID: u.ID, Channel: "council",
		Category: "dispute", Title: in.Title, Body: in.Body, PartyName: in.PartyName, Data: data,
		EventText: "提交四位一体联席会议调解"})
}

// Mediation reads a mediation case as the principal sees it.
func (s *Service) Mediation(ctx context.Context, id int64) (casework.Case, []string, error) {
	if s.Cases == nil {
		return casework.Case{}, nil, errNoEngine
	}
	c, err := s.Cases.Get(ctx, id)
	if err == nil && c.Type != MediationType {
		err = db.ErrNotFound
	}
	if err != nil {
		return c, nil, err
	}
	return c, s.Cases.AllowedNames(ctx, &c), nil
}

// ActOnMediation takes an action (settle_building, settle_community,
// settle_street, settle_above, close_unsettled) on a mediation case.
func (s *Service) ActOnMediation(ctx context.Context, id int64, version int, action string, in casework.Input) (casework.Case, error) {
	if _, _, err := s.Mediation(ctx, id); err != nil {
		return casework.Case{}, err
	}
	return s.Cases.Act(ctx, id, version, action, in)
}

// Mediations lists the mediation cases in the principal's jurisdiction.
func (s *Service) Mediations(ctx context.Context, p *auth.Principal, limit int) ([]casework.Case, error) {
	scope, args := p.ScopeSQL("c.org_path")
	rows, err := s.DB.Query(ctx, `SELECT c.id FROM cases c WHERE c.type = ? AND `+scope+` ORDER BY c.id DESC LIMIT ?`,
		append(append([]any{MediationType}, args...), limit)...)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := []casework.Case{}
	for _, id := range ids {
		c, err := s.Cases.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Settlement is the share of disputes settled at each level: the goal is
// 小事不出楼栋，矛盾不出社区 (small matters within the building, disputes
// within the community).
type Settlement struct {
	Disputes          int     `json:"disputes" doc:"mediation cases brought to the councils"`
	Settled           int     `json:"settled"`
	Building          int     `json:"building"`
	Community         int     `json:"community"`
	Street            int     `json:"street"`
	Above             int     `json:"above"`
	Unsettled         int     `json:"unsettled"`
	Open              int     `json:"open"`
	WithinBuilding    float64 `json:"within_building" doc:"share of closed disputes settled within the building, 0–1"`
	WithinCommunity   float64 `json:"within_community" doc:"share of closed disputes settled within the community (building or community level), 0–1"`
	ClosedForShares   int     `json:"closed" doc:"the denominator: mediations closed, settled or not"`
	WithinBuildingPct string  `json:"-"`
	WithinCommunPct   string  `json:"-"`
}

// Settlements counts the mediation cases in the principal's jurisdiction by
// the level they were settled at.
func (s *Service) Settlements(ctx context.Context, p *auth.Principal) (Settlement, error) {
	scope, args := p.ScopeSQL("c.org_path")
	rows, err := s.DB.Query(ctx, `SELECT COALESCE(c.closed_reason, ''), COUNT(*) FROM cases c WHERE c.type = ? AND `+scope+`
		GROUP BY COALESCE(c.closed_reason, '')`, append([]any{MediationType}, args...)...)
	if err != nil {
		return Settlement{}, err
	}
	defer rows.Close()
	var out Settlement
	for rows.Next() {
		var reason string
		var n int
		if err := rows.Scan(&reason, &n); err != nil {
			return out, err
		}
		out.Disputes += n
		switch reason {
		case "building":
			out.Building += n
		case "community":
			out.Community += n
		case "street":
			out.Street += n
		case "above":
			out.Above += n
		case "unsettled":
			out.Unsettled += n
		default:
			out.Open += n
		}
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	out.Settled = out.Building + out.Community + out.Street + out.Above
	out.ClosedForShares = out.Settled + out.Unsettled
	if out.ClosedForShares > 0 {
		out.WithinBuilding = float64(out.Building) / float64(out.ClosedForShares)
		out.WithinCommunity = float64(out.Building+out.Community) / float64(out.ClosedForShares)
	}
	out.WithinBuildingPct = fmt.Sprintf("%.1f%%", out.WithinBuilding*100)
	out.WithinCommunPct = fmt.Sprintf("%.1f%%", out.WithinCommunity*100)
	return out, nil
}

// Figures are the module's supervision figures from live data.
type Figures struct {
	Problems   Problems   `json:"problems" doc:"problems found / resolved, from the rectification cases"`
	Settlement Settlement `json:"settlement" doc:"council mediations by the level they were settled at"`
}

// Figures computes the figures for the principal's jurisdiction.
func (s *Service) Figures(ctx context.Context, p *auth.Principal) (Figures, error) {
	var f Figures
	var err error
	if f.Problems, err = s.Problems(ctx, p, 0); err != nil {
		return f, err
	}
	f.Settlement, err = s.Settlements(ctx, p)
	return f, err
}

// ResolveResolution marks resolution rid of meeting id done (the follow-up
// of the council's decisions), in the caller's jurisdiction.
func (s *Service) ResolveResolution(ctx context.Context, id, rid int64) (Meeting, error) {
	p := auth.FromContext(ctx)
	m, err := s.Meeting(ctx, p, id)
	if err != nil {
		return m, err
	}
	if err := rule(p, cmdCouncil, target{Path: m.OrgPath}); err != nil {
		return m, err
	}
	found := false
	for _, r := range m.Resolutions {
		if r.ID == rid {
			found = true
			if r.Done {
				return m, conflictf("该决议已办结", "the resolution is already done")
			}
		}
	}
	if !found {
		return m, db.ErrNotFound
	}
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE property_council_resolutions SET done = 1 WHERE id = ? AND meeting_id = ?`, rid, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.council.resolution_done", ObjectType: "property_meeting",
			ObjectID: fmt.Sprint(id), Detail: fmt.Sprintf("resolution %d done", rid), OrgPath: m.OrgPath})
	})
	if err != nil {
		return m, err
	}
	return s.Meeting(ctx, p, id)
}
