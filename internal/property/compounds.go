package property

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/org"
	"anju/internal/platform/workday"
)

// Compound is a compound of the org tree with its registry record: the
// property service, the owners' committee, party work and the four-party
// council. Registered is false while no record has been saved; such a
// compound counts as lacking all three.
type Compound struct {
	UnitID  int64  `json:"id" doc:"the org unit id of the compound"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	OrgPath string `json:"-"`
	// CommunityID is the compound's parent unit.
	CommunityID int64    `json:"community_id"`
	Community   string   `json:"community"`
	Street      string   `json:"street"`
	District    string   `json:"district"`
	Lat         *float64 `json:"lat,omitempty"`
	Lng         *float64 `json:"lng,omitempty"`
	Buildings   int      `json:"buildings"`

	Registered        bool         `json:"registered"`
	Address           string       `json:"address"`
	Households        int          `json:"households"`
	YearBuilt         int          `json:"year_built,omitempty"`
	Old               bool         `json:"old_compound" doc:"老旧小区"`
	ServiceType       string       `json:"service_type" doc:"company, self or none"`
	CompanyID         int64        `json:"company_id,omitempty"`
	CompanyName       string       `json:"company_name,omitempty"`
	CompanyCode       string       `json:"company_credit_code,omitempty"`
	ContractScope     string       `json:"contract_scope"`
	FeeStandard       string       `json:"fee_standard"`
	ContractStart     workday.Date `json:"contract_start,omitzero"`
	ContractEnd       workday.Date `json:"contract_end,omitzero"`
	CommitteeFormed   bool         `json:"committee_formed"`
	CommitteeFormedOn workday.Date `json:"committee_formed_on,omitzero"`
	CommitteeTermEnd  workday.Date `json:"committee_term_end,omitzero"`
	PartyBranch       bool         `json:"party_branch" doc:"a party organisation in the compound"`
	Council           bool         `json:"council" doc:"four-party council (四位一体) set up"`
	CouncilSince      workday.Date `json:"council_since,omitzero"`
	Version           int          `json:"version"`
	UpdatedAt         time.Time    `json:"updated_at"`

	// The three coverage measures on the as-of date (see coverage_sql.go).
	HasService   bool `json:"has_service"`
	HasCommittee bool `json:"has_committee"`
	HasParty     bool `json:"has_party"`
}

// Location is the compound's position as pages show it (WGS-84).
func (c Compound) Location() string {
	if c.Lat == nil || c.Lng == nil {
		return ""
	}
	return fmt.Sprintf("%.5f, %.5f", *c.Lat, *c.Lng)
}

// Service types.
const (
	serviceCompany = "company"
	serviceSelf    = "self"
	serviceNone    = "none"
)

var serviceTypes = []string{serviceCompany, serviceSelf, serviceNone}

// compoundSelect reads compounds from the tree with their records; it takes
// the as-of date three times over (arguments first).
func compoundSelect(asOf workday.Date) (string, []any) {
	svc, a1 := serviceSQL(asOf)
	com, a2 := committeeSQL(asOf)
	par, a3 := partySQL(asOf)
	q := `SELECT u.id, u.code, u.name, u.path, u.parent_id, cm.name, st.name, di.name, u.lat, u.lng,
		(SELECT COUNT(*) FROM org_units b WHERE b.parent_id = u.id),
		pc.org_unit_id IS NOT NULL, COALESCE(pc.address, ''), COALESCE(pc.households, 0), pc.year_built, COALESCE(pc.old_compound, 0),
		COALESCE(pc.service_type, 'none'), pc.company_id, COALESCE(co.name, ''), COALESCE(co.credit_code, ''),
		COALESCE(pc.contract_scope, ''), COALESCE(pc.fee_standard, ''), pc.contract_start, pc.contract_end,
		COALESCE(pc.committee_formed, 0), pc.committee_formed_on, pc.committee_term_end,
		COALESCE(pc.party_branch, 0), COALESCE(pc.council, 0), pc.council_since, COALESCE(pc.version, 0), pc.updated_at,
		` + flagSQL(svc) + `, ` + flagSQL(com) + `, ` + flagSQL(par)
	return q, append(append(a1, a2...), a3...)
}

const compoundFrom = ` FROM org_units u
	JOIN org_units cm ON cm.id = u.parent_id
	JOIN org_units st ON st.id = cm.parent_id
	JOIN org_units di ON di.id = st.parent_id
	LEFT JOIN property_compounds pc ON pc.org_unit_id = u.id
	LEFT JOIN property_companies co ON co.id = pc.company_id`

func scanCompound(sc interface{ Scan(...any) error }) (Compound, error) {
	var (
		c                                    Compound
		lat, lng                             sql.NullFloat64
		registered                           any
		year, company                        sql.NullInt64
		old, formed, party, council          int
		cs, ce, fo, te, since                sql.NullString
		updated                              sql.NullTime
		hasService, hasCommittee, hasPartyWk int
	)
	err := sc.Scan(&c.UnitID, &c.Code, &c.Name, &c.OrgPath, &c.CommunityID, &c.Community, &c.Street, &c.District, &lat, &lng, &c.Buildings,
		&registered, &c.Address, &c.Households, &year, &old, &c.ServiceType, &company, &c.CompanyName, &c.CompanyCode,
		&c.ContractScope, &c.FeeStandard, &cs, &ce, &formed, &fo, &te, &party, &council, &since, &c.Version, &updated,
		&hasService, &hasCommittee, &hasPartyWk)
	if err != nil {
		return Compound{}, err
	}
	if lat.Valid && lng.Valid {
		c.Lat, c.Lng = &lat.Float64, &lng.Float64
	}
	c.Registered = truthy(registered)
	c.YearBuilt, c.CompanyID = int(year.Int64), company.Int64
	c.Old, c.CommitteeFormed, c.PartyBranch, c.Council = old == 1, formed == 1, party == 1, council == 1
	c.ContractStart, c.ContractEnd = dateOf(cs), dateOf(ce)
	c.CommitteeFormedOn, c.CommitteeTermEnd, c.CouncilSince = dateOf(fo), dateOf(te), dateOf(since)
	if updated.Valid {
		c.UpdatedAt = updated.Time
	}
	c.HasService, c.HasCommittee, c.HasParty = hasService == 1, hasCommittee == 1, hasPartyWk == 1
	return c, nil
}

// truthy reads a boolean expression's value: bool on PostgreSQL, 0/1 on SQLite.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case int:
		return x != 0
	}
	return false
}

// Compound returns the compound with org unit id, in p's scope, with its record.
func (s *Service) Compound(ctx context.Context, p *auth.Principal, id int64) (Compound, error) {
	return s.compound(ctx, s.DB, p, id)
}

func (s *Service) compound(ctx context.Context, q db.Querier, p *auth.Principal, id int64) (Compound, error) {
	sel, args := compoundSelect(s.today())
	scope, sargs := p.ScopeSQL("u.path")
	args = append(append(args, id), sargs...)
	c, err := scanCompound(q.QueryRow(ctx, sel+compoundFrom+` WHERE u.id = ? AND u.kind = 'compound' AND `+scope, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Compound{}, db.ErrNotFound
	}
	return c, err
}

// CompoundFilter narrows the registry ledger.
type CompoundFilter struct {
	Q         string // part of the name, code or address
	Node      int64  // only compounds under this unit (in scope)
	Service   string // company, self, none
	Lacks     string // service, committee or party: compounds lacking it on the as-of date
	Old       string // yes / no
	Council   string // yes / no
	CompanyID int64
	Limit     int
	Offset    int
}

// where builds the filter's conditions.
func (s *Service) compoundWhere(ctx context.Context, p *auth.Principal, f CompoundFilter, asOf workday.Date) (string, []any, error) {
	where, args := p.ScopeSQL("u.path")
	where = "u.kind = 'compound' AND " + where
	if f.Node != 0 {
		n, err := s.Org.Get(ctx, p, f.Node)
		if err != nil {
			return "", nil, err
		}
		sys := &auth.Principal{OrgPath: n.Path}
		w, a := sys.ScopeSQL("u.path")
		where += " AND " + w
		args = append(args, a...)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := s.DB.Dialect.ILike()
		where += ` AND (u.name ` + like + ` ? ESCAPE '\' OR u.code ` + like + ` ? ESCAPE '\' OR pc.address ` + like + ` ? ESCAPE '\')`
		pat := "%" + db.EscapeLike(q) + "%"
		args = append(args, pat, pat, pat)
	}
	if contains(serviceTypes, f.Service) {
		where += " AND COALESCE(pc.service_type, 'none') = ?"
		args = append(args, f.Service)
	}
	if contains(measures, f.Lacks) {
		expr, a := measureSQL(f.Lacks, asOf)
		where += " AND " + flagSQL(expr) + " = 0"
		args = append(args, a...)
	}
	switch f.Old {
	case "yes":
		where += " AND pc.old_compound = 1"
	case "no":
		where += " AND COALESCE(pc.old_compound, 0) = 0"
	}
	switch f.Council {
	case "yes":
		where += " AND pc.council = 1"
	case "no":
		where += " AND COALESCE(pc.council, 0) = 0"
	}
	if f.CompanyID != 0 {
		where += " AND pc.company_id = ? AND pc.service_type = 'company'"
		args = append(args, f.CompanyID)
	}
	return where, args, nil
}

// Compounds lists one page of the compounds in p's scope matching f, by
// code, and the total.
func (s *Service) Compounds(ctx context.Context, p *auth.Principal, f CompoundFilter) ([]Compound, int, error) {
	asOf := s.today()
	where, wargs, err := s.compoundWhere(ctx, p, f, asOf)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*)`+compoundFrom+` WHERE `+where, wargs...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	sel, args := compoundSelect(asOf)
	args = append(append(args, wargs...), limit, max(f.Offset, 0))
	rows, err := s.DB.Query(ctx, sel+compoundFrom+` WHERE `+where+` ORDER BY u.code LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Compound
	for rows.Next() {
		c, err := scanCompound(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// CompoundInput is what a form, the API or a sheet gives for a compound's record.
type CompoundInput struct {
	Address           string `json:"address"`
	Households        int    `json:"households"`
	YearBuilt         int    `json:"year_built"`
	Old               *bool  `json:"old_compound,omitempty" doc:"omitted: built before 2000"`
	ServiceType       string `json:"service_type"`
	CompanyID         int64  `json:"company_id,omitempty"`
	ContractScope     string `json:"contract_scope"`
	FeeStandard       string `json:"fee_standard"`
	ContractStart     string `json:"contract_start,omitzero"`
	ContractEnd       string `json:"contract_end,omitzero"`
	CommitteeFormed   bool   `json:"committee_formed"`
	CommitteeFormedOn string `json:"committee_formed_on,omitzero"`
	CommitteeTermEnd  string `json:"committee_term_end,omitzero"`
	PartyBranch       bool   `json:"party_branch"`
	Council           bool   `json:"council"`
	CouncilSince      string `json:"council_since,omitzero"`
}

// compoundRecord is the cleaned input.
type compoundRecord struct {
	Address                             string
	Households, YearBuilt               int
	Old                                 bool
	ServiceType                         string
	CompanyID                           int64
	ContractScope, FeeStandard          string
	ContractStart, ContractEnd          workday.Date
	CommitteeFormed                     bool
	CommitteeFormedOn, CommitteeTermEnd workday.Date
	PartyBranch, Council                bool
	CouncilSince                        workday.Date
}

// maxCommitteeTerm: an owners' committee serves at most five years a term
// (物业管理条例 and the model rules of procedure).
const maxCommitteeTermYears = 5

func (in CompoundInput) clean(thisYear int) (compoundRecord, error) {
	var fe fieldErrors
	add := func(e *fieldError) {
		if e != nil {
			fe = append(fe, e)
		}
	}
	r := compoundRecord{Address: strings.TrimSpace(in.Address), Households: in.Households, YearBuilt: in.YearBuilt,
		ServiceType: strings.TrimSpace(in.ServiceType), CompanyID: in.CompanyID,
		ContractScope: strings.TrimSpace(in.ContractScope), FeeStandard: strings.TrimSpace(in.FeeStandard),
		CommitteeFormed: in.CommitteeFormed, PartyBranch: in.PartyBranch, Council: in.Council}
	add(checkText("address", r.Address, 200, false))
	if r.Households < 0 || r.Households > 100000 {
		add(ferr("households", "out_of_range", "户数应在 0 到 100000 之间", "must be between 0 and 100000"))
	}
	if r.YearBuilt != 0 && (r.YearBuilt < 1900 || r.YearBuilt > thisYear+3) {
		add(ferr("year_built", "out_of_range", fmt.Sprintf("建成年份应在 1900 到 %d 之间", thisYear+3),
			fmt.Sprintf("must be between 1900 and %d", thisYear+3)))
	}
	if in.Old != nil {
		r.Old = *in.Old
	} else {
		r.Old = r.YearBuilt != 0 && r.YearBuilt < 2000
	}
	if r.ServiceType == "" {
		r.ServiceType = serviceNone
	}
	if !contains(serviceTypes, r.ServiceType) {
		add(ferr("service_type", "invalid", "请选择物业服务方式", "choose how the compound is managed"))
	}
	var e *fieldError
	r.ContractStart, e = parseDateField("contract_start", in.ContractStart)
	add(e)
	r.ContractEnd, e = parseDateField("contract_end", in.ContractEnd)
	add(e)
	if r.ServiceType == serviceCompany {
		if r.CompanyID <= 0 {
			add(ferr("company_id", "required", "委托企业服务时须选择物业企业", "choose the company serving the compound"))
		}
		add(checkText("contract_scope", r.ContractScope, 500, false))
		add(checkText("fee_standard", r.FeeStandard, 100, false))
		if !r.ContractStart.IsZero() && !r.ContractEnd.IsZero() && r.ContractEnd.Before(r.ContractStart) {
			add(ferr("contract_end", "before_start", "合同终止日期早于起始日期", "the contract ends before it starts"))
		}
	} else {
		r.CompanyID, r.ContractScope, r.FeeStandard = 0, "", ""
		r.ContractStart, r.ContractEnd = workday.Date{}, workday.Date{}
	}
	r.CommitteeFormedOn, e = parseDateField("committee_formed_on", in.CommitteeFormedOn)
	add(e)
	r.CommitteeTermEnd, e = parseDateField("committee_term_end", in.CommitteeTermEnd)
	add(e)
	if r.CommitteeFormed {
		if !r.CommitteeFormedOn.IsZero() && !r.CommitteeTermEnd.IsZero() {
			if !r.CommitteeTermEnd.After(r.CommitteeFormedOn) {
				add(ferr("committee_term_end", "before_start", "任期届满日期应晚于成立日期", "the term must end after the committee was formed"))
			} else if r.CommitteeTermEnd.After(workday.NewDate(r.CommitteeFormedOn.Year()+maxCommitteeTermYears,
				r.CommitteeFormedOn.Month(), r.CommitteeFormedOn.Day())) {
				add(ferr("committee_term_end", "too_long", "业委会每届任期不超过五年", "an owners' committee's term is at most five years"))
			}
		}
	} else {
		r.CommitteeFormedOn, r.CommitteeTermEnd = workday.Date{}, workday.Date{}
	}
	r.CouncilSince, e = parseDateField("council_since", in.CouncilSince)
	add(e)
	if !r.Council {
		r.CouncilSince = workday.Date{}
	}
	return r, fe.err()
}

// compoundFields are the fields the history compares, in display order.
var compoundFields = []string{"address", "households", "year_built", "old_compound", "service_type", "company",
	"contract_scope", "fee_standard", "contract_start", "contract_end", "committee_formed", "committee_formed_on",
	"committee_term_end", "party_branch", "council", "council_since"}

func dateText(d workday.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func intText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func (c Compound) values() map[string]string {
	if !c.Registered {
		return map[string]string{}
	}
	company := ""
	if c.CompanyID != 0 {
		company = c.CompanyName + " " + c.CompanyCode
	}
	return map[string]string{"address": c.Address, "households": strconv.Itoa(c.Households), "year_built": intText(c.YearBuilt),
		"old_compound": yesNo(c.Old), "service_type": c.ServiceType, "company": company, "contract_scope": c.ContractScope,
		"fee_standard": c.FeeStandard, "contract_start": dateText(c.ContractStart), "contract_end": dateText(c.ContractEnd),
		"committee_formed": yesNo(c.CommitteeFormed), "committee_formed_on": dateText(c.CommitteeFormedOn),
		"committee_term_end": dateText(c.CommitteeTermEnd), "party_branch": yesNo(c.PartyBranch),
		"council": yesNo(c.Council), "council_since": dateText(c.CouncilSince)}
}

// SaveCompound writes the record of compound id (an org unit of kind
// compound in p's scope). version is the version the editor saw (0 skips
// the check).
func (s *Service) SaveCompound(ctx context.Context, id int64, version int, in CompoundInput) (Compound, error) {
	p := auth.FromContext(ctx)
	rec, err := in.clean(s.today().Year())
	if err != nil {
		return Compound{}, err
	}
	var out Compound
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.saveCompoundTx(ctx, tx, p, id, version, rec, "update")
		out = c
		return err
	})
	return out, err
}

func (s *Service) saveCompoundTx(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, version int, rec compoundRecord, action string) (Compound, error) {
	old, err := s.compound(ctx, tx, p, id)
	if err != nil {
		return Compound{}, err
	}
	if err := rule(p, cmdEditCompound, target{Path: old.OrgPath}); err != nil {
		return Compound{}, err
	}
	if version != 0 && version != old.Version {
		return Compound{}, conflictf("该记录已被他人修改（现为第 %d 版），请刷新后再改", "the record was changed meanwhile (now version %d); reload and edit again", old.Version)
	}
	c := old
	active, party := 0, 0
	if rec.CompanyID != 0 {
		co, err := s.companyWhere(ctx, tx, auth.System("property"), "co.id = ?", rec.CompanyID)
		if errors.Is(err, db.ErrNotFound) {
			return Compound{}, ferr("company_id", "not_found", "物业企业不存在", "no such company")
		}
		if err != nil {
			return Compound{}, err
		}
		if co.Status != companyActive && co.ID != old.CompanyID {
			return Compound{}, ferr("company_id", "invalid", "该企业已注销，不能新签服务合同", "the company is deregistered and cannot take on a compound")
		}
		c.CompanyName, c.CompanyCode = co.Name, co.CreditCode
		active, party = boolInt(co.Status == companyActive), boolInt(co.PartyOrg)
	} else {
		c.CompanyName, c.CompanyCode = "", ""
	}
	c.Registered = true
	c.Address, c.Households, c.YearBuilt, c.Old = rec.Address, rec.Households, rec.YearBuilt, rec.Old
	c.ServiceType, c.CompanyID, c.ContractScope, c.FeeStandard = rec.ServiceType, rec.CompanyID, rec.ContractScope, rec.FeeStandard
	c.ContractStart, c.ContractEnd = rec.ContractStart, rec.ContractEnd
	c.CommitteeFormed, c.CommitteeFormedOn, c.CommitteeTermEnd = rec.CommitteeFormed, rec.CommitteeFormedOn, rec.CommitteeTermEnd
	c.PartyBranch, c.Council, c.CouncilSince = rec.PartyBranch, rec.Council, rec.CouncilSince
	changes := diff(compoundFields, old.values(), c.values())
	if len(changes) == 0 && old.Registered {
		return old, nil
	}
	c.Version = old.Version + 1
	c.UpdatedAt = s.stamp()
	var company any
	if c.CompanyID != 0 {
		company = c.CompanyID
	}
	var year any
	if c.YearBuilt != 0 {
		year = c.YearBuilt
	}
	args := []any{c.Address, c.Households, year, boolInt(c.Old), c.ServiceType, company, active, party, c.ContractScope, c.FeeStandard,
		dateArg(c.ContractStart), dateArg(c.ContractEnd), boolInt(c.CommitteeFormed), dateArg(c.CommitteeFormedOn),
		dateArg(c.CommitteeTermEnd), boolInt(c.PartyBranch), boolInt(c.Council), dateArg(c.CouncilSince), c.Version, c.UpdatedAt}
	if old.Registered {
		_, err = tx.Exec(ctx, `UPDATE property_compounds SET address = ?, households = ?, year_built = ?, old_compound = ?,
			service_type = ?, company_id = ?, company_active = ?, company_party = ?, contract_scope = ?, fee_standard = ?,
			contract_start = ?, contract_end = ?,
			committee_formed = ?, committee_formed_on = ?, committee_term_end = ?, party_branch = ?, council = ?,
			council_since = ?, version = ?, updated_at = ? WHERE org_unit_id = ?`, append(args, id)...)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO property_compounds (address, households, year_built, old_compound, service_type,
			company_id, company_active, company_party, contract_scope, fee_standard, contract_start, contract_end,
			committee_formed, committee_formed_on, committee_term_end, party_branch, council, council_since, version, updated_at,
			org_unit_id, org_path, district_id, street_id, community_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append(args, id, old.OrgPath, segment(old.OrgPath, 1), segment(old.OrgPath, 2), old.CommunityID)...)
	}
	if err != nil {
		return Compound{}, err
	}
	if action == "update" && !old.Registered {
		action = "create"
	}
	if err := recordChange(ctx, tx, "compound", id, c.Version, action, c.OrgPath, changes, c.UpdatedAt); err != nil {
		return Compound{}, err
	}
	// Re-read for the measures on the as-of date.
	return s.compound(ctx, tx, p, id)
}

// Member is one member of an owners' committee.
type Member struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Post        string `json:"post" doc:"director, deputy or member"`
	PartyMember bool   `json:"party_member"`
}

// Posts on an owners' committee.
var Posts = []string{"director", "deputy", "member"}

// Members lists the committee of compound id (already checked in scope):
// director first.
func (s *Service) Members(ctx context.Context, id int64) ([]Member, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, name, post, party_member FROM property_committee_members WHERE org_unit_id = ?
		ORDER BY CASE post WHEN 'director' THEN 0 WHEN 'deputy' THEN 1 ELSE 2 END, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		var party int
		if err := rows.Scan(&m.ID, &m.Name, &m.Post, &party); err != nil {
			return nil, err
		}
		m.PartyMember = party == 1
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddMember adds a member to the owners' committee of compound id, whose
// record must say a committee is formed.
func (s *Service) AddMember(ctx context.Context, id int64, m Member) (Member, error) {
	p := auth.FromContext(ctx)
	m.Name = strings.TrimSpace(m.Name)
	var fe fieldErrors
	if e := checkText("name", m.Name, 30, true); e != nil {
		fe = append(fe, e)
	}
	if !contains(Posts, m.Post) {
		fe = append(fe, ferr("post", "invalid", "请选择职务", "choose a post"))
	}
	if err := fe.err(); err != nil {
		return Member{}, err
	}
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.compound(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := rule(p, cmdEditCompound, target{Path: c.OrgPath}); err != nil {
			return err
		}
		if !c.CommitteeFormed {
			return conflictf("请先登记业委会已成立，再添加成员", "record that the owners' committee is formed before adding members")
		}
		if m.Post == "director" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM property_committee_members WHERE org_unit_id = ? AND post = 'director'`, id).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return ferr("post", "duplicate", "业委会已有主任", "the committee already has a director")
			}
		}
		now := s.stamp()
		if err := tx.QueryRow(ctx, `INSERT INTO property_committee_members (org_unit_id, org_path, name, post, party_member, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, id, c.OrgPath, m.Name, m.Post, boolInt(m.PartyMember), now).Scan(&m.ID); err != nil {
			return err
		}
		return recordChange(ctx, tx, "compound", id, c.Version, "member.add", c.OrgPath,
			[]Change{{Field: "member", After: memberText(m)}}, now)
	})
	return m, err
}

func memberText(m Member) string {
	s := m.Name + " (" + m.Post
	if m.PartyMember {
		s += ", party"
	}
	return s + ")"
}

// RemoveMember removes member mid from the committee of compound id.
func (s *Service) RemoveMember(ctx context.Context, id, mid int64) error {
	p := auth.FromContext(ctx)
	return s.DB.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.compound(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := rule(p, cmdEditCompound, target{Path: c.OrgPath}); err != nil {
			return err
		}
		var m Member
		var party int
		err = tx.QueryRow(ctx, `SELECT id, name, post, party_member FROM property_committee_members WHERE id = ? AND org_unit_id = ?`,
			mid, id).Scan(&m.ID, &m.Name, &m.Post, &party)
		if errors.Is(err, sql.ErrNoRows) {
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		m.PartyMember = party == 1
		if _, err := tx.Exec(ctx, `DELETE FROM property_committee_members WHERE id = ?`, mid); err != nil {
			return err
		}
		return recordChange(ctx, tx, "compound", id, c.Version, "member.remove", c.OrgPath,
			[]Change{{Field: "member", Before: memberText(m)}}, s.stamp())
	})
}

// compoundUnit checks that unit id is a compound in p's scope.
func (s *Service) compoundUnit(ctx context.Context, p *auth.Principal, id int64) (org.Unit, error) {
	u, err := s.Org.Get(ctx, p, id)
	if err != nil {
		return org.Unit{}, err
	}
	if u.Kind != org.Compound {
		return org.Unit{}, db.ErrNotFound
	}
	return u, nil
}
