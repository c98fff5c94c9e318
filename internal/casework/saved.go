package casework

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// SavedFilter is a ledger filter a user kept under a name.
type SavedFilter struct {
	ID        int64     `json:"id"`
	Type      string    `json:"type"`
	Name      string    `json:"name"`
	Query     string    `json:"query" doc:"the filter as a URL query string"`
	CreatedAt time.Time `json:"created_at"`
}

// SaveFilter keeps f for the user of ctx under name (replacing one of the
// same name).
func (e *Engine) SaveFilter(ctx context.Context, typ, name string, f Filter) (SavedFilter, error) {
	p := auth.FromContext(ctx)
	if p.UserID == 0 {
		return SavedFilter{}, ErrForbidden
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return SavedFilter{}, FieldErrors{required("name")}
	}
	if utf8.RuneCountInString(name) > 64 {
		return SavedFilter{}, FieldErrors{Invalid("name", "too_long", "最长64个字", "at most 64 characters")}
	}
	if _, ok := e.Type(typ); !ok {
		return SavedFilter{}, FieldErrors{Invalid("type", "invalid", "案件类型无效", "unknown case type")}
	}
	f.Type = typ
	sf := SavedFilter{Type: typ, Name: name, Query: f.Values().Encode(), CreatedAt: e.now()}
	err := e.DB.Tx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO saved_filters (user_id, case_type, name, query, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id, case_type, name) DO UPDATE SET query = excluded.query, created_at = excluded.created_at
			RETURNING id`, p.UserID, typ, name, sf.Query, sf.CreatedAt).Scan(&sf.ID)
	})
	return sf, err
}

// SavedFilters lists the filters of the user of ctx for typ, by name.
func (e *Engine) SavedFilters(ctx context.Context, typ string) ([]SavedFilter, error) {
	p := auth.FromContext(ctx)
	rows, err := e.DB.Query(ctx, `SELECT id, case_type, name, query, created_at FROM saved_filters
		WHERE user_id = ? AND case_type = ? ORDER BY name`, p.UserID, typ)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SavedFilter{}
	for rows.Next() {
		var sf SavedFilter
		if err := rows.Scan(&sf.ID, &sf.Type, &sf.Name, &sf.Query, &sf.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, sf)
	}
	return out, rows.Err()
}

// DeleteFilter removes a saved filter of the user of ctx (db.ErrNotFound
// if they have none with that id).
func (e *Engine) DeleteFilter(ctx context.Context, id int64) error {
	p := auth.FromContext(ctx)
	res, err := e.DB.Exec(ctx, `DELETE FROM saved_filters WHERE id = ? AND user_id = ?`, id, p.UserID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return db.ErrNotFound
	}
	return nil
}
