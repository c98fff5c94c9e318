package casework

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"anju/internal/platform/db"
)

// Reads for a channel whose protocol publishes its cases. Open311
// GeoReport v2 makes service requests public: anyone may list them and read
// one by its id, without logging in. These reads therefore apply no
// principal's visibility (visibleSQL); they select only the cases of one
// type that arrived by one channel, and the caller (internal/open311) shows
// only what that protocol publishes — never the party's name, phone or
// check code, nor anything of cases that came by other channels.

// Published selects cases of one type and channel for PublishedCases.
type Published struct {
	Type, Channel string
	// IDs, when given, keep only these cases.
	IDs        []int64
	Categories []string
	// From and To bound received_at, both included; zero is unbounded.
	From, To time.Time
	// States keeps only these states; ExceptStates drops these.
	States, ExceptStates []string
	// Limit (default and at most MaxPublished) and Offset page the list,
	// newest first.
	Limit, Offset int
}

// MaxPublished bounds one page of PublishedCases.
const MaxPublished = 1000

// PublishedCases lists the cases q selects, newest received first, with the
// handling unit's name — without any visibility check (see above).
func (e *Engine) PublishedCases(ctx context.Context, q Published) ([]Case, error) {
	where := "c.type = ? AND c.channel = ?"
	args := []any{q.Type, q.Channel}
	in := func(col string, not bool, vals []any) {
		if len(vals) == 0 {
			return
		}
		op := " IN ("
		if not {
			op = " NOT IN ("
		}
		where += " AND " + col + op + placeholders(len(vals)) + ")"
		args = append(args, vals...)
	}
	ids := make([]any, len(q.IDs))
	for i, id := range q.IDs {
		ids[i] = id
	}
	in("c.id", false, ids)
	in("c.category", false, anys(q.Categories))
	in("c.state", false, anys(q.States))
	in("c.state", true, anys(q.ExceptStates))
	if !q.From.IsZero() {
		where += " AND c.received_at >= ?"
		args = append(args, q.From.UTC())
	}
	if !q.To.IsZero() {
		where += " AND c.received_at <= ?"
		args = append(args, q.To.UTC())
	}
	limit := q.Limit
	if limit <= 0 || limit > MaxPublished {
		limit = MaxPublished
	}
	rows, err := e.DB.Query(ctx, `SELECT `+caseCols+`, u.name FROM cases c JOIN org_units u ON u.id = c.org_unit_id
		WHERE `+where+` ORDER BY c.received_at DESC, c.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, max(q.Offset, 0))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Case{}
	for rows.Next() {
		var unit extraName
		c, err := scanCase(rows, &unit)
		if err != nil {
			return nil, err
		}
		c.UnitName = unit.s
		out = append(out, c)
	}
	return out, rows.Err()
}

// PublishedByRef returns the case of type that arrived by channel with the
// external reference ref (db.ErrNotFound if none) — without any visibility
// check (see above).
func (e *Engine) PublishedByRef(ctx context.Context, typ, channel, ref string) (Case, error) {
	c, err := e.byExternalRef(ctx, e.DB, channel, ref)
	if err == nil && c.Type != typ {
		return Case{}, db.ErrNotFound
	}
	return c, err
}

// PublicEvents returns the public timeline entries of the cases ids, oldest
// first, by case — what the party sees, for cases the caller may publish.
func (e *Engine) PublicEvents(ctx context.Context, ids []int64) (map[int64][]Event, error) {
	out := map[int64][]Event{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := e.DB.Query(ctx, `SELECT id, case_id, at, kind, actor_id, actor_name, actor_role, from_state, to_state, public, text, data
		FROM case_events WHERE public = 1 AND case_id IN (`+placeholders(len(args))+`) ORDER BY case_id, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ev Event
		var actor sql.NullInt64
		var pub int
		var data string
		if err := rows.Scan(&ev.ID, &ev.CaseID, &ev.At, &ev.Kind, &actor, &ev.ActorName, &ev.ActorRole,
			&ev.FromState, &ev.ToState, &pub, &ev.Text, &data); err != nil {
			return nil, err
		}
		ev.ActorID, ev.Public, ev.At = actor.Int64, pub == 1, ev.At.UTC()
		if data != "" && data != "{}" {
			_ = json.Unmarshal([]byte(data), &ev.Data)
		}
		out[ev.CaseID] = append(out[ev.CaseID], ev)
	}
	return out, rows.Err()
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
