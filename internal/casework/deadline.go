package casework

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/workday"
)

// FlagDeadlineAssumed marks a case whose open deadline runs into a year the
// State Council has not yet published holidays for (every November the next
// year is unknown while 60-day periods already reach into it). The period
// is then counted with plain weekends, said so on the case, and counted
// again when an administrator loads the year (RecomputeAssumed).
const FlagDeadlineAssumed Flags = 1 << 7

func init() {
	FlagNames = append(FlagNames, struct {
		Flag Flags
		Name string
	}{FlagDeadlineAssumed, "deadline_assumed"})
}

// Deadline is the instant a period started on the day of from runs out:
// the end of its last day in the city. Workdays are counted with the
// calendar from the day after; calendar days end on from+N, moved to the
// next working day if that is a rest day.
//
// The year of from must have holiday data (workday.ErrNoData otherwise:
// a missing current year is a configuration fault to fix, not to guess).
// A later year without data is counted with plain weekends; Deadline
// returns the result and DeadlineAssumed says it was assumed.
func (e *Engine) Deadline(from time.Time, p Period) (time.Time, error) {
	t, _, err := e.DeadlineAssumed(from, p)
	return t, err
}

// DeadlineAssumed is Deadline, also telling whether a year without holiday
// data was counted with plain weekends.
func (e *Engine) DeadlineAssumed(from time.Time, p Period) (time.Time, bool, error) {
	d, assumed, err := e.deadlineDate(e.Date(from), p)
	if err != nil {
		return time.Time{}, false, err
	}
	return endOfDay(d.Year(), d.Month(), d.Day(), e.Loc), assumed, nil
}

// DeadlineDate is Deadline on civil dates.
func (e *Engine) DeadlineDate(from workday.Date, p Period) (workday.Date, error) {
	d, _, err := e.deadlineDate(from, p)
	return d, err
}

func (e *Engine) deadlineDate(from workday.Date, p Period) (workday.Date, bool, error) {
	var d workday.Date
	var err error
	switch p.Unit {
	case Workdays:
		d, err = e.Cal.AddWorkdays(from, p.N)
	case CalendarDays:
		d, err = e.Cal.CalendarDeadline(from, p.N)
	default:
		return workday.Date{}, false, fmt.Errorf("casework: unknown day unit %q", p.Unit)
	}
	var nd *workday.NoDataError
	if err == nil || !errors.As(err, &nd) || nd.Year <= from.Year() {
		return d, false, err
	}
	// A later year is not published yet: count it with plain weekends.
	assumed := false
	work := func(x workday.Date) (bool, error) {
		ok, err := e.Cal.IsWorkday(x)
		var nd *workday.NoDataError
		if errors.As(err, &nd) {
			assumed = true
			wd := x.Weekday()
			return wd != time.Saturday && wd != time.Sunday, nil
		}
		return ok, err
	}
	switch p.Unit {
	case Workdays:
		d = from
		for n := p.N; n > 0; {
			d = d.AddDays(1)
			ok, err := work(d)
			if err != nil {
				return workday.Date{}, false, err
			}
			if ok {
				n--
			}
		}
	case CalendarDays:
		d = from.AddDays(p.N)
		for {
			ok, err := work(d)
			if err != nil {
				return workday.Date{}, false, err
			}
			if ok {
				break
			}
			d = d.AddDays(1)
		}
	}
	return d, assumed, nil
}

// calendarYears remembers the calendar's years at the last recompute.
func (e *Engine) calendarStamp() string { return fmt.Sprint(e.Cal.Years()) }

// RecomputeAssumed counts again the deadlines of open cases marked
// FlagDeadlineAssumed, now that more years may be loaded: the response
// clock from receipt, the stage from its recorded start, the whole-case
// period from its start and length. A case whose deadlines no longer need
// an assumption loses the flag. Each case that changes does so in its own
// transaction, version bumped, with a timeline entry when a date moved;
// cases that come out the same are not written.
func (e *Engine) RecomputeAssumed(ctx context.Context) (int, error) {
	ctx = auth.WithPrincipal(ctx, auth.System("casework calendar"))
	n := 0
	var after int64
	for {
		// The flagged open cases a batch at a time, whole rows, from the
		// partial index cases_assumed (whose predicate this repeats, with
		// the flag as a literal). Counted again with the same years most
		// come out the same: those are only read, never written.
		rows, err := e.DB.Query(ctx, `SELECT `+caseCols+` FROM cases c WHERE c.closed_at IS NULL AND (c.flags & `+
			strconv.FormatInt(int64(FlagDeadlineAssumed), 10)+`) <> 0 AND c.id > ? ORDER BY c.id LIMIT ?`, after, sweepBatch)
		if err != nil {
			return n, err
		}
		var changed []int64
		read := 0
		for rows.Next() {
			c, err := scanCase(rows)
			if err != nil {
				rows.Close()
				return n, err
			}
			read++
			after = c.ID
			t, ok := e.Type(c.Type)
			if !ok {
				continue
			}
			if ch, err := e.recount(ctx, &c, t); err != nil {
				rows.Close()
				return n, err
			} else if ch {
				changed = append(changed, c.ID)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, err
		}
		for _, id := range changed {
			wrote := false
			err := e.DB.Tx(ctx, func(tx *db.Tx) error {
				c, t, err := e.load(ctx, tx, id)
				if errors.Is(err, db.ErrNotFound) {
					return nil
				}
				if err != nil {
					return err
				}
				before := c
				changed, err := e.recount(ctx, &c, t)
				if err != nil || !changed {
					return err
				}
				c.UpdatedAt = e.now()
				ok, err := updateCase(ctx, tx, &c, before.Version)
				if err != nil || !ok {
					return err // a command got there first: the next recount tries again
				}
				if err := t.onWrite(ctx, tx, Change{Before: &before, After: &c}); err != nil {
					return err
				}
				if !c.DueAt.Equal(before.DueAt) || !c.FinalDueAt.Equal(before.FinalDueAt) || !c.StageDueAt.Equal(before.StageDueAt) {
					ev := Event{CaseID: c.ID, At: c.UpdatedAt, Kind: "deadlines_recounted", ActorName: "casework calendar",
						ActorRole: string(auth.SystemRole), FromState: c.State, ToState: c.State, Public: true,
						Text: "节假日安排已导入，办理期限按法定节假日重新计算", Data: map[string]any{
							"final_due": c.FinalDueAt, "stage_due": c.StageDueAt, "response_due": c.ResponseDueAt}}
					if err := insertEvent(ctx, tx, &ev); err != nil {
						return err
					}
				}
				wrote = true
				return e.audit(ctx, tx, t.Name+".recount_deadlines", &c, c.Number)
			})
			if err != nil {
				return n, err
			}
			if wrote {
				n++
			}
		}
		if read < sweepBatch {
			return n, nil
		}
	}
}

// recount counts c's open deadlines again with the calendar's years as they
// are now and tells whether anything changed (a date, or the flag that one
// was assumed).
func (e *Engine) recount(ctx context.Context, c *Case, t *Type) (bool, error) {
	before := *c
	assumed := false
	at := func(from time.Time, p Period) (time.Time, error) {
		due, a, err := e.DeadlineAssumed(from, p)
		assumed = assumed || a
		return due, err
	}
	var err error
	if !c.ResponseDueAt.IsZero() && t.Response != nil {
		if rp, err := t.Response(ctx); err == nil && rp != nil {
			if c.ResponseDueAt, err = at(c.ReceivedAt, *rp); err != nil {
				return false, err
			}
		}
	}
	if from, p, ok := stageOf(c); ok && !c.StageDueAt.IsZero() {
		if c.StageDueAt, err = at(from, p); err != nil {
			return false, err
		}
	}
	if !c.FinalDueAt.IsZero() && c.FinalFrom != "" {
		fd, err := workday.ParseDate(c.FinalFrom)
		if err != nil {
			return false, err
		}
		unit := DayUnit(c.DataString("final_unit"))
		if unit == "" {
			unit = CalendarDays
		}
		if c.FinalDueAt, err = at(fd.In(e.Loc), Period{c.FinalDays, unit}); err != nil {
			return false, err
		}
	}
	if !assumed {
		c.Flags &^= FlagDeadlineAssumed
	}
	recomputeDue(c)
	changed := c.Flags != before.Flags || !c.ResponseDueAt.Equal(before.ResponseDueAt) || !c.StageDueAt.Equal(before.StageDueAt) ||
		!c.FinalDueAt.Equal(before.FinalDueAt) || !c.DueAt.Equal(before.DueAt) || c.NotifiedLevel != before.NotifiedLevel
	return changed, nil
}

// stageOf reads when the current stage started and its period (recorded by
// the engine whenever it sets a stage deadline).
func stageOf(c *Case) (time.Time, Period, bool) {
	from, err := time.Parse(time.RFC3339, c.DataString("stage_from"))
	if err != nil {
		return time.Time{}, Period{}, false
	}
	n := c.DataInt("stage_days")
	unit := DayUnit(c.DataString("stage_unit"))
	if unit == "" || n <= 0 {
		return time.Time{}, Period{}, false
	}
	return from, Period{int(n), unit}, true
}

// setStage sets c's stage deadline from `from` and records how, so that it
// can be counted again.
func (e *Engine) setStage(c *Case, from time.Time, p Period) (bool, error) {
	due, assumed, err := e.DeadlineAssumed(from, p)
	if err != nil {
		return false, err
	}
	c.StageDueAt = due
	c.SetData("stage_from", from.UTC().Format(time.RFC3339))
	c.SetData("stage_days", p.N)
	c.SetData("stage_unit", string(p.Unit))
	return assumed, nil
}
