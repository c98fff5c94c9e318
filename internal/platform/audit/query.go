package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// Filter narrows List. Zero fields do not filter.
type Filter struct {
	From, To   time.Time // at >= From, at < To
	Actor      string    // part of the actor's name, any case
	Action     string    // exact
	ObjectType string    // exact
	Result     string    // exact: OK, Refused or Failed
	Keyword    string    // part of the object id or the detail, any case
	Limit      int       // page size: default 50, at most 500
	Offset     int
}

const (
	defaultLimit = 50
	maxLimit     = 500
)

// List returns the records within p's scope that match f, newest first, one
// page of them, and how many match in all. Whether p may browse the audit
// log at all (the audit administrator, leaders) is the caller's decision;
// List only keeps the rows within p's jurisdiction.
func List(ctx context.Context, d *db.DB, p *auth.Principal, f Filter) (rows []Row, total int, err error) {
	where, args := conditions(d.Dialect, p, f)
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("audit list: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	offset := max(f.Offset, 0)
	rs, err := d.Query(ctx, `SELECT `+rowColumns+` FROM audit_log WHERE `+where+`
		ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit list: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		r, err := scanRow(rs)
		if err != nil {
			return nil, 0, fmt.Errorf("audit list: %w", err)
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return nil, 0, fmt.Errorf("audit list: %w", err)
	}
	return rows, total, nil
}

// Get returns one record, or db.ErrNotFound when it does not exist or lies
// outside p's scope (the two look the same, so ids cannot be probed).
func Get(ctx context.Context, d *db.DB, p *auth.Principal, id int64) (Row, error) {
	scope, args := p.ScopeSQL("org_path")
	r, err := scanRow(d.QueryRow(ctx, `SELECT `+rowColumns+` FROM audit_log WHERE id = ? AND `+scope,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Row{}, db.ErrNotFound
	}
	if err != nil {
		return Row{}, fmt.Errorf("audit record %d: %w", id, err)
	}
	return r, nil
}

// conditions builds List's WHERE clause: the scope first, then f.
func conditions(dia db.Dialect, p *auth.Principal, f Filter) (string, []any) {
	scope, args := p.ScopeSQL("org_path")
	conds := []string{scope}
	add := func(cond string, vals ...any) {
		conds = append(conds, cond)
		args = append(args, vals...)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UTC())
	}
	like := dia.ILike()
	if f.Actor != "" {
		add("actor_name "+like+` ? ESCAPE '\'`, "%"+db.EscapeLike(f.Actor)+"%")
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.Result != "" {
		add("result = ?", f.Result)
	}
	if f.Keyword != "" {
		k := "%" + db.EscapeLike(f.Keyword) + "%"
		add("(object_id "+like+` ? ESCAPE '\' OR detail `+like+` ? ESCAPE '\')`, k, k)
	}
	return strings.Join(conds, " AND "), args
}
