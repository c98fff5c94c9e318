package property

import (
	"context"
	"io"
	"net/url"
	"strconv"

	"anju/internal/casework"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/web"

	"github.com/xuri/excelize/v2"
)

// RectFilter selects rectification cases for the ledger (整改台账): the
// engine's filter (state, party kind as kind, district or street as unit,
// due=overdue, from/to, q, sort, paging) plus the campaign.
type RectFilter struct {
	casework.Filter
	CampaignID int64
}

// ParseRectFilter reads a ledger filter from query parameters: those of
// casework.ParseFilter and campaign (an id).
func ParseRectFilter(v url.Values) (RectFilter, error) {
	f, err := casework.ParseFilter(v)
	var errs casework.FieldErrors
	if err != nil {
		if fe, ok := err.(casework.FieldErrors); ok {
			errs = fe
		} else {
			return RectFilter{}, err
		}
	}
	f.Type = RectificationType
	out := RectFilter{Filter: f}
	if s := v.Get("campaign"); s != "" {
		id, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil || id <= 0 {
			errs = append(errs, casework.Invalid("campaign", "invalid", "专项行动无效", "invalid campaign"))
		}
		out.CampaignID = id
	}
	return out, errs.OrNil()
}

// Values is the filter as query parameters (without paging and type).
func (f RectFilter) Values() url.Values {
	v := f.Filter.Values()
	v.Del("type")
	if f.CampaignID != 0 {
		v.Set("campaign", strconv.FormatInt(f.CampaignID, 10))
	}
	return v
}

// RectRow is one line of the rectification ledger.
type RectRow struct {
	Case       casework.Case `json:"case"`
	CampaignID int64         `json:"campaign_id"`
	Campaign   string        `json:"campaign"`
	PartyKind  string        `json:"party_kind"`
	PartyName  string        `json:"party_name"`
	Overdue    bool          `json:"overdue"`
}

// RectificationLedger returns every rectification case f selects among
// those the principal of ctx may see (no paging), in the filter's order.
// The list and the export both come from here, so they hold the same rows.
func (s *Service) RectificationLedger(ctx context.Context, f RectFilter) ([]RectRow, error) {
	if s.Cases == nil {
		return nil, errNoEngine
	}
	p := auth.FromContext(ctx)
	if p == nil || !(p.Role.IsStaff() || p.Role == auth.SystemRole) {
		return []RectRow{}, nil
	}
	type meta struct {
		campaign        int64
		name, kind, pty string
	}
	scope, args := p.ScopeSQL("r.org_path")
	q := `SELECT r.case_id, r.campaign_id, k.name, r.party_kind, r.party_name FROM property_rectifications r
		JOIN property_campaigns k ON k.id = r.campaign_id WHERE ` + scope
	if f.CampaignID != 0 {
		q += ` AND r.campaign_id = ?`
		args = append(args, f.CampaignID)
	}
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	metas := map[int64]meta{}
	for rows.Next() {
		var id int64
		var m meta
		if err := rows.Scan(&id, &m.campaign, &m.name, &m.kind, &m.pty); err != nil {
			rows.Close()
			return nil, err
		}
		metas[id] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cf := f.Filter
	cf.Type = RectificationType
	now := s.now()
	out := []RectRow{}
	err = s.Cases.Each(ctx, cf, casework.MaxExportRows, func(c casework.Case) error {
		m, ok := metas[c.ID]
		if !ok {
			return nil
		}
		out = append(out, RectRow{Case: c, CampaignID: m.campaign, Campaign: m.name, PartyKind: m.kind, PartyName: m.pty,
			Overdue: c.Overdue(now)})
		return nil
	})
	return out, err
}

// ExportRectifications writes exactly the ledger rows f selects as an
// .xlsx sheet and records the export in the audit log; it returns how many
// rows it wrote.
func (s *Service) ExportRectifications(ctx context.Context, f RectFilter, l web.Lang, w io.Writer) (int, error) {
	rows, err := s.RectificationLedger(ctx, f)
	if err != nil {
		return 0, err
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := web.T(l, "property.ledger.rect.sheet")
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	head := []any{}
	for _, k := range rectColumns {
		head = append(head, web.T(l, "property.ledger.col."+k))
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	_ = sw.SetColWidth(1, 1, 20)
	_ = sw.SetColWidth(6, 6, 40)
	if err := sw.SetRow("A1", head, excelize.RowOpts{StyleID: bold}); err != nil {
		return 0, err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, rectCells(l, r)); err != nil {
			return 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	buf, err := x.WriteToBuffer()
	if err != nil {
		return 0, err
	}
	if err := audit.RecordAlone(ctx, s.DB, audit.Entry{Action: RectificationType + ".export", ObjectType: "case",
		Detail: f.Values().Encode() + " → " + strconv.Itoa(len(rows)) + " rows"}); err != nil {
		return 0, err
	}
	_, err = buf.WriteTo(w)
	return len(rows), err
}

var rectColumns = []string{"number", "received", "campaign", "compound", "area", "title", "party_kind", "party",
	"state", "due", "overdue", "closed", "supervised"}

func rectCells(l web.Lang, r RectRow) []any {
	c := r.Case
	yes := func(b bool) string {
		if b {
			return web.T(l, "common.yes")
		}
		return ""
	}
	day := func(t interface{ IsZero() bool }, s string) string {
		if t.IsZero() {
			return ""
		}
		return s
	}
	return []any{c.Number, c.ReceivedAt.In(web.Location).Format("2006-01-02 15:04"), r.Campaign, c.UnitName,
		web.T(l, "property.area."+c.Category), c.Title, web.T(l, "property.party."+r.PartyKind), r.PartyName,
		web.T(l, "property.rect.state."+c.State), day(c.DueAt, c.DueAt.In(web.Location).Format("2006-01-02")), yes(r.Overdue),
		day(c.ClosedAt, c.ClosedAt.In(web.Location).Format("2006-01-02")), yes(c.Flags.Has(casework.FlagSupervised))}
}
