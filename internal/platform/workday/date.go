package workday

import (
	"cmp"
	"fmt"
	"time"
)

// Date is a civil date: no time of day and no zone. Deadlines in
// administrative law are counted in whole days of the city's calendar, so
// carrying an instant around would only invite off-by-one-day bugs at
// midnight. Date values are comparable with == and usable as map keys.
//
// The zero Date is not a real day; every calendar method reports it as a
// year without data.
type Date struct {
	year  int
	month time.Month
	day   int
}

// NewDate returns the date year-month-day, normalised the way time.Date
// normalises (so 2026-02-29 becomes 2026-03-01).
func NewDate(year int, month time.Month, day int) Date {
	return dateOfTime(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the civil date of instant t as seen in loc (for the city,
// Asia/Shanghai). A nil loc means t's own location. Use this at the edge:
// a petition received at 23:30 Beijing time was received that day, even
// though it is already the next day in UTC.
func DateOf(t time.Time, loc *time.Location) Date {
	if loc != nil {
		t = t.In(loc)
	}
	return dateOfTime(t)
}

func dateOfTime(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses the ISO 8601 form "2006-01-02" used by holiday-cn.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("workday: bad date %q: want YYYY-MM-DD", s)
	}
	return dateOfTime(t), nil
}

func (d Date) Year() int             { return d.year }
func (d Date) Month() time.Month     { return d.month }
func (d Date) Day() int              { return d.day }
func (d Date) IsZero() bool          { return d == Date{} }
func (d Date) Weekday() time.Weekday { return d.midnightUTC().Weekday() }

// In returns midnight at the start of d in loc (nil means UTC).
func (d Date) In(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.year, d.month, d.day, 0, 0, 0, 0, loc)
}

func (d Date) midnightUTC() time.Time { return d.In(time.UTC) }

// AddDays returns the date n calendar days after d (before it if n < 0).
func (d Date) AddDays(n int) Date {
	return NewDate(d.year, d.month, d.day+n)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	if c := cmp.Compare(d.year, e.year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.month, e.month); c != 0 {
		return c
	}
	return cmp.Compare(d.day, e.day)
}

func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }
func (d Date) After(e Date) bool  { return d.Compare(e) > 0 }

// String formats d as "2006-01-02".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.year, int(d.month), d.day)
}

// MarshalText and UnmarshalText let Date travel in JSON as "2006-01-02".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
