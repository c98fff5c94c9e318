package petition

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// The statistics roll-up (migration 0003): the figures of each month of
// receipt × category × handling unit, kept in step with the cases.
//
//   - Every engine write of a petition (intake, each action, a deadline
//     recount) appends, in its own transaction, the difference it makes to
//     the cells it touches (tally): the petition's contribution before and
//     after, computed in Go exactly as the statistics' SQL computes it from
//     the row (stats_sql.go). Appending never waits on another writer.
//   - A job folds the deltas into the cells every few seconds (Fold).
//   - A read adds cells and pending deltas up in one statement (one
//     snapshot), so the figures are those of the cases at that instant.
//   - The timely counts depend on the holiday calendar: the roll-up records
//     the calendar it was built with, and while that is not the calendar
//     loaded now (a year was loaded, or the roll-up was never built — a new
//     database, data loaded in bulk by the demo) the statistics are read
//     from the cases, as before, and the job rebuilds it (Rebuild).

// rollupVersion changes when what a cell counts changes: a roll-up built
// by an older version is rebuilt.
const rollupVersion = "1"

// rollupKey names the setting holding the stamp the roll-up was built with.
const rollupKey = "petition.stats_rollup"

// rollupStamp is what a current roll-up's setting holds.
func (s *Service) rollupStamp() string {
	return rollupVersion + " " + fmt.Sprint(s.E.Cal.Years())
}

// rollupReady tells whether the roll-up matches the calendar loaded now.
func (s *Service) rollupReady(ctx context.Context, q db.Querier) bool {
	var v string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, rollupKey).Scan(&v)
	return err == nil && v == s.rollupStamp()
}

// cellKey is one cell of the roll-up.
type cellKey struct {
	ym       int // year × 100 + month
	category string
	path     string
}

// contribution is what petition c adds to its cell, as stats_sql.go counts
// it: received; accepted, and in time (before the end of the working day
// on or after 15 days from the day of receipt); replied, and on time
// (before the end of the working day on or after final_from + final_days);
// rated and satisfied (among the replied); flagged a repeat.
func (s *Service) contribution(c *casework.Case) (cellKey, Figures) {
	local := c.ReceivedAt.In(s.Loc)
	y := local.Year()
	k := cellKey{ym: y*100 + int(local.Month()), category: c.Category, path: c.OrgPath}
	f := Figures{Received: 1}
	if !c.AcceptedAt.IsZero() {
		f.Accepted = 1
		day := workday.DateOf(c.ReceivedAt, s.Loc)
		if until, ok := s.workdayEnd(day.AddDays(acceptPeriod.N)); ok && c.AcceptedAt.Before(until) {
			f.AcceptedTimely = 1
		}
	}
	if !c.RepliedAt.IsZero() {
		f.Replied = 1
		if from, err := workday.ParseDate(c.FinalFrom); err == nil && c.FinalFrom != "" {
			if until, ok := s.workdayEnd(from.AddDays(c.FinalDays)); ok && c.RepliedAt.Before(until) {
				f.RepliedOnTime = 1
			}
		}
		if c.Rating != "" {
			f.Rated = 1
		}
		if c.Rating == RatingSatisfied || c.Rating == RatingBasically {
			f.Satisfied = 1
		}
	}
	if c.Flags&casework.FlagRepeat != 0 {
		f.Repeat = 1
	}
	return k, f
}

// workdayEnd is the end (as an instant) of the working day on or after d;
// a year without holiday data counts plain weekends (the roll-up built
// then is rebuilt when the year is loaded). ok is false only if the
// calendar fails otherwise.
func (s *Service) workdayEnd(d workday.Date) (time.Time, bool) {
	for range 400 {
		ok, err := s.E.Cal.IsWorkday(d)
		var nd *workday.NoDataError
		if errors.As(err, &nd) {
			wd := d.Weekday()
			ok, err = wd != time.Saturday && wd != time.Sunday, nil
		}
		if err != nil {
			return time.Time{}, false
		}
		if ok {
			return d.AddDays(1).In(s.Loc).UTC(), true
		}
		d = d.AddDays(1)
	}
	return time.Time{}, false
}

// negated is f with every count's sign turned.
func (f Figures) negated() Figures {
	return Figures{Received: -f.Received, Accepted: -f.Accepted, AcceptedTimely: -f.AcceptedTimely, Replied: -f.Replied,
		RepliedOnTime: -f.RepliedOnTime, Rated: -f.Rated, Satisfied: -f.Satisfied, Repeat: -f.Repeat}
}

func (f Figures) zero() bool {
	return f.Received == 0 && f.Accepted == 0 && f.AcceptedTimely == 0 && f.Replied == 0 && f.RepliedOnTime == 0 &&
		f.Rated == 0 && f.Satisfied == 0 && f.Repeat == 0
}

// tally is the petition type's casework OnWrite: it appends the changes'
// differences to petition_stat_deltas, one row per cell touched.
func (s *Service) tally(ctx context.Context, tx *db.Tx, changes []casework.Change) error {
	sums := map[cellKey]*Figures{}
	var order []cellKey
	at := func(k cellKey) *Figures {
		f := sums[k]
		if f == nil {
			f = &Figures{}
			sums[k] = f
			order = append(order, k)
		}
		return f
	}
	for _, ch := range changes {
		if ch.Before != nil {
			k, f := s.contribution(ch.Before)
			at(k).add(f.negated())
		}
		k, f := s.contribution(ch.After)
		at(k).add(f)
	}
	var rows []string
	var args []any
	for _, k := range order {
		f := sums[k]
		if f.zero() {
			continue // an action that changes no figure (most of them)
		}
		rows = append(rows, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, k.ym, k.category, k.path, f.Received, f.Accepted, f.AcceptedTimely, f.Replied,
			f.RepliedOnTime, f.Rated, f.Satisfied, f.Repeat)
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO petition_stat_deltas (ym, category, org_path, received, accepted, accepted_timely,
		replied, replied_on_time, rated, satisfied, repeats) VALUES `+strings.Join(rows, ", "), args...)
	return err
}

// rollupCols are the counted columns of both roll-up tables.
const rollupCols = `received, accepted, accepted_timely, replied, replied_on_time, rated, satisfied, repeats`

// Fold moves the pending deltas into the cells and reports how many it
// moved. Each delta is folded exactly once, whoever folds at the same time.
func (s *Service) Fold(ctx context.Context) (int, error) {
	sums := `SUM(received), SUM(accepted), SUM(accepted_timely), SUM(replied), SUM(replied_on_time), SUM(rated),
		SUM(satisfied), SUM(repeats)`
	upsert := ` ON CONFLICT (ym, category, org_path) DO UPDATE SET received = petition_stat_cells.received + excluded.received,
		accepted = petition_stat_cells.accepted + excluded.accepted,
		accepted_timely = petition_stat_cells.accepted_timely + excluded.accepted_timely,
		replied = petition_stat_cells.replied + excluded.replied,
		replied_on_time = petition_stat_cells.replied_on_time + excluded.replied_on_time,
		rated = petition_stat_cells.rated + excluded.rated, satisfied = petition_stat_cells.satisfied + excluded.satisfied,
		repeats = petition_stat_cells.repeats + excluded.repeats`
	n := 0
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		if s.DB.Dialect == db.Postgres {
			// One statement, one snapshot: the deltas it deletes are the ones
			// it adds; a concurrent fold waits on each row and skips it.
			var moved int64
			err := tx.QueryRow(ctx, `WITH d AS (DELETE FROM petition_stat_deltas RETURNING *),
				ins AS (INSERT INTO petition_stat_cells (ym, category, org_path, `+rollupCols+`)
					SELECT ym, category, org_path, `+sums+` FROM d GROUP BY ym, category, org_path`+upsert+`)
				SELECT COUNT(*) FROM d`).Scan(&moved)
			n = int(moved)
			return err
		}
		// SQLite: one writer, so the deltas up to the last id seen are
		// exactly the ones added.
		var last int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0), COUNT(*) FROM petition_stat_deltas`).Scan(&last, &n); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO petition_stat_cells (ym, category, org_path, `+rollupCols+`)
			SELECT ym, category, org_path, `+sums+` FROM petition_stat_deltas WHERE id <= ? GROUP BY ym, category, org_path`+upsert,
			last); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM petition_stat_deltas WHERE id <= ?`, last)
		return err
	})
	return n, err
}

// Rebuild computes the roll-up again from the cases with the calendar
// loaded now, and records the stamp. Concurrent writes are neither lost
// nor counted twice: the cases read and the deltas dropped are those of
// one snapshot (SQLite: the single writer; PostgreSQL: a repeatable-read
// transaction, retried if a concurrent fold or rebuild got in between).
func (s *Service) Rebuild(ctx context.Context) error {
	ctx = auth.WithPrincipal(ctx, auth.System("petition statistics"))
	var err error
	for range 5 {
		err = s.DB.Tx(ctx, func(tx *db.Tx) error {
			if s.DB.Dialect == db.Postgres {
				if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`); err != nil {
					return err
				}
			}
			if s.rollupReady(ctx, tx) {
				return nil // another process got there first
			}
			return s.rebuildTx(ctx, tx)
		})
		if err == nil || !db.IsRetryable(err) {
			return err
		}
	}
	return err
}

func (s *Service) rebuildTx(ctx context.Context, tx *db.Tx) error {
	if _, err := tx.Exec(ctx, `DELETE FROM petition_stat_deltas`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM petition_stat_cells`); err != nil {
		return err
	}
	var first, last time.Time
	err := tx.QueryRow(ctx, `SELECT c.received_at FROM cases c WHERE `+typeIsPetition+` ORDER BY c.received_at LIMIT 1`).Scan(&first)
	if err == nil {
		err = tx.QueryRow(ctx, `SELECT c.received_at FROM cases c WHERE `+typeIsPetition+` ORDER BY c.received_at DESC LIMIT 1`).Scan(&last)
	}
	if err != nil && !isNoRows(err) {
		return err
	}
	if err == nil {
		sc := statsScope{p: auth.FromContext(ctx)}
		w, wargs := sc.where()
		now := s.E.Clock()
		for y := first.In(s.Loc).Year(); y <= last.In(s.Loc).Year(); y++ {
			t, err := s.rollupTables(y, now)
			if err != nil {
				return err
			}
			cells, err := s.scanCells(ctx, tx, t, w, wargs)
			if err != nil {
				return err
			}
			if err := insertCells(ctx, tx, y, cells); err != nil {
				return err
			}
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?, ?, NULL, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, rollupKey, s.rollupStamp(), s.E.Clock())
	return err
}

// rollupTables are statsTables for year y counted as the roll-up counts
// (contribution): a year without holiday data with plain weekends, and
// the finish ends far enough ahead for any reply.
func (s *Service) rollupTables(y int, now time.Time) (statsTables, error) {
	if later := time.Date(y+1, 12, 31, 0, 0, 0, 0, s.Loc); now.Before(later) {
		now = later
	}
	return s.statsTablesAssuming(y, now, true)
}

// insertCells writes the cells of year y.
func insertCells(ctx context.Context, tx *db.Tx, y int, cells []cell) error {
	const per = 400 // rows per statement (11 parameters each)
	for len(cells) > 0 {
		part := cells[:min(per, len(cells))]
		cells = cells[len(part):]
		rows := make([]string, len(part))
		args := make([]any, 0, len(part)*11)
		for i, c := range part {
			rows[i] = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			args = append(args, y*100+c.month, c.category, c.path, c.Received, c.Accepted, c.AcceptedTimely, c.Replied,
				c.RepliedOnTime, c.Rated, c.Satisfied, c.Repeat)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO petition_stat_cells (ym, category, org_path, `+rollupCols+`) VALUES `+
			strings.Join(rows, ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// rollupCells reads the cells of year y from the roll-up (cells and
// pending deltas added up), within sc.
func (s *Service) rollupCells(ctx context.Context, sc statsScope, y int) ([]cell, error) {
	w, wargs := sc.where()
	sel := `SELECT ym, category, org_path, ` + rollupCols
	q := `SELECT c.ym % 100, c.category, c.org_path, SUM(c.received), SUM(c.accepted), SUM(c.accepted_timely), SUM(c.replied),
		SUM(c.replied_on_time), SUM(c.rated), SUM(c.satisfied), SUM(c.repeats)
	FROM (` + sel + ` FROM petition_stat_cells WHERE ym > ? AND ym < ?
		UNION ALL ` + sel + ` FROM petition_stat_deltas WHERE ym > ? AND ym < ?) c
	WHERE ` + w + `
	GROUP BY c.ym, c.category, c.org_path
	HAVING SUM(c.received) <> 0`
	lo, hi := y*100, y*100+13
	return scanCellRows(s.DB.Query(ctx, q, append([]any{lo, hi, lo, hi}, wargs...)...))
}

// RunRollup keeps the roll-up current for the life of ctx: it rebuilds it
// when it does not match the calendar (checked every interval, so a year
// loaded by another process is noticed) and folds the deltas.
func (s *Service) RunRollup(ctx context.Context, interval time.Duration) {
	for {
		if !s.rollupReady(ctx, s.DB) {
			t0 := time.Now()
			if err := s.Rebuild(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				slog.Error("petition statistics: rebuilding the roll-up", "err", err)
			} else {
				slog.Info("petition statistics: roll-up rebuilt", "took", time.Since(t0).Round(time.Millisecond))
			}
		} else if _, err := s.Fold(ctx); err != nil && ctx.Err() == nil {
			slog.Error("petition statistics: folding the roll-up", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
