package property

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// Fact is one fact about a company that the credit rules may score: an
// outcome other modules feed (rectifications, petitions), or one staff
// record (surveys, honours, party organisation, penalties). Only verified
// facts are scored; a fact under objection is marked disputed; a fact an
// upheld objection voids no longer counts.
type Fact struct {
	ID           int64        `json:"id"`
	CompanyID    int64        `json:"company_id"`
	CompanyName  string       `json:"company_name"`
	CompoundID   int64        `json:"compound_id,omitempty"`
	CompoundName string       `json:"compound_name,omitempty"`
	OrgPath      string       `json:"-"`
	SourceType   string       `json:"source_type" doc:"rectification, petition, survey, honour, party, penalty or manual"`
	SourceID     string       `json:"source_id"`
	Kind         string       `json:"kind"`
	Value        *float64     `json:"value,omitempty" doc:"e.g. the satisfaction rate of a survey, 0–100"`
	OccurredOn   workday.Date `json:"occurred_on"`
	ValidFrom    workday.Date `json:"valid_from"`
	ValidUntil   workday.Date `json:"valid_until,omitzero" doc:"the fact's own end; empty: the rule item's validity applies"`
	Verified     bool         `json:"verified"`
	Disputed     bool         `json:"disputed"`
	Voided       bool         `json:"voided"`
	VoidReason   string       `json:"void_reason,omitempty"`
	Note         string       `json:"note"`
	CreatedBy    int64        `json:"-"`
	CreatedAt    time.Time    `json:"created_at"`
}

// State is the fact's state as rule() sees it.
func (f Fact) State() string {
	switch {
	case f.Voided:
		return factVoided
	case f.Verified:
		return factVerified
	}
	return factRecorded
}

// SourceTypes of facts.
var SourceTypes = []string{"rectification", "petition", "survey", "honour", "party", "penalty", "manual"}

// FactInput records a fact.
type FactInput struct {
	CompanyID  int64    `json:"company_id"`
	CompoundID int64    `json:"compound_id,omitempty" doc:"the compound it concerns (org unit id), if any"`
	SourceType string   `json:"source_type"`
	SourceID   string   `json:"source_id,omitempty" doc:"the id in the source (case number …); with source_type and kind it identifies the fact, so feeding it twice records it once"`
	Kind       string   `json:"kind"`
	Value      *float64 `json:"value,omitempty"`
	OccurredOn string   `json:"occurred_on"`
	ValidFrom  string   `json:"valid_from,omitempty" doc:"default: occurred_on"`
	ValidUntil string   `json:"valid_until,omitempty"`
	Note       string   `json:"note,omitempty"`
	// Verified: the source has verified it already (a case engine closes a
	// rectification only after verification). Staff-recorded facts are
	// verified by a second person.
	Verified bool `json:"-"`
}

type factRecord struct {
	in                    FactInput
	occurred, from, until workday.Date
}

func (in FactInput) clean() (factRecord, error) {
	r := factRecord{in: in}
	r.in.SourceType, r.in.SourceID, r.in.Kind = strings.TrimSpace(in.SourceType), strings.TrimSpace(in.SourceID), strings.TrimSpace(in.Kind)
	r.in.Note = strings.TrimSpace(in.Note)
	var fe fieldErrors
	add := func(e *fieldError) {
		if e != nil {
			fe = append(fe, e)
		}
	}
	if in.CompanyID <= 0 {
		add(required("company_id"))
	}
	if r.in.SourceType == "" {
		r.in.SourceType = "manual"
	}
	if !contains(SourceTypes, r.in.SourceType) {
		add(ferr("source_type", "invalid", "来源类型无效", "unknown source type"))
	}
	if len(r.in.SourceID) > 64 {
		add(ferr("source_id", "too_long", "最长 64 个字符", "at most 64 characters"))
	}
	if !validFactKind(r.in.Kind) {
		add(ferr("kind", "invalid", "请选择事实类型", "choose a kind of fact"))
	}
	if r.in.Kind == "survey" {
		if in.Value == nil || *in.Value < 0 || *in.Value > 100 {
			add(ferr("value", "out_of_range", "满意度应在 0 到 100 之间", "the satisfaction rate must be between 0 and 100"))
		}
	}
	var e *fieldError
	if r.occurred, e = parseDateField("occurred_on", in.OccurredOn); e != nil {
		add(e)
	} else if r.occurred.IsZero() {
		add(required("occurred_on"))
	}
	if r.from, e = parseDateField("valid_from", in.ValidFrom); e != nil {
		add(e)
	}
	if r.from.IsZero() {
		r.from = r.occurred
	}
	if r.until, e = parseDateField("valid_until", in.ValidUntil); e != nil {
		add(e)
	}
	if !r.until.IsZero() && r.until.Before(r.from) {
		add(ferr("valid_until", "before_start", "有效期截止日期早于起始日期", "the validity ends before it starts"))
	}
	add(checkText("note", r.in.Note, 500, false))
	return r, fe.err()
}

func newSourceID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "m-" + hex.EncodeToString(b)
}

// RecordFact records a fact within the caller's transaction: this is how
// other modules (the case engine's rectifications, petitions upheld) feed
// the credit scoring. A fact already recorded under the same source type,
// source id and kind is returned as it is. The principal must have the
// compound (or the company's filing unit) in scope.
func (s *Service) RecordFact(ctx context.Context, tx *db.Tx, in FactInput) (Fact, error) {
	p := auth.FromContext(ctx)
	r, err := in.clean()
	if err != nil {
		return Fact{}, err
	}
	if r.in.SourceID == "" {
		r.in.SourceID = newSourceID()
	}
	if f, err := s.factWhere(ctx, tx, auth.System("property"), "f.source_type = ? AND f.source_id = ? AND f.kind = ?",
		r.in.SourceType, r.in.SourceID, r.in.Kind); err == nil {
		return f, nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return Fact{}, err
	}
	co, err := s.companyWhere(ctx, tx, auth.System("property"), "co.id = ?", r.in.CompanyID)
	if errors.Is(err, db.ErrNotFound) {
		return Fact{}, ferr("company_id", "not_found", "物业企业不存在", "no such company")
	}
	if err != nil {
		return Fact{}, err
	}
	path := co.OrgPath
	var compound any
	if r.in.CompoundID != 0 {
		u, err := s.compoundUnit(ctx, p, r.in.CompoundID)
		if errors.Is(err, db.ErrNotFound) {
			return Fact{}, ferr("compound_id", "not_found", "小区不存在或不在您的辖区内", "no such compound in your jurisdiction")
		}
		if err != nil {
			return Fact{}, err
		}
		path, compound = u.Path, u.ID
	}
	if err := rule(p, cmdRecordFact, target{Path: path}); err != nil {
		return Fact{}, err
	}
	now := s.stamp()
	var value any
	if r.in.Value != nil {
		value = *r.in.Value
	}
	var verifiedBy, verifiedAt any
	if r.in.Verified {
		verifiedBy, verifiedAt = nullID(p.UserID), now
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO credit_facts (company_id, compound_id, org_path, source_type, source_id, kind, value,
		occurred_on, valid_from, valid_until, verified, verified_by, verified_at, disputed, voided, void_reason, note,
		created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '', ?, ?, ?) RETURNING id`,
		r.in.CompanyID, compound, path, r.in.SourceType, r.in.SourceID, r.in.Kind, value, r.occurred.String(), r.from.String(),
		dateArg(r.until), boolInt(r.in.Verified), verifiedBy, verifiedAt, r.in.Note, nullID(p.UserID), now).Scan(&id)
	if err != nil {
		return Fact{}, err
	}
	if err := audit.Record(ctx, tx, audit.Entry{Action: "property.fact.record", ObjectType: "credit_fact", ObjectID: fmt.Sprint(id),
		Detail: fmt.Sprintf("%s %s/%s company %d", r.in.Kind, r.in.SourceType, r.in.SourceID, r.in.CompanyID), OrgPath: path}); err != nil {
		return Fact{}, err
	}
	return s.factWhere(ctx, tx, auth.System("property"), "f.id = ?", id)
}

// AddFact records a fact in a transaction of its own (staff's form and API).
func (s *Service) AddFact(ctx context.Context, in FactInput) (Fact, error) {
	in.Verified = false
	var out Fact
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		f, err := s.RecordFact(ctx, tx, in)
		out = f
		return err
	})
	return out, err
}

// VerifyFact marks a recorded fact verified: by another person than its
// recorder, with the fact in scope.
func (s *Service) VerifyFact(ctx context.Context, id int64) (Fact, error) {
	p := auth.FromContext(ctx)
	var out Fact
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		f, err := s.factWhere(ctx, tx, p, "f.id = ?", id)
		if err != nil {
			return err
		}
		if err := rule(p, cmdVerifyFact, target{Path: f.OrgPath, State: f.State(), CreatedBy: f.CreatedBy}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE credit_facts SET verified = 1, verified_by = ?, verified_at = ? WHERE id = ?`,
			nullID(p.UserID), s.stamp(), id); err != nil {
			return err
		}
		f.Verified = true
		out = f
		return audit.Record(ctx, tx, audit.Entry{Action: "property.fact.verify", ObjectType: "credit_fact", ObjectID: fmt.Sprint(id),
			Detail: f.Kind, OrgPath: f.OrgPath})
	})
	return out, err
}

// CloseFact sets the end of a fact's validity (a serious bad item counts
// until rectified): called by the source when the matter is put right.
func (s *Service) CloseFact(ctx context.Context, tx *db.Tx, sourceType, sourceID, kind string, on workday.Date) error {
	p := auth.FromContext(ctx)
	f, err := s.factWhere(ctx, tx, p, "f.source_type = ? AND f.source_id = ? AND f.kind = ?", sourceType, sourceID, kind)
	if err != nil {
		return err
	}
	if err := rule(p, cmdRecordFact, target{Path: f.OrgPath}); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE credit_facts SET valid_until = ? WHERE id = ?`, on.String(), f.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: "property.fact.close", ObjectType: "credit_fact", ObjectID: fmt.Sprint(f.ID),
		Detail: "valid until " + on.String(), OrgPath: f.OrgPath})
}

const factSelect = `SELECT f.id, f.company_id, co.name, f.compound_id, COALESCE(u.name, ''), f.org_path, f.source_type, f.source_id,
	f.kind, f.value, f.occurred_on, f.valid_from, f.valid_until, f.verified, f.disputed, f.voided, f.void_reason, f.note,
	f.created_by, f.created_at
	FROM credit_facts f JOIN property_companies co ON co.id = f.company_id LEFT JOIN org_units u ON u.id = f.compound_id`

func scanFact(sc interface{ Scan(...any) error }) (Fact, error) {
	var f Fact
	var compound, createdBy sql.NullInt64
	var value sql.NullFloat64
	var occurred, from string
	var until sql.NullString
	var verified, disputed, voided int
	err := sc.Scan(&f.ID, &f.CompanyID, &f.CompanyName, &compound, &f.CompoundName, &f.OrgPath, &f.SourceType, &f.SourceID,
		&f.Kind, &value, &occurred, &from, &until, &verified, &disputed, &voided, &f.VoidReason, &f.Note, &createdBy, &f.CreatedAt)
	if err != nil {
		return f, err
	}
	f.CompoundID, f.CreatedBy = compound.Int64, createdBy.Int64
	if value.Valid {
		f.Value = &value.Float64
	}
	f.OccurredOn, f.ValidFrom, f.ValidUntil = mustDate(occurred), mustDate(from), dateOf(until)
	f.Verified, f.Disputed, f.Voided = verified == 1, disputed == 1, voided == 1
	return f, nil
}

func (s *Service) factWhere(ctx context.Context, q db.Querier, p *auth.Principal, cond string, args ...any) (Fact, error) {
	scope, sargs := p.ScopeSQL("f.org_path")
	f, err := scanFact(q.QueryRow(ctx, factSelect+` WHERE `+cond+` AND `+scope, append(args, sargs...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Fact{}, db.ErrNotFound
	}
	return f, err
}

// Fact returns fact id in p's scope.
func (s *Service) Fact(ctx context.Context, p *auth.Principal, id int64) (Fact, error) {
	return s.factWhere(ctx, s.DB, p, "f.id = ?", id)
}

// FactFilter narrows the fact ledger.
type FactFilter struct {
	CompanyID int64
	Kind      string
	State     string // recorded, verified, disputed, voided
	Limit     int
	Offset    int
}

// Facts lists the facts in p's scope, newest first, and the total.
func (s *Service) Facts(ctx context.Context, p *auth.Principal, f FactFilter) ([]Fact, int, error) {
	where, args := p.ScopeSQL("f.org_path")
	return s.listFacts(ctx, where, args, f)
}

// CompanyFacts lists the facts about one company (its portal).
func (s *Service) CompanyFacts(ctx context.Context, companyID int64, f FactFilter) ([]Fact, int, error) {
	f.CompanyID = 0
	return s.listFacts(ctx, "f.company_id = ?", []any{companyID}, f)
}

func (s *Service) listFacts(ctx context.Context, where string, args []any, f FactFilter) ([]Fact, int, error) {
	if f.CompanyID != 0 {
		where += " AND f.company_id = ?"
		args = append(args, f.CompanyID)
	}
	if f.Kind != "" {
		where += " AND f.kind = ?"
		args = append(args, f.Kind)
	}
	switch f.State {
	case factRecorded:
		where += " AND f.verified = 0 AND f.voided = 0"
	case factVerified:
		where += " AND f.verified = 1 AND f.voided = 0"
	case "disputed":
		where += " AND f.disputed = 1"
	case factVoided:
		where += " AND f.voided = 1"
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM credit_facts f WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	rows, err := s.DB.Query(ctx, factSelect+` WHERE `+where+` ORDER BY f.occurred_on DESC, f.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Fact
	for rows.Next() {
		fa, err := scanFact(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, fa)
	}
	return out, total, rows.Err()
}

// streamFacts feeds every verified, not void fact that may count on asOf to
// fn, in one query (the scoring of a period reads its facts once).
func streamFacts(ctx context.Context, q db.Querier, asOf workday.Date, companyID int64, fn func(*ScoreFact)) (int, error) {
	d := asOf.String()
	where := `verified = 1 AND voided = 0 AND valid_from <= ? AND (valid_until IS NULL OR valid_until >= ?)`
	args := []any{d, d}
	if companyID != 0 {
		where += " AND company_id = ?"
		args = append(args, companyID)
	}
	rows, err := q.Query(ctx, `SELECT id, company_id, kind, value, valid_from, valid_until, disputed FROM credit_facts WHERE `+where, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var (
		sf       ScoreFact
		value    sql.NullFloat64
		until    sql.NullString
		disputed int
		n        int
	)
	for rows.Next() {
		if err := rows.Scan(&sf.ID, &sf.CompanyID, &sf.Kind, &value, &sf.ValidFrom, &until, &disputed); err != nil {
			return n, err
		}
		sf.Value, sf.HasValue = value.Float64, value.Valid
		sf.ValidUntil = until.String
		sf.Disputed = disputed == 1
		fn(&sf)
		n++
	}
	return n, rows.Err()
}
