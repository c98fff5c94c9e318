package parking

import (
	"testing"
	"time"

	"anju/internal/platform/workday"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

func testDays() *Days { return NewDays(workday.New(workday.Builtin()...), shanghai) }

// at is a local time in the city as unix minutes.
func at(y int, mo time.Month, d, h, mi int) int64 {
	return Minutes(time.Date(y, mo, d, h, mi, 0, 0, shanghai))
}

func hm(h, m int) int { return h*60 + m }

// officeNights: an office car park shared on working-day nights — enter
// 17:30–21:30, leave by 08:00 the next morning, gates shut 22:00–06:00.
var officeNights = Rule{Name: "工作日夜间", Days: WorkingDay, EntryFrom: hm(17, 30), EntryUntil: hm(21, 30),
	LeaveBy: 1440 + hm(8, 0), BlackoutFrom: hm(22, 0), BlackoutUntil: 1440 + hm(6, 0), Spaces: 40,
	VehicleClass: SmallCars, Eligibility: Anyone}

// lateEntry: entry window across midnight (22:00–02:00), leave by 07:00.
var lateEntry = Rule{Name: "深夜", Days: WorkingDay, EntryFrom: hm(22, 0), EntryUntil: 1440 + hm(2, 0),
	LeaveBy: 1440 + hm(7, 0), BlackoutFrom: -1, BlackoutUntil: -1, Spaces: 10, VehicleClass: AnyVehicles, Eligibility: Anyone}

// restDays: weekends and holidays 07:00–22:00, out by 23:00.
var restDays = Rule{Name: "节假日", Days: RestDay | HolidayDay, EntryFrom: hm(7, 0), EntryUntil: hm(22, 0),
	LeaveBy: hm(23, 0), BlackoutFrom: -1, BlackoutUntil: -1, Spaces: 80, VehicleClass: SmallCars, Eligibility: Anyone}

func TestRuleValidation(t *testing.T) {
	for _, r := range []Rule{officeNights, lateEntry, restDays} {
		if err := r.Validate(100); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
	}
	bad := officeNights
	bad.LeaveBy = hm(17, 0)
	if bad.Validate(100) == nil {
		t.Error("leave-by before entry accepted")
	}
	bad = officeNights
	bad.EntryFrom = hm(17, 10)
	if bad.Validate(100) == nil {
		t.Error("entry not on a quarter hour accepted")
	}
	bad = officeNights
	bad.Spaces = 101
	if bad.Validate(100) == nil {
		t.Error("more shared spaces than the total accepted")
	}
}

func TestSharingWindows(t *testing.T) {
	d := testDays()
	type stay struct {
		name string
		rule Rule
		a, b int64
		want bool
	}
	cases := []stay{
		// Across midnight with a blackout, on an ordinary working Thursday.
		{"night stay, leaves 07:30 next morning", officeNights, at(2026, 10, 15, 18, 0), at(2026, 10, 16, 7, 30), true},
		{"leaves exactly at 08:00", officeNights, at(2026, 10, 15, 18, 0), at(2026, 10, 16, 8, 0), true},
		{"leaves after the leave-by time", officeNights, at(2026, 10, 15, 18, 0), at(2026, 10, 16, 8, 15), false},
		{"enters after the entry window", officeNights, at(2026, 10, 15, 21, 45), at(2026, 10, 16, 7, 0), false},
		{"enters before the entry window", officeNights, at(2026, 10, 15, 17, 0), at(2026, 10, 15, 21, 0), false},
		{"leaves in the blackout", officeNights, at(2026, 10, 15, 18, 0), at(2026, 10, 15, 23, 0), false},
		{"leaves as the gates close", officeNights, at(2026, 10, 15, 18, 0), at(2026, 10, 15, 22, 0), true},
		{"leaves as the gates open", officeNights, at(2026, 10, 15, 18, 0), at(2026, 10, 16, 6, 0), true},
		// Holidays and make-up working days come from the calendar, not Mon–Fri.
		{"eve of National Day (a working Wednesday)", officeNights, at(2026, 9, 30, 18, 0), at(2026, 10, 1, 7, 0), true},
		{"National Day is a Thursday but a holiday", officeNights, at(2026, 10, 1, 18, 0), at(2026, 10, 2, 7, 0), false},
		{"make-up working Saturday 10 Oct", officeNights, at(2026, 10, 10, 18, 0), at(2026, 10, 11, 7, 0), true},
		{"ordinary Sunday", officeNights, at(2026, 10, 11, 18, 0), at(2026, 10, 12, 7, 0), false},
		{"make-up working Sunday 20 Sep", officeNights, at(2026, 9, 20, 18, 0), at(2026, 9, 21, 7, 0), true},
		{"holiday rule on a holiday Saturday", restDays, at(2026, 10, 3, 9, 0), at(2026, 10, 3, 18, 0), true},
		{"holiday rule on a holiday Thursday", restDays, at(2026, 10, 1, 9, 0), at(2026, 10, 1, 18, 0), true},
		{"holiday rule on a make-up working Saturday", restDays, at(2026, 10, 10, 9, 0), at(2026, 10, 10, 18, 0), false},
		{"holiday rule on an ordinary Friday", restDays, at(2026, 10, 16, 9, 0), at(2026, 10, 16, 18, 0), false},
		// An entry window that itself crosses midnight.
		{"enters 01:00, rule of the working day before", lateEntry, at(2026, 10, 13, 1, 0), at(2026, 10, 13, 6, 30), true},
		{"enters 01:00 Saturday after a working Friday", lateEntry, at(2026, 10, 17, 1, 0), at(2026, 10, 17, 6, 0), true},
		{"enters 01:00 Monday after a Sunday", lateEntry, at(2026, 10, 12, 1, 0), at(2026, 10, 12, 6, 0), false},
		{"enters 01:00 on 2 Oct, after the National Day holiday", lateEntry, at(2026, 10, 2, 1, 0), at(2026, 10, 2, 6, 0), false},
		{"enters 01:00 on 1 Oct, after the working 30 Sep", lateEntry, at(2026, 10, 1, 1, 0), at(2026, 10, 1, 6, 0), true},
		// A year the calendar does not know is never guessed.
		{"2027 has no calendar data", officeNights, at(2027, 3, 10, 18, 0), at(2027, 3, 11, 7, 0), false},
	}
	for _, c := range cases {
		r := c.rule
		if got := r.admits(c.a, c.b, d); got != c.want {
			t.Errorf("%s: admits = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAdmitAndCapacity(t *testing.T) {
	d := testDays()
	office := Plan{Status: Open, Public: 5, Reservable: 20, Vehicle: AnyVehicles,
		Hours: Hours{Opens: hm(8, 0), Closes: hm(18, 0)}, Rules: []Rule{officeNights, restDays}}
	// Daytime on a working day: only the public visitor spaces.
	if c, via, _ := office.Admit(at(2026, 10, 15, 9, 0), at(2026, 10, 15, 11, 0), d, Need{}); c != 5 || via != ViaPublic {
		t.Errorf("working day morning: %d via %d", c, via)
	}
	// A night stay: the sharing rule only (the public hours end at 18:00).
	if c, via, r := office.Admit(at(2026, 10, 15, 18, 0), at(2026, 10, 16, 7, 0), d, Need{}); c != 40 || via != ViaShare || r != 0 {
		t.Errorf("night: %d via %d rule %d", c, via, r)
	}
	// A large vehicle is not taken by a small-cars rule.
	if c, _, _ := office.Admit(at(2026, 10, 15, 18, 0), at(2026, 10, 16, 7, 0), d, Need{Vehicle: "large"}); c != 0 {
		t.Errorf("large vehicle admitted: %d", c)
	}
	// Suspension of sharing removes the night.
	s := office
	s.Susp = [][2]int64{{at(2026, 10, 15, 20, 0), at(2026, 10, 16, 0, 0)}}
	if c, _, _ := s.Admit(at(2026, 10, 15, 18, 0), at(2026, 10, 16, 7, 0), d, Need{}); c != 0 {
		t.Errorf("suspended night admitted: %d", c)
	}
	if got := s.CapacityAt(at(2026, 10, 15, 21, 0), d); got != 0 {
		t.Errorf("capacity during suspension %d", got)
	}
	if got := s.CapacityAt(at(2026, 10, 16, 3, 0), d); got != 40 {
		t.Errorf("capacity after suspension %d", got)
	}
	// Registered-only rules need membership.
	m := office
	m.Rules = []Rule{officeNights}
	m.Rules[0].Eligibility = Registered
	if c, _, _ := m.Admit(at(2026, 10, 15, 18, 0), at(2026, 10, 16, 7, 0), d, Need{}); c != 0 {
		t.Errorf("non-member admitted: %d", c)
	}
	if c, _, _ := m.Admit(at(2026, 10, 15, 18, 0), at(2026, 10, 16, 7, 0), d, Need{Member: true}); c != 40 {
		t.Errorf("member refused: %d", c)
	}
	// The ledger capacity is capped by the reservable spaces.
	if got := office.ReservableAt(at(2026, 10, 15, 23, 0), d); got != 20 {
		t.Errorf("reservable at night %d", got)
	}
	if got := office.ReservableAt(at(2026, 10, 15, 10, 0), d); got != 5 {
		t.Errorf("reservable by day %d", got)
	}
	// Opening hours across midnight.
	late := Plan{Status: Open, Public: 3, Reservable: 3, Hours: Hours{Opens: hm(20, 0), Closes: hm(6, 0)}}
	if c, _, _ := late.Admit(at(2026, 10, 16, 1, 0), at(2026, 10, 16, 5, 0), d, Need{}); c != 3 {
		t.Errorf("after-midnight stay in 20–06 hours refused")
	}
	if c, _, _ := late.Admit(at(2026, 10, 16, 5, 0), at(2026, 10, 16, 7, 0), d, Need{}); c != 0 {
		t.Errorf("stay past closing admitted")
	}
	closed := office
	closed.Status = Suspended
	if c, _, _ := closed.Admit(at(2026, 10, 15, 9, 0), at(2026, 10, 15, 10, 0), d, Need{}); c != 0 {
		t.Errorf("suspended facility admitted")
	}
}

func TestPrice(t *testing.T) {
	d := testDays()
	tf := Tariff{FreeMinutes: 15, HourCents: 500, DayCapCents: 4000, NightHourCents: 100, NightFrom: hm(20, 0), NightUntil: hm(8, 0)}
	cases := []struct {
		name string
		a, b int64
		want int64
	}{
		{"within free minutes", at(2026, 10, 15, 9, 0), at(2026, 10, 15, 9, 15), 0},
		{"16 minutes pays an hour", at(2026, 10, 15, 9, 0), at(2026, 10, 15, 9, 16), 500},
		{"2.5 hours by day", at(2026, 10, 15, 9, 0), at(2026, 10, 15, 11, 30), 1500},
		{"across the night rate", at(2026, 10, 15, 19, 0), at(2026, 10, 15, 22, 0), 500 + 100 + 100},
		{"a long day is capped", at(2026, 10, 15, 8, 0), at(2026, 10, 15, 20, 0), 4000},
		{"36 hours: a capped day and 12 more hours", at(2026, 10, 15, 8, 0), at(2026, 10, 16, 20, 0), 4000 + 4000},
	}
	for _, c := range cases {
		if got := tf.Price(c.a, c.b, d); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
