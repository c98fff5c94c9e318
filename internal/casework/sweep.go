package casework

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// SweepResult counts what one sweep did.
type SweepResult struct {
	DueSoon   int // due-soon notices sent
	Overdue   int // overdue notices sent
	Transfers int // transfers accepted because the objection period ran out
	Timed     int // cases moved by timers
	Recounted int // cases whose assumed deadlines were counted again
}

// sweepBatch bounds the rows one statement of the sweep takes, so each
// transaction stays short while a large backlog is worked off.
const sweepBatch = 1000

// Sweep finds cases that became due soon or overdue since the last sweep and
// notifies their handlers, accepts transfers whose objection period ran out,
// and runs the types' timers.
//
// It is safe with several processes on one database: each notice is decided
// by a set-based statement on the case's alarm (case_alarms) that returns
// the rows it changed, and repeats the condition in its outer WHERE, so an
// alarm another process has just moved is not returned again (PostgreSQL
// re-checks the condition on the row it waited for; SQLite has one
// writer). The notices are written in the same transaction as the alarm
// moves: a notice exists exactly when its alarm moved.
func (e *Engine) Sweep(ctx context.Context) (SweepResult, error) {
	ctx = auth.WithPrincipal(ctx, auth.System("casework sweeper"))
	var res SweepResult
	now := e.now()
	// Overdue first, so a case that ran past its deadline since the last
	// sweep is not also told it is due soon.
	n, err := e.sweepLevel(ctx, 2, now, time.Time{}, now)
	res.Overdue = n
	if err != nil {
		return res, err
	}
	soon, err := e.soonThreshold(now)
	if err != nil {
		return res, err
	}
	n, err = e.sweepLevel(ctx, 1, now, soon, now)
	res.DueSoon = n
	if err != nil {
		return res, err
	}
	if res.Transfers, err = e.sweepTransfers(ctx, now); err != nil {
		return res, err
	}
	if res.Timed, err = e.sweepTimers(ctx, now); err != nil {
		return res, err
	}
	// A holiday year loaded since the last sweep (by this process or
	// another: the app's calendar follower reloads it) corrects the
	// deadlines that were counted with plain weekends. The years last
	// recounted with are kept in the database, so a process that starts
	// (or a second one) does not count every flagged case again.
	if st := e.calendarStamp(); e.stamp.Load() != st {
		if e.recountedWith(ctx) != st {
			if res.Recounted, err = e.RecomputeAssumed(ctx); err != nil {
				return res, err
			}
			if err := e.setRecountedWith(ctx, st); err != nil {
				return res, err
			}
		}
		e.stamp.Store(st)
	}
	return res, nil
}

// calendarStampKey names the setting that holds the calendar's years the
// assumed deadlines were last counted with (casework bookkeeping).
const calendarStampKey = "casework.recounted_with"

func (e *Engine) recountedWith(ctx context.Context) string {
	var v string
	_ = e.DB.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, calendarStampKey).Scan(&v)
	return v
}

func (e *Engine) setRecountedWith(ctx context.Context, stamp string) error {
	_, err := e.DB.Exec(ctx, `INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?, ?, NULL, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, calendarStampKey, stamp, e.now())
	return err
}

// soonThreshold is the end of the day SoonWorkdays working days from now.
func (e *Engine) soonThreshold(now time.Time) (time.Time, error) {
	n := e.SoonWorkdays
	if n <= 0 {
		n = 2
	}
	t, err := e.Deadline(now, WorkingDays(n))
	if err != nil {
		// Next year's calendar is not loaded yet: the horizon is then read
		// as plain calendar days, and said so in the log.
		slog.Warn("casework: due-soon horizon counted in calendar days", "err", err)
		return now.AddDate(0, 0, n+2), nil
	}
	return t, nil
}

// sweepLevel sends the notices of one level: overdue (level 2) for the
// alarms whose deadline is before `before`, due soon (level 1) for those
// not yet told whose deadline is between from and before. It works on
// case_alarms (migration 0004), a batch at a time: the overdue notice
// deletes the alarm, the due-soon one raises its level; the statement that
// does so returns the cases it changed, and only those are notified — on
// PostgreSQL a second process's statement waits for the rows the first
// took and then finds them gone or raised (SKIP LOCKED lets it take
// others meanwhile); SQLite has one writer. The notices are written in the
// same transaction: a notice exists exactly when its alarm moved.
func (e *Engine) sweepLevel(ctx context.Context, level int, now, before, from time.Time) (int, error) {
	lock := ""
	if e.DB.Dialect == db.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var q string
	var args []any
	if level == 2 {
		cond := `due_at < ?`
		q = `DELETE FROM case_alarms WHERE case_id IN (SELECT case_id FROM case_alarms WHERE ` + cond + ` ORDER BY due_at LIMIT ?` + lock + `)
			AND ` + cond + ` RETURNING case_id`
		args = []any{now, sweepBatch, now}
	} else {
		cond := `due_at >= ? AND due_at <= ? AND level < 1`
		q = `UPDATE case_alarms SET level = 1 WHERE case_id IN (SELECT case_id FROM case_alarms WHERE ` + cond + ` ORDER BY due_at LIMIT ?` + lock + `)
			AND ` + cond + ` RETURNING case_id`
		args = []any{from, before, sweepBatch, from, before}
	}
	total := 0
	for {
		var ns []Notice
		err := e.DB.Tx(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			var ids []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(ids) == 0 {
				return nil
			}
			if ns, err = e.noticesFor(ctx, tx, ids, level); err != nil {
				return err
			}
			return e.insertNoticeRows(ctx, tx, ns, now)
		})
		if err != nil {
			return total, err
		}
		total += len(ns)
		if len(ns) < sweepBatch {
			return total, nil
		}
	}
}

// noticesFor reads the cases ids (an alarm of each just moved to level)
// and words their notices.
func (e *Engine) noticesFor(ctx context.Context, tx *db.Tx, ids []int64, level int) ([]Notice, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.Query(ctx, `SELECT id, number, title, org_unit_id, org_path, department_id, assignee_id, due_at
		FROM cases WHERE id IN (`+placeholders(len(ids))+`) ORDER BY due_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ns := make([]Notice, 0, len(ids))
	for rows.Next() {
		var n Notice
		var title string
		var dept, assignee sql.NullInt64
		var due time.Time
		if err := rows.Scan(&n.CaseID, &n.Number, &title, &n.UnitID, &n.OrgPath, &dept, &assignee, &due); err != nil {
			return nil, err
		}
		n.DepartmentID, n.UserID = dept.Int64, assignee.Int64
		n.Audience = AudienceStaff
		day := due.In(e.Loc).Format("2006-01-02")
		if level == 2 {
			n.Kind, n.Text = "overdue", fmt.Sprintf("案件 %s「%s」已超过期限（%s）", n.Number, title, day)
		} else {
			n.Kind, n.Text = "due_soon", fmt.Sprintf("案件 %s「%s」将于 %s 到期", n.Number, title, day)
		}
		ns = append(ns, n)
	}
	return ns, rows.Err()
}

// insertNoticeRows writes many notices with multi-row INSERTs.
func (e *Engine) insertNoticeRows(ctx context.Context, tx *db.Tx, ns []Notice, now time.Time) error {
	const cols = 11
	const chunk = 500
	for start := 0; start < len(ns); start += chunk {
		part := ns[start:min(start+chunk, len(ns))]
		args := make([]any, 0, len(part)*cols)
		row := "(" + placeholders(cols) + ", 0, '')"
		rowsSQL := make([]string, len(part))
		for i, n := range part {
			unit := n.UnitID
			if n.UserID != 0 {
				unit = 0
			}
			args = append(args, n.CaseID, n.Kind, n.Audience, ni(n.UserID), ni(unit), n.OrgPath, ni(n.DepartmentID),
				n.Text, now, e.outState(n), nil)
			rowsSQL[i] = row
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_notifications (case_id, kind, audience, recipient_user_id, recipient_unit_id,
			org_path, department_id, text, created_at, out_state, read_at, out_attempts, out_error) VALUES `+strings.Join(rowsSQL, ", "),
			args...); err != nil {
			return fmt.Errorf("insert notices: %w", err)
		}
	}
	return nil
}

// sweepTransfers accepts, through each type's accept-transfer transition
// taken by the platform, transfers whose objection period has run out
// (silence is consent). Transfers are few, so each goes through Act and its
// type's rules.
func (e *Engine) sweepTransfers(ctx context.Context, now time.Time) (int, error) {
	rows, err := e.DB.Query(ctx, `SELECT id, type, version FROM cases WHERE pending_path IS NOT NULL AND pending_due_at < ?
		ORDER BY pending_due_at LIMIT ?`, now, sweepBatch)
	if err != nil {
		return 0, err
	}
	type due struct {
		id      int64
		typ     string
		version int
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.typ, &d.version); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	n := 0
	for _, d := range list {
		t, ok := e.Type(d.typ)
		if !ok {
			continue
		}
		name := ""
		for _, tr := range t.Transitions {
			if tr.Effect == EffectAcceptTransfer && containsScope(tr.Scopes, ScopeSystem) {
				name = tr.Name
			}
		}
		if name == "" {
			continue
		}
		if _, err := e.Act(ctx, d.id, d.version, name, Input{Text: "异议期满，视为接收"}); err == nil {
			n++
		} else if !isConflict(err) {
			return n, err
		}
	}
	return n, nil
}

func containsScope(ss []Scope, s Scope) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func isConflict(err error) bool {
	_, ok := err.(*ConflictError)
	_, st := err.(*StateError)
	return ok || st
}

// sweepTimers runs each type's timers as set-based UPDATEs, writing a
// timeline event and an audit record for every case moved.
func (e *Engine) sweepTimers(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for _, t := range e.Types() {
		for _, tm := range t.Timers {
			days, err := tm.After(ctx)
			if err != nil {
				return total, err
			}
			cutoff := now.AddDate(0, 0, -days)
			terminal := t.Terminal(tm.To)
			var closedAt any
			reason := ""
			if terminal {
				closedAt, reason = now, firstNonEmpty(tm.Close, tm.To)
			}
			where := `type = ? AND state = ? AND ` + tm.Since + ` < ?`
			if tm.Where != "" {
				where += ` AND (` + tm.Where + `)`
			}
			wargs := []any{t.Name, tm.State, cutoff}
			q := `UPDATE cases SET state = ?, version = version + 1, closed_at = ?, closed_reason = ?,
				response_due_at = NULL, stage_due_at = NULL, final_due_at = NULL, due_at = NULL, updated_at = ?
				WHERE id IN (SELECT id FROM cases WHERE ` + where + ` LIMIT ?) AND ` + where + `
				RETURNING id, number, org_path`
			if !terminal {
				q = strings.Replace(q, "response_due_at = NULL, stage_due_at = NULL, final_due_at = NULL, due_at = NULL, ", "", 1)
			}
			args := append(append(append([]any{tm.To, closedAt, reason, now}, wargs...), sweepBatch), wargs...)
			for {
				moved := 0
				err := e.DB.Tx(ctx, func(tx *db.Tx) error {
					rows, err := tx.Query(ctx, q, args...)
					if err != nil {
						return err
					}
					type hit struct {
						id           int64
						number, path string
					}
					var hits []hit
					for rows.Next() {
						var h hit
						if err := rows.Scan(&h.id, &h.number, &h.path); err != nil {
							rows.Close()
							return err
						}
						hits = append(hits, h)
					}
					rows.Close()
					evs := make([]Event, len(hits))
					for i, h := range hits {
						evs[i] = Event{CaseID: h.id, At: now, Kind: tm.Name, ActorName: "casework sweeper", ActorRole: string(auth.SystemRole),
							FromState: tm.State, ToState: tm.To, Public: tm.Public, Text: tm.Text}
					}
					if err := insertEvents(ctx, tx, evs); err != nil {
						return err
					}
					for _, h := range hits {
						if err := audit.Record(ctx, tx, audit.Entry{Action: t.Name + "." + tm.Name, ObjectType: "case",
							ObjectID: strconv.FormatInt(h.id, 10), Detail: h.number + " " + tm.State + " → " + tm.To, OrgPath: h.path}); err != nil {
							return err
						}
					}
					moved = len(hits)
					return nil
				})
				if err != nil {
					return total, err
				}
				total += moved
				if moved < sweepBatch {
					break
				}
			}
		}
	}
	return total, nil
}

// RunSweeper sweeps every interval until ctx ends.
func (e *Engine) RunSweeper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		res, err := e.Sweep(ctx)
		if err != nil && ctx.Err() == nil {
			slog.Error("casework sweep", "err", err)
		} else if res != (SweepResult{}) {
			slog.Info("casework sweep", "due_soon", res.DueSoon, "overdue", res.Overdue, "transfers", res.Transfers, "timed", res.Timed, "recounted", res.Recounted)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
