package petition

import (
	"errors"
	"time"

	"anju/internal/platform/workday"
)

// statsTables are the deadline look-ups of one year's query, computed with
// the holiday calendar: for every day of the year, its bounds and the
// acceptance deadline of a petition received on it; for every day a
// finish period can nominally end on (final_from + final_days), the
// instant before which the reply is in time.
type statsTables struct {
	first    workday.Date // 1 January
	days     []statDay    // first, first+1, … 31 December
	endsFrom workday.Date
	ends     []time.Time // for the nominal ends endsFrom, endsFrom+1, …
}

type statDay struct {
	month       int
	start, end  time.Time // the local day as UTC instants [start, end)
	acceptUntil time.Time // accepted before this instant = in time
}

// maxFinishDays bounds a finish period: 60 days and a 30-day extension, or
// a reopened case's period (at most 60) and its extension; with room.
const maxFinishDays = 150

// statsTables computes the look-ups for year y as of now. The year itself
// must have holiday data; later years without it are counted with plain
// weekends, as the engine does for deadlines running into them.
func (s *Service) statsTables(y int, now time.Time) (statsTables, error) {
	return s.statsTablesAssuming(y, now, false)
}

// statsTablesAssuming is statsTables; with assumeAll, the year itself is
// counted with plain weekends too if its holidays are not loaded (the
// roll-up, rebuilt when they are).
func (s *Service) statsTablesAssuming(y int, now time.Time, assumeAll bool) (statsTables, error) {
	loc := s.Loc
	cal := s.E.Cal
	next := func(d workday.Date) (workday.Date, error) { // the working day on or after d
		for {
			ok, err := cal.IsWorkday(d)
			var nd *workday.NoDataError
			if errors.As(err, &nd) && (nd.Year > y || assumeAll) {
				wd := d.Weekday()
				ok, err = wd != time.Saturday && wd != time.Sunday, nil
			}
			if err != nil {
				return workday.Date{}, err
			}
			if ok {
				return d, nil
			}
			d = d.AddDays(1)
		}
	}
	startOf := func(d workday.Date) time.Time { return d.In(loc).UTC() }
	first := workday.NewDate(y, time.January, 1)
	end := workday.NewDate(y+1, time.January, 1)
	t := statsTables{first: first, endsFrom: first}
	for d := first; d.Before(end); d = d.AddDays(1) {
		due, err := next(d.AddDays(acceptPeriod.N))
		if err != nil {
			return t, err
		}
		t.days = append(t.days, statDay{month: int(d.Month()), start: startOf(d), end: startOf(d.AddDays(1)),
			acceptUntil: startOf(due.AddDays(1))})
	}
	// A finish period starts on acceptance (or reopening): on or after the
	// day of receipt, and not after today.
	last := workday.DateOf(now, loc)
	if lastOfYear := end.AddDays(-1); last.Before(lastOfYear) {
		last = lastOfYear
	}
	last = last.AddDays(maxFinishDays)
	for d := first; !d.After(last); d = d.AddDays(1) {
		due, err := next(d)
		if err != nil {
			return t, err
		}
		t.ends = append(t.ends, startOf(due.AddDays(1)))
	}
	return t, nil
}
