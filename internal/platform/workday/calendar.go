// Package workday knows which days are working days in mainland China and
// counts statutory deadlines with them.
//
// Rules applied (see shared/reference/china-rules.md):
//   - Monday–Friday work and weekends rest, except as the State Council's
//     yearly notice says: listed holiday ranges are rest days and listed
//     weekend days are make-up working days.
//   - Civil Code art. 201: the starting day of a period is not counted; the
//     Administrative Licensing Law likewise counts from the day after
//     acceptance. Art. 203: a period whose last day is a rest day ends on
//     the first working day after it.
//
// A year without a loaded notice is never guessed: every question that
// touches it fails with an error wrapping ErrNoData that names the year, so
// an administrator can load the notice (ParseHolidayCN, Calendar.Load).
package workday

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// ErrNoData is wrapped by every error about a year with no holiday data.
var ErrNoData = errors.New("workday: no holiday data")

// NoDataError says which year lacks data; errors.Is(err, ErrNoData) holds.
type NoDataError struct{ Year int }

func (e *NoDataError) Error() string {
	return fmt.Sprintf("workday: no holiday data for %d (load the State Council holiday notice for %d)", e.Year, e.Year)
}

func (e *NoDataError) Unwrap() error { return ErrNoData }

// DayKind classifies a date.
type DayKind int

const (
	Workday       DayKind = iota + 1 // ordinary Monday–Friday
	Weekend                          // ordinary Saturday or Sunday
	Holiday                          // rest day of a statutory holiday range (has a name)
	MakeupWorkday                    // weekend day worked in exchange for a holiday (has a name)
)

// IsWorkday reports whether people are at work on a day of this kind.
func (k DayKind) IsWorkday() bool { return k == Workday || k == MakeupWorkday }

func (k DayKind) String() string {
	switch k {
	case Workday:
		return "workday"
	case Weekend:
		return "weekend"
	case Holiday:
		return "holiday"
	case MakeupWorkday:
		return "makeup-workday"
	}
	return fmt.Sprintf("DayKind(%d)", int(k))
}

// maxSpanDays bounds calendar-day periods: no period can usefully reach
// past the years that may carry data, and the bound keeps date arithmetic
// far from integer overflow.
const maxSpanDays = (MaxYear - MinYear + 1) * 366

// Calendar holds the loaded years. It is safe for concurrent use; the zero
// value is an empty calendar. Each query runs under one read lock, so it sees
// a consistent set of years even while an administrator loads a new one.
type Calendar struct {
	mu    sync.RWMutex
	years map[int]map[Date]Day
}

// New returns a calendar with the given years, typically New(Builtin()...).
// It panics if a year is invalid: callers pass data that is embedded or
// already validated by ParseHolidayCN; use Load for anything else.
func New(years ...Year) *Calendar {
	c := &Calendar{}
	for _, y := range years {
		if err := c.Load(y); err != nil {
			panic(err)
		}
	}
	return c
}

// Load validates y and adds it, replacing any data for the same year (an
// administrator loaded a corrected or new notice).
func (c *Calendar) Load(y Year) error {
	if err := y.Validate(); err != nil {
		return err
	}
	days := make(map[Date]Day, len(y.Days))
	for _, d := range y.Days {
		days[d.Date] = d
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.years == nil {
		c.years = make(map[int]map[Date]Day)
	}
	c.years[y.Year] = days
	return nil
}

// Years returns the years with data, ascending.
func (c *Calendar) Years() []int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Sorted(maps.Keys(c.years))
}

// Kind classifies d; name is the holiday's name for Holiday and
// MakeupWorkday, empty otherwise.
func (c *Calendar) Kind(d Date) (kind DayKind, name string, err error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.kind(d)
}

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d Date) (bool, error) {
	k, _, err := c.Kind(d)
	return k.IsWorkday(), err
}

// AddWorkdays returns the n-th working day after start; start itself is not
// counted even if it is a working day, so n=1 is the next working day and
// n=0 returns start. Start's year must have data too. n < 0 is an error.
func (c *Calendar) AddWorkdays(start Date, n int) (Date, error) {
	if n < 0 {
		return Date{}, fmt.Errorf("workday: AddWorkdays: negative count %d", n)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if err := c.covers(start); err != nil {
		return Date{}, err
	}
	// Terminates: every step either counts or moves towards a year without
	// data (no year beyond MaxYear can be loaded).
	d := start
	for n > 0 {
		d = d.AddDays(1)
		k, _, err := c.kind(d)
		if err != nil {
			return Date{}, err
		}
		if k.IsWorkday() {
			n--
		}
	}
	return d, nil
}

// WorkdaysBetween counts the working days in (a, b]: a excluded, b
// included, so WorkdaysBetween(a, AddWorkdays(a, n)) == n. If b is before a
// the result is negative, -WorkdaysBetween(b, a), which reads naturally as
// "overdue by so many working days". Both a's and b's years need data.
func (c *Calendar) WorkdaysBetween(a, b Date) (int, error) {
	if b.Before(a) {
		n, err := c.WorkdaysBetween(b, a)
		return -n, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if err := c.covers(a); err != nil {
		return 0, err
	}
	if err := c.covers(b); err != nil {
		return 0, err
	}
	n := 0
	for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
		k, _, err := c.kind(d)
		if err != nil {
			return 0, err
		}
		if k.IsWorkday() {
			n++
		}
	}
	return n, nil
}

// CalendarDeadline returns the last day of a period of `days` calendar days
// (日) starting at start, e.g. a petition's 15 or 60 days: the start day is
// not counted (art. 201), so the period ends on start+days; if that is not a
// working day (a statutory holiday or an ordinary rest day) it moves to the
// first working day after it (art. 203). A make-up working day counts as a
// working day. days < 0 is an error.
func (c *Calendar) CalendarDeadline(start Date, days int) (Date, error) {
	if days < 0 || days > maxSpanDays {
		return Date{}, fmt.Errorf("workday: CalendarDeadline: period of %d days out of range 0–%d", days, maxSpanDays)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if err := c.covers(start); err != nil {
		return Date{}, err
	}
	end := start.AddDays(days)
	for {
		k, _, err := c.kind(end)
		if err != nil {
			return Date{}, err
		}
		if k.IsWorkday() {
			return end, nil
		}
		end = end.AddDays(1)
	}
}

// covers fails unless d's year has data. Caller holds c.mu.
func (c *Calendar) covers(d Date) error {
	if _, ok := c.years[d.Year()]; !ok {
		return &NoDataError{Year: d.Year()}
	}
	return nil
}

// kind classifies d. Caller holds c.mu.
func (c *Calendar) kind(d Date) (DayKind, string, error) {
	days, ok := c.years[d.Year()]
	if !ok {
		return 0, "", &NoDataError{Year: d.Year()}
	}
	day, listed := days[d]
	// The next year's notice may start its New Year break in this
	// December; for those days it is the later, more specific word.
	if d.Month() == time.December {
		if next, ok := c.years[d.Year()+1]; ok {
			if nd, ok := next[d]; ok {
				day, listed = nd, true
			}
		}
	}
	switch {
	case listed && day.IsOffDay:
		return Holiday, day.Name, nil
	case listed:
		return MakeupWorkday, day.Name, nil
	case isWeekend(d):
		return Weekend, "", nil
	}
	return Workday, "", nil
}
