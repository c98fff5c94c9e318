package casework

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"anju/internal/platform/db"
)

// caseCols are the columns every read of a case selects, in scanCase's order.
const caseCols = `c.id, c.type, c.number, c.state, c.version, c.org_unit_id, c.org_path, c.department_id, c.assignee_id,
	c.pending_unit_id, c.pending_path, c.pending_department_id, c.pending_due_at,
	c.category, c.subcategory, c.kind, c.channel, c.title, c.body,
	c.party_user_id, c.party_name, c.party_phone, c.check_code, c.address, c.lat, c.lng, c.compound_id, c.external_ref,
	c.received_at, c.response_due_at, c.responded_at, c.stage_due_at, c.final_from, c.final_days, c.final_due_at,
	c.due_at, c.notified_level, c.accepted_at, c.replied_at, c.closed_at, c.closed_reason, c.rating, c.rated_at,
	c.flags, c.related_id, c.track_failures, c.track_locked_until, c.data, c.created_at, c.updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanCase(row scanner, extra ...any) (Case, error) {
	var c Case
	var dept, assignee, pUnit, pDept, partyUser, compound, related sql.NullInt64
	var pPath, extRef sql.NullString
	var pDue, respDue, responded, stageDue, finalDue, due, accepted, replied, closed, rated, locked sql.NullTime
	var lat, lng sql.NullFloat64
	var data string
	dest := []any{&c.ID, &c.Type, &c.Number, &c.State, &c.Version, &c.OrgUnitID, &c.OrgPath, &dept, &assignee,
		&pUnit, &pPath, &pDept, &pDue,
		&c.Category, &c.Subcategory, &c.Kind, &c.Channel, &c.Title, &c.Body,
		&partyUser, &c.PartyName, &c.PartyPhone, &c.CheckCode, &c.Address, &lat, &lng, &compound, &extRef,
		&c.ReceivedAt, &respDue, &responded, &stageDue, &c.FinalFrom, &c.FinalDays, &finalDue,
		&due, &c.NotifiedLevel, &accepted, &replied, &closed, &c.ClosedReason, &c.Rating, &rated,
		&c.Flags, &related, &c.TrackFailures, &locked, &data, &c.CreatedAt, &c.UpdatedAt}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return Case{}, err
	}
	c.DepartmentID, c.AssigneeID = dept.Int64, assignee.Int64
	c.PendingUnitID, c.PendingPath, c.PendingDepartmentID, c.PendingDueAt = pUnit.Int64, pPath.String, pDept.Int64, utc(pDue)
	c.PartyUserID, c.CompoundID, c.RelatedID, c.ExternalRef = partyUser.Int64, compound.Int64, related.Int64, extRef.String
	if lat.Valid {
		c.Lat = &lat.Float64
	}
	if lng.Valid {
		c.Lng = &lng.Float64
	}
	c.ResponseDueAt, c.RespondedAt, c.StageDueAt, c.FinalDueAt = utc(respDue), utc(responded), utc(stageDue), utc(finalDue)
	c.DueAt, c.AcceptedAt, c.RepliedAt, c.ClosedAt, c.RatedAt = utc(due), utc(accepted), utc(replied), utc(closed), utc(rated)
	c.TrackLockedUntil = utc(locked)
	c.ReceivedAt, c.CreatedAt, c.UpdatedAt = c.ReceivedAt.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.FlagList = c.Flags.List()
	if c.FlagList == nil {
		c.FlagList = []string{}
	}
	if data != "" && data != "{}" {
		if err := json.Unmarshal([]byte(data), &c.Data); err != nil {
			return Case{}, fmt.Errorf("case %d data: %w", c.ID, err)
		}
	}
	return c, nil
}

func utc(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// nt is a nullable time argument: NULL for the zero time.
func nt(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

// ni is a nullable id argument: NULL for 0.
func ni(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func ns(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nf(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func dataJSON(m map[string]any) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// insertCase writes a new case. A clash on the number (random, so rare)
// answers ok=false without aborting the transaction (ON CONFLICT DO
// NOTHING), and the caller draws another number.
const insertCaseCols = `type, number, state, version, org_unit_id, org_path, department_id, assignee_id,
	category, subcategory, kind, channel, title, body,
	party_user_id, party_name, party_phone, check_code, address, lat, lng, compound_id, external_ref,
	received_at, response_due_at, stage_due_at, final_from, final_days, final_due_at, due_at, notified_level,
	closed_reason, rating, flags, related_id, track_failures, data, created_at, updated_at`

const insertCaseRow = `?, ?, ?, 1, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, NULL, ?, 0, '', '', ?, ?, 0, ?, ?, ?`

// insertCasesSQL is the INSERT of n new cases for dialect d, each row with
// insertArgs' values (after its id, withIDs), answering the id and number
// of each case written (none, withIDs). PostgreSQL's rows carry their
// keyword terms too (search_terms: see search.go).
func insertCasesSQL(d db.Dialect, n int, withIDs bool) string {
	cols, row := insertCaseCols, insertCaseRow
	if d == db.Postgres {
		cols, row = cols+", search_terms", row+", ?::text[]"
	}
	tail := " ON CONFLICT DO NOTHING RETURNING id, number"
	if withIDs {
		cols, row, tail = "id, "+cols, "?, "+row, ""
	}
	return "INSERT INTO cases (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat("("+row+"), ", n), ", ") + tail
}

// insertArgs are c's values in insertCasesSQL's order for dialect d.
func insertArgs(d db.Dialect, c *Case) ([]any, error) {
	data, err := dataJSON(c.Data)
	if err != nil {
		return nil, err
	}
	args := []any{c.Type, c.Number, c.State, c.OrgUnitID, c.OrgPath, ni(c.DepartmentID),
		c.Category, c.Subcategory, c.Kind, c.Channel, c.Title, c.Body,
		ni(c.PartyUserID), c.PartyName, c.PartyPhone, c.CheckCode, c.Address, nf(c.Lat), nf(c.Lng), ni(c.CompoundID), ns(c.ExternalRef),
		c.ReceivedAt, nt(c.ResponseDueAt), nt(c.StageDueAt), nt(c.DueAt),
		int64(c.Flags), ni(c.RelatedID), data, c.CreatedAt, c.UpdatedAt}
	if d == db.Postgres {
		args = append(args, searchTermsArg(c))
	}
	return args, nil
}

func insertCase(ctx context.Context, tx *db.Tx, c *Case) (bool, error) {
	args, err := insertArgs(tx.Dialect(), c)
	if err != nil {
		return false, err
	}
	// (SQLite's keyword index takes the new case later: see indexNew in
	// search.go.)
	var number string
	err = tx.QueryRow(ctx, insertCasesSQL(tx.Dialect(), 1, false), args...).Scan(&c.ID, &number)
	if isNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

// insertCases writes new cases with one statement and sets the ID of each
// that went in; a case whose number (or external reference) was taken is
// skipped (ON CONFLICT DO NOTHING) and keeps ID 0. Their numbers must differ.
//
// Cases whose ids were drawn ahead (intake on PostgreSQL: idPool) are
// written with them, and the statement goes unanswered with the rest of
// the transaction: a taken number or external reference then fails the
// transaction (no ON CONFLICT), and the caller writes its cases one by one.
func insertCases(ctx context.Context, tx *db.Tx, cs []*Case) error {
	if cs[0].ID != 0 {
		return insertCasesWithIDs(ctx, tx, cs)
	}
	args := make([]any, 0, len(cs)*31)
	byNumber := make(map[string]*Case, len(cs))
	for _, c := range cs {
		a, err := insertArgs(tx.Dialect(), c)
		if err != nil {
			return err
		}
		args = append(args, a...)
		byNumber[c.Number] = c
		c.ID = 0
	}
	// QueryEach: in intake's pipelined transaction the BEGIN goes with it.
	return tx.QueryEach(ctx, insertCasesSQL(tx.Dialect(), len(cs), false), args,
		func(r db.RowScanner) error {
			var id int64
			var number string
			if err := r.Scan(&id, &number); err != nil {
				return err
			}
			if c := byNumber[number]; c != nil {
				c.ID = id
			}
			return nil
		}) // SQLite's keyword index takes them later (indexNew, search.go)
}

func insertCasesWithIDs(ctx context.Context, tx *db.Tx, cs []*Case) error {
	args := make([]any, 0, len(cs)*32)
	for _, c := range cs {
		if c.ID == 0 {
			return errors.New("casework: a case without an id among cases with ids drawn ahead")
		}
		a, err := insertArgs(tx.Dialect(), c)
		if err != nil {
			return err
		}
		args = append(append(args, c.ID), a...)
	}
	_, err := tx.Exec(ctx, insertCasesSQL(tx.Dialect(), len(cs), true), args...)
	return err
}

// updateCase writes every mutable column of c if the row is still at
// version; it reports whether it was (optimistic concurrency: on PostgreSQL
// a concurrent writer's UPDATE waits for ours and then finds the version
// moved on, so exactly one of two wins).
func updateCase(ctx context.Context, tx *db.Tx, c *Case, version int) (bool, error) {
	data, err := dataJSON(c.Data)
	if err != nil {
		return false, err
	}
	if err := reindexCase(ctx, tx, c, version); err != nil { // the keyword index (search.go)
		return false, err
	}
	// PostgreSQL's keyword terms, written with the row (search.go).
	terms, args := "", []any(nil)
	if tx.Dialect() == db.Postgres {
		terms, args = "search_terms = ?::text[], ", []any{searchTermsArg(c)}
	}
	args = append(args, c.State, c.OrgUnitID, c.OrgPath, ni(c.DepartmentID), ni(c.AssigneeID), ni(c.PendingUnitID), ns(c.PendingPath),
		ni(c.PendingDepartmentID), nt(c.PendingDueAt),
		c.Category, c.Subcategory, c.Kind, c.Title,
		nt(c.ResponseDueAt), nt(c.RespondedAt), nt(c.StageDueAt), c.FinalFrom, c.FinalDays, nt(c.FinalDueAt),
		nt(c.DueAt), c.NotifiedLevel, nt(c.AcceptedAt), nt(c.RepliedAt), nt(c.ClosedAt), c.ClosedReason,
		c.Rating, nt(c.RatedAt), int64(c.Flags), ni(c.RelatedID), data, c.UpdatedAt,
		c.ID, version)
	res, err := tx.Exec(ctx, `UPDATE cases SET `+terms+`state = ?, version = version + 1, org_unit_id = ?, org_path = ?,
		department_id = ?, assignee_id = ?, pending_unit_id = ?, pending_path = ?, pending_department_id = ?, pending_due_at = ?,
		category = ?, subcategory = ?, kind = ?, title = ?,
		response_due_at = ?, responded_at = ?, stage_due_at = ?, final_from = ?, final_days = ?, final_due_at = ?,
		due_at = ?, notified_level = ?, accepted_at = ?, replied_at = ?, closed_at = ?, closed_reason = ?,
		rating = ?, rated_at = ?, flags = ?, related_id = ?, data = ?, updated_at = ?
		WHERE id = ? AND version = ?`, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

const insertEventSQL = `INSERT INTO case_events (case_id, at, kind, actor_id, actor_name, actor_role, from_state, to_state, public, text, data)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

func insertEvent(ctx context.Context, ex db.Execer, ev *Event) error {
	data, err := dataJSON(ev.Data)
	if err != nil {
		return err
	}
	return ex.QueryRow(ctx, insertEventSQL, ev.CaseID, ev.At.UTC().Truncate(time.Microsecond), ev.Kind, ni(ev.ActorID),
		ev.ActorName, ev.ActorRole, ev.FromState, ev.ToState, boolInt(ev.Public), ev.Text, data).Scan(&ev.ID)
}

// insertEvents writes many events with multi-row INSERTs (their ids are
// not read back).
func insertEvents(ctx context.Context, ex db.Execer, evs []Event) error {
	const cols = 11
	const chunk = 500
	row := "(" + placeholders(cols) + ")"
	for start := 0; start < len(evs); start += chunk {
		part := evs[start:min(start+chunk, len(evs))]
		args := make([]any, 0, len(part)*cols)
		rowsSQL := make([]string, len(part))
		for i, ev := range part {
			data, err := dataJSON(ev.Data)
			if err != nil {
				return err
			}
			args = append(args, ev.CaseID, ev.At.UTC().Truncate(time.Microsecond), ev.Kind, ni(ev.ActorID),
				ev.ActorName, ev.ActorRole, ev.FromState, ev.ToState, boolInt(ev.Public), ev.Text, data)
			rowsSQL[i] = row
		}
		if _, err := ex.Exec(ctx, `INSERT INTO case_events (case_id, at, kind, actor_id, actor_name, actor_role, from_state, to_state,
			public, text, data) VALUES `+strings.Join(rowsSQL, ", "), args...); err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// readEvents lists a case's timeline, oldest first; public only when asked.
func readEvents(ctx context.Context, q db.Querier, caseID int64, publicOnly bool) ([]Event, error) {
	query := `SELECT id, case_id, at, kind, actor_id, actor_name, actor_role, from_state, to_state, public, text, data
		FROM case_events WHERE case_id = ?`
	if publicOnly {
		query += ` AND public = 1`
	}
	rows, err := q.Query(ctx, query+` ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
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
		out = append(out, ev)
	}
	return out, rows.Err()
}
