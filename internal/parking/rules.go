package parking

import (
	"math"
	"time"

	"anju/internal/platform/workday"
)

// The rules engine works in unix minutes (int64): a stay is [A, B), a rule's
// clock times are offsets from the local midnight of the day it applies to.
// Everything here is a pure function of its arguments, shared by search,
// reservations and the ledger, so they can never disagree.

// Days classifies the city's local days for sharing rules, from the
// platform calendar: working day (make-up working days included), rest day,
// holiday, or 0 when the calendar has no data for that year (then no rule
// that depends on the kind of day applies: a year with no data is never
// guessed).
type Days struct {
	off     int64 // minutes east of UTC
	first   int64 // day number of classes[0]
	classes []uint8
	years   []int
}

// NewDays builds the table for every year the calendar holds. The city's
// zone is taken as a fixed offset (China has kept UTC+8 without daylight
// saving since 1991).
func NewDays(cal *workday.Calendar, loc *time.Location) *Days {
	_, offSec := time.Date(2026, 1, 1, 0, 0, 0, 0, loc).Zone()
	d := &Days{off: int64(offSec / 60)}
	if cal == nil {
		return d
	}
	years := cal.Years()
	d.years = years
	if len(years) == 0 {
		return d
	}
	start := workday.NewDate(years[0], time.January, 1)
	end := workday.NewDate(years[len(years)-1], time.December, 31)
	d.first = d.dayOfDate(start)
	n := d.dayOfDate(end) - d.first + 1
	d.classes = make([]uint8, n)
	for i, day := int64(0), start; i < n; i, day = i+1, day.AddDays(1) {
		k, _, err := cal.Kind(day)
		if err != nil {
			continue
		}
		switch k {
		case workday.Workday, workday.MakeupWorkday:
			d.classes[i] = WorkingDay
		case workday.Weekend:
			d.classes[i] = RestDay
		case workday.Holiday:
			d.classes[i] = HolidayDay
		}
	}
	return d
}

// Years with calendar data.
func (d *Days) Years() []int { return d.years }

func (d *Days) dayOfDate(x workday.Date) int64 {
	return floorDiv(x.In(time.UTC).Unix()/60, 1440)
}

// Day is the local day number of unix minute m.
func (d *Days) Day(m int64) int64 { return floorDiv(m+d.off, 1440) }

// Midnight is the unix minute of the local midnight that starts day.
func (d *Days) Midnight(day int64) int64 { return day*1440 - d.off }

// Class is the calendar class of day (0: no data).
func (d *Days) Class(day int64) uint8 {
	i := day - d.first
	if i < 0 || i >= int64(len(d.classes)) {
		return 0
	}
	return d.classes[i]
}

// MinuteOfDay is the local clock time of unix minute m.
func (d *Days) MinuteOfDay(m int64) int { return int(m + d.off - floorDiv(m+d.off, 1440)*1440) }

// DowHour is 0–167, Monday 00h = 0, in local time.
func (d *Days) DowHour(m int64) int {
	day := d.Day(m)
	dow := int(floorMod(day+3, 7)) // 1970-01-01 was a Thursday
	return dow*24 + d.MinuteOfDay(m)/60
}

// YearOf is the local calendar year of unix minute m.
func (d *Days) YearOf(m int64) int {
	return time.Unix(m*60+d.off*60, 0).UTC().Year()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// Minutes converts an instant to unix minutes (seconds dropped).
func Minutes(t time.Time) int64 { return floorDiv(t.Unix(), 60) }

// TimeOf converts unix minutes back to an instant (UTC).
func TimeOf(m int64) time.Time { return time.Unix(m*60, 0).UTC() }

// Need is what the driver asks for besides the place and time.
type Need struct {
	Vehicle    VehicleClass // SmallCars (default) or "large"
	HeightCM   int
	EV         bool
	Accessible bool
	// Member: the driver is registered with the host (eligibility
	// "registered"); set per facility by the caller.
	Member bool
}

// Plan is the part of a facility the rules need, compiled for speed.
type Plan struct {
	Status      Status
	Public      int
	Reservable  int
	EV          int
	Accessible  int
	Vehicle     VehicleClass
	MaxHeightCM int
	Hours       Hours
	Rules       []Rule
	Susp        [][2]int64 // unix minutes; open-ended until math.MaxInt64
}

// PlanOf compiles f.
func PlanOf(f *Facility) Plan {
	p := Plan{Status: f.Status, Public: f.PublicSpaces, Reservable: f.ReservableSpaces, EV: f.EVSpaces,
		Accessible: f.AccessibleSpaces, Vehicle: f.VehicleClass, MaxHeightCM: f.MaxHeightCM, Hours: f.Hours,
		Rules: f.Rules}
	for _, s := range f.Suspensions {
		until := int64(math.MaxInt64)
		if !s.Ends.IsZero() {
			until = Minutes(s.Ends)
		}
		p.Susp = append(p.Susp, [2]int64{Minutes(s.Starts), until})
	}
	return p
}

// openSpan returns the opening interval of the public spaces that contains
// minute a, if any.
func (p *Plan) openFor(a, b int64, d *Days) bool {
	h := p.Hours
	if h.Always {
		return true
	}
	length := int64(h.Closes - h.Opens)
	if length <= 0 {
		length += 1440
	}
	day := d.Day(a)
	for _, dd := range [2]int64{day - 1, day} {
		start := d.Midnight(dd) + int64(h.Opens)
		if a >= start && b <= start+length {
			return true
		}
	}
	return false
}

// sharingSuspended tells whether [a, b) overlaps a suspension of sharing.
func (p *Plan) sharingSuspended(a, b int64) bool {
	for _, s := range p.Susp {
		if a < s[1] && s[0] < b {
			return true
		}
	}
	return false
}

// inBlackout tells whether minute m lies in one of the rule's daily
// blackouts, anchored at base (the midnight of the rule's day); with
// interior true, the blackout's first minute does not count (a car may
// leave at the very moment the gates close).
func (r *Rule) inBlackout(m, base int64, interior bool) bool {
	if !r.HasBlackout() {
		return false
	}
	for k := int64(-1); k <= 2; k++ {
		s := base + k*1440 + int64(r.BlackoutFrom)
		e := base + k*1440 + int64(r.BlackoutUntil)
		if interior {
			if m > s && m < e {
				return true
			}
		} else if m >= s && m < e {
			return true
		}
	}
	return false
}

// admits tells whether the rule lets a car in at a and out at b.
func (r *Rule) admits(a, b int64, d *Days) bool {
	day := d.Day(a)
	for _, dd := range [2]int64{day - 1, day} {
		if d.Class(dd)&r.Days == 0 {
			continue
		}
		base := d.Midnight(dd)
		if a < base+int64(r.EntryFrom) || a > base+int64(r.EntryUntil) || b > base+int64(r.LeaveBy) {
			continue
		}
		if r.inBlackout(a, base, false) || r.inBlackout(b, base, true) {
			continue
		}
		return true
	}
	return false
}

// covers tells whether a car admitted under the rule may be parked at t.
func (r *Rule) covers(t int64, d *Days) bool {
	day := d.Day(t)
	for _, dd := range [2]int64{day - 1, day} {
		if d.Class(dd)&r.Days == 0 {
			continue
		}
		base := d.Midnight(dd)
		if t >= base+int64(r.EntryFrom) && t < base+int64(r.LeaveBy) {
			return true
		}
	}
	return false
}

func vehicleFits(limit VehicleClass, want VehicleClass) bool {
	return limit != SmallCars || want == "" || want == SmallCars
}

// Via says how a stay is admitted.
const (
	ViaNone   uint8 = 0
	ViaPublic uint8 = 1 // the public spaces, in opening hours
	ViaShare  uint8 = 2 // a sharing rule
)

// Admit tells whether the facility takes the stay [a, b) for the need, and
// with how many spaces open to it: the public spaces if the whole stay lies
// in opening hours, plus the largest sharing rule that admits it (not
// suspended anywhere in the stay). rule is the index of that rule or -1.
func (p *Plan) Admit(a, b int64, d *Days, n Need) (capacity int, via uint8, rule int) {
	rule = -1
	if p.Status != Open || b <= a || !vehicleFits(p.Vehicle, n.Vehicle) ||
		(p.MaxHeightCM > 0 && n.HeightCM > p.MaxHeightCM) ||
		(n.EV && p.EV == 0) || (n.Accessible && p.Accessible == 0) {
		return 0, ViaNone, -1
	}
	if p.Public > 0 && p.openFor(a, b, d) {
		capacity, via = p.Public, ViaPublic
	}
	if len(p.Rules) > 0 && !p.sharingSuspended(a, b) {
		best := 0
		for i := range p.Rules {
			r := &p.Rules[i]
			if r.Spaces <= best || !vehicleFits(r.VehicleClass, n.Vehicle) ||
				(r.Eligibility == Registered && !n.Member) || !r.admits(a, b, d) {
				continue
			}
			best, rule = r.Spaces, i
		}
		if best > 0 {
			capacity += best
			via |= ViaShare
		}
	}
	return capacity, via, rule
}

// CapacityAt is how many spaces are open to outside cars at minute t: the
// public spaces if open, plus the largest sharing rule in force (whoever it
// is for).
func (p *Plan) CapacityAt(t int64, d *Days) int {
	if p.Status != Open {
		return 0
	}
	c := 0
	if p.Public > 0 && p.openFor(t, t+1, d) {
		c = p.Public
	}
	if len(p.Rules) > 0 && !p.sharingSuspended(t, t+1) {
		best := 0
		for i := range p.Rules {
			if p.Rules[i].Spaces > best && p.Rules[i].covers(t, d) {
				best = p.Rules[i].Spaces
			}
		}
		c += best
	}
	return c
}

// ReservableAt is the ledger capacity of the slot starting at t: what may be
// reserved at that instant.
func (p *Plan) ReservableAt(t int64, d *Days) int {
	return min(p.Reservable, p.CapacityAt(t, d))
}

// Price of the stay [a, b) in fen: free if no longer than the free minutes;
// otherwise every started hour from arrival at the day or night rate (by
// the hour's starting clock time), each 24 hours from arrival capped at the
// daily cap.
func (t Tariff) Price(a, b int64, d *Days) int64 {
	if b-a <= int64(t.FreeMinutes) {
		return 0
	}
	var total int64
	night := t.NightFrom != t.NightUntil
	for block := a; block < b; block += 1440 {
		end := min(block+1440, b)
		var sum int64
		for h := block; h < end; h += 60 {
			rate := t.HourCents
			if night && inClockRange(d.MinuteOfDay(h), t.NightFrom, t.NightUntil) {
				rate = t.NightHourCents
			}
			sum += rate
		}
		if t.DayCapCents > 0 && sum > t.DayCapCents {
			sum = t.DayCapCents
		}
		total += sum
	}
	return total
}

// inClockRange: m in [from, until) on a 24-hour clock, wrapping midnight
// when until < from.
func inClockRange(m, from, until int) bool {
	if from < until {
		return m >= from && m < until
	}
	return m >= from || m < until
}
