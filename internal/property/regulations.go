package property

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// Regulation is a document of the regulations library (前端立制): a law,
// regulation or the city's measures, with its versions and their effective
// dates. Checklist items cite them.
type Regulation struct {
	ID        int64               `json:"-"`
	Code      string              `json:"code" doc:"the library's key, e.g. AL-WY-2024-01"`
	Title     string              `json:"title"`
	Issuer    string              `json:"issuer"`
	DocNo     string              `json:"doc_no" doc:"文号"`
	Kind      string              `json:"kind" doc:"law, regulation, rule, measure, standard or notice"`
	OrgUnitID int64               `json:"-"`
	OrgPath   string              `json:"-"`
	UnitName  string              `json:"unit"`
	Current   *RegulationVersion  `json:"current,omitempty" doc:"the version in force on the day asked"`
	Versions  []RegulationVersion `json:"versions,omitempty"`
	Citations []ChecklistItem     `json:"cited_by,omitempty"`
	UpdatedAt time.Time           `json:"updated_at"`
}

// RegulationVersion is one version of a document.
type RegulationVersion struct {
	Version        int          `json:"version"`
	EffectiveFrom  workday.Date `json:"effective_from"`
	EffectiveUntil workday.Date `json:"effective_until,omitzero" doc:"empty while in force"`
	Summary        string       `json:"summary"`
	Body           string       `json:"body"`
}

// InForce tells whether the version is in force on d.
func (v RegulationVersion) InForce(d workday.Date) bool {
	return !v.EffectiveFrom.After(d) && (v.EffectiveUntil.IsZero() || !v.EffectiveUntil.Before(d))
}

// RegulationKinds of documents.
var RegulationKinds = []string{"law", "regulation", "rule", "measure", "standard", "notice"}

var regCodeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{1,39}$`)

// RegulationInput creates a document with its first version.
type RegulationInput struct {
	Code          string `json:"code"`
	Title         string `json:"title"`
	Issuer        string `json:"issuer"`
	DocNo         string `json:"doc_no"`
	Kind          string `json:"kind"`
	EffectiveFrom string `json:"effective_from"`
	Summary       string `json:"summary"`
	Body          string `json:"body"`
}

// VersionInput adds a version.
type VersionInput struct {
	EffectiveFrom string `json:"effective_from"`
	Summary       string `json:"summary"`
	Body          string `json:"body"`
}

func (in VersionInput) clean() (RegulationVersion, error) {
	var fe fieldErrors
	v := RegulationVersion{Summary: strings.TrimSpace(in.Summary), Body: strings.TrimSpace(in.Body)}
	d, e := parseDateField("effective_from", in.EffectiveFrom)
	switch {
	case e != nil:
		fe = append(fe, e)
	case d.IsZero():
		fe = append(fe, required("effective_from"))
	}
	v.EffectiveFrom = d
	if e := checkText("summary", v.Summary, 1000, true); e != nil {
		fe = append(fe, e)
	}
	if e := checkText("body", v.Body, 200000, false); e != nil {
		fe = append(fe, e)
	}
	return v, fe.err()
}

// CreateRegulation adds a document issued by the caller's unit (or unit, for
// the platform principal) with its first version.
func (s *Service) CreateRegulation(ctx context.Context, unitID int64, in RegulationInput) (Regulation, error) {
	p := auth.FromContext(ctx)
	in.Code, in.Title, in.Issuer, in.DocNo = strings.TrimSpace(in.Code), strings.TrimSpace(in.Title), strings.TrimSpace(in.Issuer), strings.TrimSpace(in.DocNo)
	var fe fieldErrors
	if !regCodeRE.MatchString(in.Code) {
		fe = append(fe, ferr("code", "invalid", "编号为 2–40 位字母、数字或连字符", "the code has 2–40 letters, digits or hyphens"))
	}
	for _, e := range []*fieldError{checkText("title", in.Title, 200, true), checkText("issuer", in.Issuer, 100, true),
		checkText("doc_no", in.DocNo, 100, false)} {
		if e != nil {
			fe = append(fe, e)
		}
	}
	if !contains(RegulationKinds, in.Kind) {
		fe = append(fe, ferr("kind", "invalid", "请选择文件类别", "choose the kind of document"))
	}
	v, err := VersionInput{EffectiveFrom: in.EffectiveFrom, Summary: in.Summary, Body: in.Body}.clean()
	if vfe, ok := err.(fieldErrors); ok {
		fe = append(fe, vfe...)
	}
	if err := fe.err(); err != nil {
		return Regulation{}, err
	}
	if unitID == 0 {
		unitID = p.OrgUnitID
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		u, err := s.Org.Get(ctx, p, unitID)
		if err != nil {
			return err
		}
		if err := rule(p, cmdEditRegulation, target{Path: u.Path}); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM property_regulations WHERE code = ?`, in.Code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ferr("code", "duplicate", "编号已被使用", "the code is taken")
		}
		now := s.stamp()
		if err := tx.QueryRow(ctx, `INSERT INTO property_regulations (code, title, issuer, doc_no, kind, org_unit_id, org_path, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Code, in.Title, in.Issuer, in.DocNo, in.Kind, u.ID, u.Path, now, now).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO property_regulation_versions (regulation_id, version, effective_from, summary, body,
			created_by, created_at) VALUES (?, 1, ?, ?, ?, ?, ?)`, id, v.EffectiveFrom.String(), v.Summary, v.Body, nullID(p.UserID), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.regulation.create", ObjectType: "property_regulation",
			ObjectID: fmt.Sprint(id), Detail: in.Code + " " + in.Title, OrgPath: u.Path})
	})
	if err != nil {
		return Regulation{}, err
	}
	return s.regulationWhere(ctx, s.DB, "r.id = ?", id)
}

// AddVersion adds the next version of document id (issued in p's scope);
// the version before it ends the day before the new one takes effect.
func (s *Service) AddVersion(ctx context.Context, id int64, in VersionInput) (Regulation, error) {
	p := auth.FromContext(ctx)
	v, err := in.clean()
	if err != nil {
		return Regulation{}, err
	}
	err = s.DB.Tx(ctx, func(tx *db.Tx) error {
		r, err := s.regulationScoped(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := rule(p, cmdEditRegulation, target{Path: r.OrgPath}); err != nil {
			return err
		}
		last := r.Versions[len(r.Versions)-1]
		if !v.EffectiveFrom.After(last.EffectiveFrom) {
			return ferr("effective_from", "too_early", "新版本的生效日期须晚于上一版本（"+last.EffectiveFrom.String()+"）",
				"a new version takes effect after the previous one ("+last.EffectiveFrom.String()+")")
		}
		end := v.EffectiveFrom.AddDays(-1)
		if last.EffectiveUntil.IsZero() || last.EffectiveUntil.After(end) {
			if _, err := tx.Exec(ctx, `UPDATE property_regulation_versions SET effective_until = ? WHERE regulation_id = ? AND version = ?`,
				end.String(), id, last.Version); err != nil {
				return err
			}
		}
		now := s.stamp()
		if _, err := tx.Exec(ctx, `INSERT INTO property_regulation_versions (regulation_id, version, effective_from, summary, body,
			created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, id, last.Version+1, v.EffectiveFrom.String(), v.Summary, v.Body,
			nullID(p.UserID), now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE property_regulations SET updated_at = ? WHERE id = ?`, now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.regulation.version", ObjectType: "property_regulation",
			ObjectID: fmt.Sprint(id), Detail: fmt.Sprintf("%s v%d effective %s", r.Code, last.Version+1, v.EffectiveFrom), OrgPath: r.OrgPath})
	})
	if err != nil {
		return Regulation{}, err
	}
	return s.regulationWhere(ctx, s.DB, "r.id = ?", id)
}

const regulationSelect = `SELECT r.id, r.code, r.title, r.issuer, r.doc_no, r.kind, r.org_unit_id, r.org_path, u.name, r.updated_at
	FROM property_regulations r JOIN org_units u ON u.id = r.org_unit_id`

func scanRegulation(sc interface{ Scan(...any) error }) (Regulation, error) {
	var r Regulation
	err := sc.Scan(&r.ID, &r.Code, &r.Title, &r.Issuer, &r.DocNo, &r.Kind, &r.OrgUnitID, &r.OrgPath, &r.UnitName, &r.UpdatedAt)
	return r, err
}

func (s *Service) regulationWhere(ctx context.Context, q db.Querier, cond string, args ...any) (Regulation, error) {
	r, err := scanRegulation(q.QueryRow(ctx, regulationSelect+` WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Regulation{}, db.ErrNotFound
	}
	if err != nil {
		return r, err
	}
	if r.Versions, err = versions(ctx, q, r.ID); err != nil {
		return r, err
	}
	today := s.today()
	for i := range r.Versions {
		if r.Versions[i].InForce(today) {
			r.Current = &r.Versions[i]
		}
	}
	r.Citations, err = s.citations(ctx, q, r.ID)
	return r, err
}

func (s *Service) regulationScoped(ctx context.Context, q db.Querier, p *auth.Principal, id int64) (Regulation, error) {
	scope, args := p.ScopeSQL("r.org_path")
	return s.regulationWhere(ctx, q, "r.id = ? AND "+scope, append([]any{id}, args...)...)
}

// RegulationByCode is the public page of a document.
func (s *Service) RegulationByCode(ctx context.Context, code string) (Regulation, error) {
	return s.regulationWhere(ctx, s.DB, "r.code = ?", code)
}

func versions(ctx context.Context, q db.Querier, id int64) ([]RegulationVersion, error) {
	rows, err := q.Query(ctx, `SELECT version, effective_from, effective_until, summary, body FROM property_regulation_versions
		WHERE regulation_id = ? ORDER BY version`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RegulationVersion
	for rows.Next() {
		var v RegulationVersion
		var from string
		var until sql.NullString
		if err := rows.Scan(&v.Version, &from, &until, &v.Summary, &v.Body); err != nil {
			return nil, err
		}
		v.EffectiveFrom, v.EffectiveUntil = mustDate(from), dateOf(until)
		out = append(out, v)
	}
	return out, rows.Err()
}

// Regulations lists the library, by kind then code, each with the version
// in force on d (versions themselves are on the document's page).
func (s *Service) Regulations(ctx context.Context, q, kind string, d workday.Date) ([]Regulation, error) {
	where, args := "1 = 1", []any{}
	if q = strings.TrimSpace(q); q != "" {
		like := s.DB.Dialect.ILike()
		where += ` AND (r.title ` + like + ` ? ESCAPE '\' OR r.doc_no ` + like + ` ? ESCAPE '\' OR r.code ` + like + ` ? ESCAPE '\')`
		pat := "%" + db.EscapeLike(q) + "%"
		args = append(args, pat, pat, pat)
	}
	if contains(RegulationKinds, kind) {
		where += " AND r.kind = ?"
		args = append(args, kind)
	}
	rows, err := s.DB.Query(ctx, regulationSelect+` WHERE `+where+` ORDER BY r.kind, r.code`, args...)
	if err != nil {
		return nil, err
	}
	var out []Regulation
	for rows.Next() {
		r, err := scanRegulation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		vs, err := versions(ctx, s.DB, out[i].ID)
		if err != nil {
			return nil, err
		}
		for j := range vs {
			if vs[j].InForce(d) {
				v := vs[j]
				v.Body = ""
				out[i].Current = &v
			}
		}
	}
	return out, nil
}

// ChecklistItem is an inspection checklist item (大排查) citing a regulation.
type ChecklistItem struct {
	ID             int64  `json:"id"`
	Code           string `json:"code"`
	Area           string `json:"area" doc:"contract (企业履约), committee (业委会履职) or duty (部门/社区履责)"`
	Title          string `json:"title"`
	RegulationID   int64  `json:"-"`
	RegulationCode string `json:"regulation_code,omitempty"`
	Regulation     string `json:"regulation,omitempty"`
	Article        string `json:"article" doc:"the article cited"`
	Active         bool   `json:"active"`
}

// ChecklistAreas are the three areas of the inspect–rectify campaigns.
var ChecklistAreas = []string{"contract", "committee", "duty"}

const checklistSelect = `SELECT c.id, c.code, c.area, c.title, c.regulation_id, COALESCE(r.code, ''), COALESCE(r.title, ''), c.article, c.active
	FROM property_checklist_items c LEFT JOIN property_regulations r ON r.id = c.regulation_id`

func scanChecklist(rows *sql.Rows) ([]ChecklistItem, error) {
	defer rows.Close()
	var out []ChecklistItem
	for rows.Next() {
		var c ChecklistItem
		var reg sql.NullInt64
		var active int
		if err := rows.Scan(&c.ID, &c.Code, &c.Area, &c.Title, &reg, &c.RegulationCode, &c.Regulation, &c.Article, &active); err != nil {
			return nil, err
		}
		c.RegulationID, c.Active = reg.Int64, active == 1
		out = append(out, c)
	}
	return out, rows.Err()
}

// Checklist lists the checklist items by area and code.
func (s *Service) Checklist(ctx context.Context) ([]ChecklistItem, error) {
	rows, err := s.DB.Query(ctx, checklistSelect+` ORDER BY c.area, c.code`)
	if err != nil {
		return nil, err
	}
	return scanChecklist(rows)
}

func (s *Service) citations(ctx context.Context, q db.Querier, regID int64) ([]ChecklistItem, error) {
	rows, err := q.Query(ctx, checklistSelect+` WHERE c.regulation_id = ? ORDER BY c.area, c.code`, regID)
	if err != nil {
		return nil, err
	}
	return scanChecklist(rows)
}

// ChecklistInput adds a checklist item.
type ChecklistInput struct {
	Code           string `json:"code"`
	Area           string `json:"area"`
	Title          string `json:"title"`
	RegulationCode string `json:"regulation_code"`
	Article        string `json:"article"`
}

// AddChecklistItem adds an item to the city's checklist (city-wide staff).
func (s *Service) AddChecklistItem(ctx context.Context, in ChecklistInput) (ChecklistItem, error) {
	p := auth.FromContext(ctx)
	in.Code, in.Title, in.Article, in.RegulationCode = strings.TrimSpace(in.Code), strings.TrimSpace(in.Title), strings.TrimSpace(in.Article), strings.TrimSpace(in.RegulationCode)
	var fe fieldErrors
	if !regCodeRE.MatchString(in.Code) {
		fe = append(fe, ferr("code", "invalid", "编号为 2–40 位字母、数字或连字符", "the code has 2–40 letters, digits or hyphens"))
	}
	if !contains(ChecklistAreas, in.Area) {
		fe = append(fe, ferr("area", "invalid", "请选择检查领域", "choose an area"))
	}
	for _, e := range []*fieldError{checkText("title", in.Title, 200, true), checkText("article", in.Article, 100, false)} {
		if e != nil {
			fe = append(fe, e)
		}
	}
	if err := fe.err(); err != nil {
		return ChecklistItem{}, err
	}
	if err := rule(p, cmdEditChecklist, target{}); err != nil {
		return ChecklistItem{}, err
	}
	var id int64
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		var reg any
		if in.RegulationCode != "" {
			var rid int64
			err := tx.QueryRow(ctx, `SELECT id FROM property_regulations WHERE code = ?`, in.RegulationCode).Scan(&rid)
			if errors.Is(err, sql.ErrNoRows) {
				return ferr("regulation_code", "not_found", "法规库中没有该编号的文件", "no document with this code in the library")
			}
			if err != nil {
				return err
			}
			reg = rid
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM property_checklist_items WHERE code = ?`, in.Code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ferr("code", "duplicate", "编号已被使用", "the code is taken")
		}
		if err := tx.QueryRow(ctx, `INSERT INTO property_checklist_items (code, area, title, regulation_id, article, active, created_at)
			VALUES (?, ?, ?, ?, ?, 1, ?) RETURNING id`, in.Code, in.Area, in.Title, reg, in.Article, s.stamp()).Scan(&id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "property.checklist.add", ObjectType: "property_checklist_item",
			ObjectID: fmt.Sprint(id), Detail: in.Code + " " + in.Title})
	})
	if err != nil {
		return ChecklistItem{}, err
	}
	items, err := s.Checklist(ctx)
	for _, it := range items {
		if it.ID == id {
			return it, err
		}
	}
	return ChecklistItem{}, err
}
