package org

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Auditor records one write in the audit log, inside the write's own
// transaction so that the record and the change stand or fall together. The
// app wires audit.Record into it; this package does not import audit so that
// the two can be built and tested independently.
type Auditor func(ctx context.Context, ex db.Execer, action, objectType, objectID, detail, orgPath string) error

// Store reads and writes the tree and the departments.
type Store struct {
	DB    *db.DB
	Audit Auditor // required for every write
}

// ErrForbidden is returned when the principal's role may not change the tree.
// A unit outside the principal's scope is reported as not found instead, as
// everywhere else.
var ErrForbidden = errors.New("org: not allowed to change the administrative tree")

// canManage says who changes the tree: the permission table's org.manage
// (the system administrator) and the platform itself (auth.System: the demo
// generator and command-line tools). One source of truth with the route
// gates; staff read the tree and register what their modules own.
func canManage(p *auth.Principal) bool {
	return p != nil && p.OrgPath != "" && auth.Can(p, auth.ActManageOrg)
}

// cityWide tells whether p's scope is the whole tree, which creating a root
// (the city) or a department needs.
func cityWide(p *auth.Principal) bool { return p != nil && p.OrgPath == "/" }

const unitCols = `id, parent_id, kind, code, name, path, depth, lat, lng, created_at`

type scanner interface{ Scan(dest ...any) error }

func scanUnit(sc scanner) (Unit, error) {
	var (
		u        Unit
		parent   sql.NullInt64
		lat, lng sql.NullFloat64
		kind     string
	)
	if err := sc.Scan(&u.ID, &parent, &kind, &u.Code, &u.Name, &u.Path, &u.Depth, &lat, &lng, &u.CreatedAt); err != nil {
		return Unit{}, err
	}
	u.Kind, u.ParentID = Kind(kind), parent.Int64
	if lat.Valid && lng.Valid {
		u.Lat, u.Lng = &lat.Float64, &lng.Float64
	}
	return u, nil
}

func queryUnits(ctx context.Context, q db.Querier, query string, args ...any) ([]Unit, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// getScoped reads one unit by a column, within p's scope.
func getScoped(ctx context.Context, q db.Querier, p *auth.Principal, col string, val any) (Unit, error) {
	scope, args := p.ScopeSQL("path")
	u, err := scanUnit(q.QueryRow(ctx, `SELECT `+unitCols+` FROM org_units WHERE `+col+` = ? AND `+scope,
		append([]any{val}, args...)...))
	if isNoRows(err) {
		return Unit{}, db.ErrNotFound
	}
	return u, err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Get returns the unit with id, or db.ErrNotFound when there is none or it
// lies outside p's scope (the two look the same, so scope cannot be probed).
func (s *Store) Get(ctx context.Context, p *auth.Principal, id int64) (Unit, error) {
	return getScoped(ctx, s.DB, p, "id", id)
}

// ByCode is Get by the unit's code.
func (s *Store) ByCode(ctx context.Context, p *auth.Principal, code string) (Unit, error) {
	return getScoped(ctx, s.DB, p, "code", strings.TrimSpace(code))
}

// Children lists the units directly under parentID (the roots for 0) that lie
// in p's scope, by code.
func (s *Store) Children(ctx context.Context, p *auth.Principal, parentID int64) ([]Unit, error) {
	scope, args := p.ScopeSQL("path")
	parent := "parent_id IS NULL"
	if parentID != 0 {
		parent = "parent_id = ?"
		args = append([]any{parentID}, args...)
	}
	return queryUnits(ctx, s.DB, `SELECT `+unitCols+` FROM org_units WHERE `+parent+` AND `+scope+` ORDER BY code`, args...)
}

// List returns one page of the units in p's scope that match f, ordered from
// the top of the tree down and by code, and how many match in all.
func (s *Store) List(ctx context.Context, p *auth.Principal, f Filter) ([]Unit, int, error) {
	where, args := p.ScopeSQL("path")
	if f.Kind != "" {
		where += " AND kind = ?"
		args = append(args, string(f.Kind))
	}
	if f.ParentID != 0 {
		where += " AND parent_id = ?"
		args = append(args, f.ParentID)
	}
	if kw := strings.TrimSpace(f.Keyword); kw != "" {
		like := s.DB.Dialect.ILike()
		where += " AND (name " + like + ` ? ESCAPE '\' OR code ` + like + ` ? ESCAPE '\')`
		pat := "%" + db.EscapeLike(kw) + "%"
		args = append(args, pat, pat)
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM org_units WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxListLimit)
	units, err := queryUnits(ctx, s.DB, `SELECT `+unitCols+` FROM org_units WHERE `+where+
		` ORDER BY depth, code LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	return units, total, err
}

// Ancestors returns the units above id, root first — the breadcrumb
// 市 › 区 › 街道 … without the unit itself. The names of the units above a
// scope are not secret (they are on every letterhead), so it is not scoped.
func (s *Store) Ancestors(ctx context.Context, id int64) ([]Unit, error) {
	u, err := getScoped(ctx, s.DB, auth.System("org"), "id", id)
	if err != nil {
		return nil, err
	}
	ids := u.AncestorIDs()
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return queryUnits(ctx, s.DB, `SELECT `+unitCols+` FROM org_units WHERE id IN (`+placeholders(len(ids))+`) ORDER BY depth`, args...)
}

// CountByKind counts the units of each kind in p's scope (the scope's own
// node included), e.g. for "12 streets, 96 communities, 1,240 compounds".
func (s *Store) CountByKind(ctx context.Context, p *auth.Principal) (map[Kind]int, error) {
	scope, args := p.ScopeSQL("path")
	rows, err := s.DB.Query(ctx, `SELECT kind, COUNT(*) FROM org_units WHERE `+scope+` GROUP BY kind`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Kind]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[Kind(k)] = n
	}
	return out, rows.Err()
}

// Create adds u (ParentID, Kind, Code, Name and optionally Lat/Lng) under its
// parent, which must lie in p's scope, within tx, and returns it with its id,
// path and depth. Bad input is reported as FieldErrors.
func (s *Store) Create(ctx context.Context, tx *db.Tx, p *auth.Principal, u Unit) (Unit, error) {
	if !canManage(p) {
		return Unit{}, ErrForbidden
	}
	u.Code, u.Name = strings.TrimSpace(u.Code), strings.TrimSpace(u.Name)
	var errs FieldErrors
	add := func(field string, pr *problem) {
		if pr != nil {
			errs = append(errs, fieldError(field, pr))
		}
	}
	switch {
	case u.Kind == "":
		add("kind", &problem{"required", "必须选择", "is required"})
	case !u.Kind.Valid():
		add("kind", &problem{"invalid", "不是有效的类型", "is not a known kind"})
	}
	add("code", checkCode(u.Code))
	add("name", checkName(u.Name))
	add(checkCoords(u.Lat, u.Lng))

	var parent Unit
	switch {
	case u.Kind.IsRoot():
		if u.ParentID != 0 {
			add("parent_id", &problem{"invalid", "应为空，市级单位没有上级", "must be empty for a city"})
		} else if !cityWide(p) {
			return Unit{}, ErrForbidden
		}
	case u.ParentID == 0:
		add("parent_id", &problem{"required", "必须选择", "is required"})
	default:
		var err error
		parent, err = getScoped(ctx, tx, p, "id", u.ParentID)
		if errors.Is(err, db.ErrNotFound) {
			add("parent_id", &problem{"not_found", "不存在", "does not exist"})
		} else if err != nil {
			return Unit{}, err
		} else if u.Kind.Valid() && !u.Kind.AllowedUnder(parent.Kind) {
			add("kind", parentKindProblem(u.Kind, parent.Kind))
		}
	}
	if len(errs) == 0 {
		if taken, err := codeTaken(ctx, tx, u.Code, 0); err != nil {
			return Unit{}, err
		} else if taken {
			add("code", duplicateProblem(u.Code))
		}
	}
	if len(errs) > 0 {
		return Unit{}, errs
	}

	u.CreatedAt = now()
	u.Depth, u.Path = 0, "/"
	if u.ParentID != 0 {
		u.Depth, u.Path = parent.Depth+1, parent.Path
	}
	// The path holds the unit's own id, known only after the insert: insert
	// under a placeholder path that sorts outside every real one ("#code",
	// unique because the code is), then set the real one.
	err := tx.QueryRow(ctx, `INSERT INTO org_units (parent_id, kind, code, name, path, depth, lat, lng, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullID(u.ParentID), string(u.Kind), u.Code, u.Name, "#"+u.Code, u.Depth, u.Lat, u.Lng, u.CreatedAt).Scan(&u.ID)
	if db.IsUniqueViolation(err) {
		return Unit{}, FieldErrors{fieldError("code", duplicateProblem(u.Code))}
	} else if err != nil {
		return Unit{}, fmt.Errorf("insert org unit: %w", err)
	}
	u.Path += strconv.FormatInt(u.ID, 10) + "/"
	if _, err := tx.Exec(ctx, `UPDATE org_units SET path = ? WHERE id = ?`, u.Path, u.ID); err != nil {
		return Unit{}, fmt.Errorf("set org unit path: %w", err)
	}
	detail := auditDetail(map[string]any{"kind": u.Kind, "code": u.Code, "name": u.Name, "parent_id": u.ParentID})
	if err := s.audit(ctx, tx, "org.unit.create", "org_unit", strconv.FormatInt(u.ID, 10), detail, u.Path); err != nil {
		return Unit{}, err
	}
	return u, nil
}

// Update changes the code, name and coordinates of the unit id, which must
// lie in p's scope.
func (s *Store) Update(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, e Edit) (Unit, error) {
	if !canManage(p) {
		return Unit{}, ErrForbidden
	}
	u, err := getScoped(ctx, tx, p, "id", id)
	if err != nil {
		return Unit{}, err
	}
	e.Code, e.Name = strings.TrimSpace(e.Code), strings.TrimSpace(e.Name)
	var errs FieldErrors
	for _, f := range []struct {
		field string
		pr    *problem
	}{{"code", checkCode(e.Code)}, {"name", checkName(e.Name)}} {
		if f.pr != nil {
			errs = append(errs, fieldError(f.field, f.pr))
		}
	}
	if field, pr := checkCoords(e.Lat, e.Lng); pr != nil {
		errs = append(errs, fieldError(field, pr))
	}
	if len(errs) == 0 && e.Code != u.Code {
		if taken, err := codeTaken(ctx, tx, e.Code, u.ID); err != nil {
			return Unit{}, err
		} else if taken {
			errs = append(errs, fieldError("code", duplicateProblem(e.Code)))
		}
	}
	if len(errs) > 0 {
		return Unit{}, errs
	}
	_, err = tx.Exec(ctx, `UPDATE org_units SET code = ?, name = ?, lat = ?, lng = ? WHERE id = ?`,
		e.Code, e.Name, e.Lat, e.Lng, u.ID)
	if db.IsUniqueViolation(err) {
		return Unit{}, FieldErrors{fieldError("code", duplicateProblem(e.Code))}
	} else if err != nil {
		return Unit{}, fmt.Errorf("update org unit: %w", err)
	}
	detail := auditDetail(map[string]any{
		"before": map[string]any{"code": u.Code, "name": u.Name, "lat": u.Lat, "lng": u.Lng},
		"after":  map[string]any{"code": e.Code, "name": e.Name, "lat": e.Lat, "lng": e.Lng},
	})
	if err := s.audit(ctx, tx, "org.unit.update", "org_unit", strconv.FormatInt(u.ID, 10), detail, u.Path); err != nil {
		return Unit{}, err
	}
	u.Code, u.Name, u.Lat, u.Lng = e.Code, e.Name, e.Lat, e.Lng
	return u, nil
}

// Rename changes only the name of the unit id.
func (s *Store) Rename(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, name string) (Unit, error) {
	if !canManage(p) {
		return Unit{}, ErrForbidden
	}
	u, err := getScoped(ctx, tx, p, "id", id)
	if err != nil {
		return Unit{}, err
	}
	return s.Update(ctx, tx, p, id, Edit{Code: u.Code, Name: name, Lat: u.Lat, Lng: u.Lng})
}

func (s *Store) audit(ctx context.Context, ex db.Execer, action, objectType, id, detail, orgPath string) error {
	if s.Audit == nil {
		// Every write is audited; a store wired without an auditor is a bug
		// that must not pass silently.
		return errors.New("org: Store.Audit is not set")
	}
	if err := s.Audit(ctx, ex, action, objectType, id, detail, orgPath); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

func codeTaken(ctx context.Context, q db.Querier, code string, except int64) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM org_units WHERE code = ? AND id <> ?`, code, except).Scan(&n)
	return n > 0, err
}

func duplicateProblem(code string) *problem {
	return &problem{"duplicate", "“" + code + "”已被使用", fmt.Sprintf("%q is already in use", code)}
}

func parentKindProblem(k, parent Kind) *problem {
	zh, en := parentLabels(k)
	return &problem{"parent_kind",
		fmt.Sprintf("不符，%s只能设在%s下，不能设在%s下", k.Label("zh"), zh, parent.Label("zh")),
		fmt.Sprintf("does not fit: a %s must sit under a %s, not under a %s", k.Label("en"), en, parent.Label("en"))}
}

func auditDetail(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// now is the creation time as both databases store it (microseconds, UTC),
// so a returned Unit equals the one read back.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
