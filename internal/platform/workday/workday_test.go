package workday

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// Expected values in this file were worked out by hand from the State
// Council notices in shared/reference/china-rules.md and a paper calendar,
// not by running the implementation.

func day(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func builtinCalendar() *Calendar { return New(Builtin()...) }

// The embedded data must say exactly what the notices say. The expectation
// is rebuilt here from the ranges as written in the notices.
func TestBuiltinMatchesNotices(t *testing.T) {
	type rng struct {
		name     string
		from, to string
		work     []string // make-up working days
		workDays []time.Weekday
	}
	notices := map[int][]rng{
		2025: {
			{"元旦", "2025-01-01", "2025-01-01", nil, nil},
			{"春节", "2025-01-28", "2025-02-04", []string{"2025-01-26", "2025-02-08"}, []time.Weekday{time.Sunday, time.Saturday}},
			{"清明节", "2025-04-04", "2025-04-06", nil, nil},
			{"劳动节", "2025-05-01", "2025-05-05", []string{"2025-04-27"}, []time.Weekday{time.Sunday}},
			{"端午节", "2025-05-31", "2025-06-02", nil, nil},
			{"国庆节、中秋节", "2025-10-01", "2025-10-08", []string{"2025-09-28", "2025-10-11"}, []time.Weekday{time.Sunday, time.Saturday}},
		},
		2026: {
			{"元旦", "2026-01-01", "2026-01-03", []string{"2026-01-04"}, []time.Weekday{time.Sunday}},
			{"春节", "2026-02-15", "2026-02-23", []string{"2026-02-14", "2026-02-28"}, []time.Weekday{time.Saturday, time.Saturday}},
			{"清明节", "2026-04-04", "2026-04-06", nil, nil},
			{"劳动节", "2026-05-01", "2026-05-05", []string{"2026-05-09"}, []time.Weekday{time.Saturday}},
			{"端午节", "2026-06-19", "2026-06-21", nil, nil},
			{"中秋节", "2026-09-25", "2026-09-27", nil, nil},
			{"国庆节", "2026-10-01", "2026-10-07", []string{"2026-09-20", "2026-10-10"}, []time.Weekday{time.Sunday, time.Saturday}},
		},
	}
	// Day counts per notice: 2025 has 1+8+3+5+3+8 = 28 days off and 5
	// make-up days; 2026 has 3+9+3+5+3+3+7 = 33 days off and 6 make-up days.
	wantCounts := map[int][2]int{2025: {28, 5}, 2026: {33, 6}}

	years := Builtin()
	if len(years) != 2 || years[0].Year != 2025 || years[1].Year != 2026 {
		t.Fatalf("Builtin years = %v, want 2025 and 2026", yearsOf(years))
	}
	for _, y := range years {
		want := map[Date]Day{}
		for _, r := range notices[y.Year] {
			for d := day(t, r.from); !d.After(day(t, r.to)); d = d.AddDays(1) {
				want[d] = Day{r.name, d, true}
			}
			for i, s := range r.work {
				d := day(t, s)
				if d.Weekday() != r.workDays[i] {
					t.Errorf("%s: notice says %s, calendar says %s", s, r.workDays[i], d.Weekday())
				}
				want[d] = Day{r.name, d, false}
			}
		}
		got := map[Date]Day{}
		off, work := 0, 0
		for _, d := range y.Days {
			got[d.Date] = d
			if d.IsOffDay {
				off++
			} else {
				work++
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d: embedded days differ from the notice\n got %v\nwant %v", y.Year, got, want)
		}
		if c := wantCounts[y.Year]; off != c[0] || work != c[1] {
			t.Errorf("%d: %d days off, %d make-up days; want %d, %d", y.Year, off, work, c[0], c[1])
		}
	}
}

func yearsOf(ys []Year) []int {
	var out []int
	for _, y := range ys {
		out = append(out, y.Year)
	}
	return out
}

// The embedded files are in canonical form, so writing a year and diffing
// against data/ shows exactly what an administrator's file changed.
func TestEmbeddedFilesAreCanonical(t *testing.T) {
	for _, y := range Builtin() {
		name := fmt.Sprintf("data/%d.json", y.Year)
		file, err := dataFS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out, err := MarshalHolidayCN(y)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(file, out) {
			t.Errorf("%s is not what MarshalHolidayCN writes:\n%s", name, out)
		}
	}
}

func TestBuiltinReturnsCopy(t *testing.T) {
	a := Builtin()
	a[0].Days[0].Name = "changed"
	if b := Builtin(); b[0].Days[0].Name == "changed" {
		t.Fatal("Builtin shares its slices with callers")
	}
}

func TestKind(t *testing.T) {
	c := builtinCalendar()
	tests := []struct {
		date string
		kind DayKind
		name string
	}{
		{"2025-01-01", Holiday, "元旦"},
		{"2025-01-02", Workday, ""},
		{"2025-01-25", Weekend, ""},         // Sat before Spring Festival 2025: ordinary rest
		{"2025-01-26", MakeupWorkday, "春节"}, // Sun worked
		{"2025-01-28", Holiday, "春节"},
		{"2025-02-04", Holiday, "春节"},
		{"2025-02-05", Workday, ""},
		{"2025-02-08", MakeupWorkday, "春节"}, // Sat worked
		{"2025-02-09", Weekend, ""},
		{"2025-04-27", MakeupWorkday, "劳动节"},
		{"2025-06-02", Holiday, "端午节"},
		{"2025-09-27", Weekend, ""},
		{"2025-09-28", MakeupWorkday, "国庆节、中秋节"},
		{"2025-10-08", Holiday, "国庆节、中秋节"},
		{"2025-10-11", MakeupWorkday, "国庆节、中秋节"},
		{"2025-10-12", Weekend, ""},
		{"2025-12-31", Workday, ""},
		{"2026-01-03", Holiday, "元旦"}, // a Saturday inside the range: still a holiday
		{"2026-01-04", MakeupWorkday, "元旦"},
		{"2026-02-13", Workday, ""},
		{"2026-02-14", MakeupWorkday, "春节"},
		{"2026-02-15", Holiday, "春节"},
		{"2026-02-23", Holiday, "春节"},
		{"2026-02-24", Workday, ""},
		{"2026-02-28", MakeupWorkday, "春节"},
		{"2026-03-01", Weekend, ""},
		{"2026-05-09", MakeupWorkday, "劳动节"},
		{"2026-05-10", Weekend, ""},
		{"2026-09-20", MakeupWorkday, "国庆节"},
		{"2026-09-25", Holiday, "中秋节"}, // a Friday
		{"2026-10-07", Holiday, "国庆节"},
		{"2026-10-08", Workday, ""},
		{"2026-10-10", MakeupWorkday, "国庆节"},
		{"2026-10-11", Weekend, ""},
	}
	for _, tt := range tests {
		d := day(t, tt.date)
		k, name, err := c.Kind(d)
		if err != nil || k != tt.kind || name != tt.name {
			t.Errorf("Kind(%s) = %v, %q, %v; want %v, %q", tt.date, k, name, err, tt.kind, tt.name)
		}
		w, err := c.IsWorkday(d)
		if err != nil || w != tt.kind.IsWorkday() {
			t.Errorf("IsWorkday(%s) = %v, %v", tt.date, w, err)
		}
	}
}

func TestAddWorkdays(t *testing.T) {
	c := builtinCalendar()
	tests := []struct {
		start string
		n     int
		want  string
		why   string
	}{
		// Spring Festival 2026: off 15–23 Feb; Sat 14 and Sat 28 Feb worked.
		{"2026-02-13", 0, "2026-02-13", "n=0 is the start day"},
		{"2026-02-13", 1, "2026-02-14", "Fri → make-up Sat"},
		{"2026-02-13", 2, "2026-02-24", "skips the whole festival"},
		{"2026-02-13", 5, "2026-02-27", "14, 24, 25, 26, 27"},
		{"2026-02-13", 6, "2026-02-28", "make-up Sat 28 Feb"},
		{"2026-02-13", 7, "2026-03-02", "Sun 1 Mar rests"},
		{"2026-02-13", 20, "2026-03-19", "licensing art. 42 deadline"},
		{"2026-02-14", 1, "2026-02-24", "received on the make-up Sat, the day before the festival"},
		{"2026-02-14", 5, "2026-02-28", ""},
		{"2026-02-14", 20, "2026-03-20", ""},
		{"2026-02-16", 1, "2026-02-24", "received online on 除夕, inside the festival"},
		{"2026-02-16", 20, "2026-03-20", ""},
		{"2026-02-15", 0, "2026-02-15", "n=0 returns start even on a holiday"},
		// Spring Festival 2025: off 28 Jan–4 Feb; Sun 26 Jan and Sat 8 Feb worked.
		{"2025-01-24", 1, "2025-01-26", "Fri → make-up Sun"},
		{"2025-01-24", 2, "2025-01-27", ""},
		{"2025-01-24", 3, "2025-02-05", ""},
		{"2025-01-24", 6, "2025-02-08", "make-up Sat"},
		{"2025-01-24", 7, "2025-02-10", ""},
		{"2025-01-27", 1, "2025-02-05", "day before the festival"},
		{"2025-01-27", 4, "2025-02-08", ""},
		{"2025-01-27", 5, "2025-02-10", ""},
		{"2025-01-27", 20, "2025-03-03", ""},
		// Labour Day.
		{"2025-04-25", 1, "2025-04-27", "make-up Sun"},
		{"2025-04-25", 5, "2025-05-06", "27, 28, 29, 30 Apr, 6 May"},
		{"2026-04-30", 1, "2026-05-06", ""},
		{"2026-04-30", 4, "2026-05-09", "make-up Sat"},
		{"2026-04-30", 5, "2026-05-11", ""},
		// National Day 2025: off 1–8 Oct; Sun 28 Sep and Sat 11 Oct worked.
		{"2025-09-26", 1, "2025-09-28", ""},
		{"2025-09-26", 3, "2025-09-30", ""},
		{"2025-09-26", 4, "2025-10-09", ""},
		{"2025-09-26", 6, "2025-10-11", ""},
		{"2025-09-26", 7, "2025-10-13", ""},
		// Mid-Autumn and National Day 2026: off 25–27 Sep and 1–7 Oct; Sun 20 Sep, Sat 10 Oct worked.
		{"2026-09-18", 1, "2026-09-20", ""},
		{"2026-09-18", 5, "2026-09-24", ""},
		{"2026-09-18", 6, "2026-09-28", "skips Mid-Autumn"},
		{"2026-09-18", 8, "2026-09-30", ""},
		{"2026-09-18", 9, "2026-10-08", ""},
		{"2026-09-18", 11, "2026-10-10", ""},
		{"2026-09-18", 12, "2026-10-12", ""},
		// Across the year end: 1–3 Jan 2026 off, Sun 4 Jan worked.
		{"2025-12-26", 1, "2025-12-29", ""},
		{"2025-12-26", 3, "2025-12-31", ""},
		{"2025-12-26", 4, "2026-01-04", ""},
		{"2025-12-26", 5, "2026-01-05", ""},
		{"2025-12-31", 1, "2026-01-04", ""},
	}
	for _, tt := range tests {
		got, err := c.AddWorkdays(day(t, tt.start), tt.n)
		if err != nil || got != day(t, tt.want) {
			t.Errorf("AddWorkdays(%s, %d) = %v, %v; want %s (%s)", tt.start, tt.n, got, err, tt.want, tt.why)
		}
	}
	if _, err := c.AddWorkdays(day(t, "2026-02-13"), -1); err == nil {
		t.Error("AddWorkdays with n<0: no error")
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := builtinCalendar()
	tests := []struct {
		a, b string
		want int
	}{
		{"2026-02-13", "2026-02-13", 0},
		{"2026-02-13", "2026-02-14", 1},
		{"2026-02-13", "2026-02-23", 1}, // only the make-up Saturday
		{"2026-02-13", "2026-02-27", 5},
		{"2026-02-13", "2026-03-19", 20},
		{"2026-02-27", "2026-02-13", -5}, // b before a: negative
		{"2025-01-27", "2025-02-04", 0},
		{"2025-01-24", "2025-02-10", 7},
		{"2025-09-30", "2025-10-08", 0},
		{"2025-09-26", "2025-10-13", 7}, // 28, 29, 30 Sep; 9, 10, 11, 13 Oct
		{"2026-09-18", "2026-10-12", 12},
		{"2025-12-31", "2026-01-05", 2}, // Sun 4 and Mon 5 Jan
		{"2026-01-05", "2025-12-31", -2},
	}
	for _, tt := range tests {
		got, err := c.WorkdaysBetween(day(t, tt.a), day(t, tt.b))
		if err != nil || got != tt.want {
			t.Errorf("WorkdaysBetween(%s, %s) = %d, %v; want %d", tt.a, tt.b, got, err, tt.want)
		}
	}
}

// AddWorkdays and WorkdaysBetween are inverses; checked over the whole
// embedded range rather than hand-picked dates.
func TestAddWorkdaysInvertsWorkdaysBetween(t *testing.T) {
	c := builtinCalendar()
	for a := day(t, "2025-01-01"); a.Before(day(t, "2026-11-01")); a = a.AddDays(1) {
		for _, n := range []int{0, 1, 5, 20, 30} {
			b, err := c.AddWorkdays(a, n)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := c.WorkdaysBetween(a, b); err != nil || got != n {
				t.Fatalf("WorkdaysBetween(%s, AddWorkdays(%s, %d) = %s) = %d, %v", a, a, n, b, got, err)
			}
			if ok, _ := c.IsWorkday(b); n > 0 && !ok {
				t.Fatalf("AddWorkdays(%s, %d) = %s, not a working day", a, n, b)
			}
		}
	}
}

func TestCalendarDeadline(t *testing.T) {
	c := builtinCalendar()
	tests := []struct {
		start string
		days  int
		want  string
		why   string
	}{
		{"2026-09-16", 15, "2026-10-08", "16 Sep + 15 = 1 Oct, National Day → first working day 8 Oct"},
		{"2026-03-02", 15, "2026-03-17", "ends on a Tuesday: unchanged"},
		{"2026-01-30", 15, "2026-02-14", "ends on the make-up Saturday: a working day"},
		{"2026-02-01", 15, "2026-02-24", "1 Feb + 15 = 16 Feb, Spring Festival → 24 Feb"},
		{"2026-02-05", 60, "2026-04-07", "5 Feb + 60 = 6 Apr, 清明 → 7 Apr"},
		{"2025-01-01", 10, "2025-01-13", "ends Sat 11 Jan → Mon 13 Jan"},
		{"2025-12-03", 60, "2026-02-02", "across the year: Sun 1 Feb → Mon 2 Feb"},
		{"2025-09-15", 15, "2025-09-30", ""},
		{"2025-09-16", 15, "2025-10-09", "1 Oct → the 8-day break → 9 Oct"},
		{"2026-10-01", 0, "2026-10-08", "zero days from a holiday"},
	}
	for _, tt := range tests {
		got, err := c.CalendarDeadline(day(t, tt.start), tt.days)
		if err != nil || got != day(t, tt.want) {
			t.Errorf("CalendarDeadline(%s, %d) = %v, %v; want %s (%s)", tt.start, tt.days, got, err, tt.want, tt.why)
		}
	}
	if _, err := c.CalendarDeadline(day(t, "2026-01-05"), -1); err == nil {
		t.Error("negative period: no error")
	}
	if _, err := c.CalendarDeadline(day(t, "2026-01-05"), 1<<62); err == nil {
		t.Error("absurd period: no error")
	}
}

// 2027's notice is not out: every question touching it must fail, naming
// 2027, instead of assuming plain weekends.
func TestNoDataYear(t *testing.T) {
	c := builtinCalendar()
	calls := map[string]func() error{
		"IsWorkday": func() error { _, err := c.IsWorkday(day(t, "2027-01-04")); return err },
		"Kind":      func() error { _, _, err := c.Kind(day(t, "2027-06-01")); return err },
		"AddWorkdays start": func() error {
			_, err := c.AddWorkdays(day(t, "2027-01-04"), 0)
			return err
		},
		"AddWorkdays crossing": func() error {
			_, err := c.AddWorkdays(day(t, "2026-12-28"), 4) // 29, 30, 31 Dec give 3; the 4th is in 2027
			return err
		},
		"WorkdaysBetween": func() error {
			_, err := c.WorkdaysBetween(day(t, "2026-12-01"), day(t, "2027-01-10"))
			return err
		},
		"WorkdaysBetween reversed": func() error {
			_, err := c.WorkdaysBetween(day(t, "2027-01-10"), day(t, "2026-12-01"))
			return err
		},
		"CalendarDeadline": func() error {
			_, err := c.CalendarDeadline(day(t, "2026-12-20"), 30) // ends 19 Jan 2027
			return err
		},
	}
	for name, call := range calls {
		err := call()
		var nd *NoDataError
		if !errors.Is(err, ErrNoData) || !errors.As(err, &nd) || nd.Year != 2027 || !strings.Contains(err.Error(), "2027") {
			t.Errorf("%s: err = %v; want ErrNoData naming 2027", name, err)
		}
	}
	// Up to the last day of 2026 the answer is still known: 28 Dec 2026 is
	// a Monday, 29–31 Dec give three working days.
	if got, err := c.AddWorkdays(day(t, "2026-12-28"), 3); err != nil || got != day(t, "2026-12-31") {
		t.Errorf("AddWorkdays(2026-12-28, 3) = %v, %v", got, err)
	}
	// 2024 is not embedded either; a start date there is not guessed.
	if _, err := c.AddWorkdays(day(t, "2024-12-31"), 1); !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "2024") {
		t.Errorf("start in 2024: err = %v", err)
	}
	var zero Date
	if _, err := c.IsWorkday(zero); !errors.Is(err, ErrNoData) {
		t.Errorf("zero Date: err = %v", err)
	}
}

func TestLoad(t *testing.T) {
	c := builtinCalendar()
	if got := c.Years(); !reflect.DeepEqual(got, []int{2025, 2026}) {
		t.Fatalf("Years = %v", got)
	}
	// A made-up 2027 arrangement (test fixture, not the real notice): an
	// administrator loads it and 2027 becomes answerable.
	y2027 := Year{Year: 2027, Days: []Day{
		{"元旦", day(t, "2027-01-01"), true},
		{"测试调休", day(t, "2027-01-09"), false}, // a Saturday
	}}
	if err := c.Load(y2027); err != nil {
		t.Fatal(err)
	}
	if got := c.Years(); !reflect.DeepEqual(got, []int{2025, 2026, 2027}) {
		t.Fatalf("Years = %v", got)
	}
	// 28 Dec 2026 (Mon): 29, 30, 31 Dec, then 1 Jan 2027 is off, 4 Jan (Mon) is the 4th.
	if got, err := c.AddWorkdays(day(t, "2026-12-28"), 4); err != nil || got != day(t, "2027-01-04") {
		t.Errorf("AddWorkdays across into loaded 2027 = %v, %v", got, err)
	}
	if k, name, _ := c.Kind(day(t, "2027-01-09")); k != MakeupWorkday || name != "测试调休" {
		t.Errorf("Kind(2027-01-09) = %v %q", k, name)
	}
	// Loading a year again replaces it rather than merging.
	if err := c.Load(Year{Year: 2027, Days: []Day{{"元旦", day(t, "2027-01-01"), true}}}); err != nil {
		t.Fatal(err)
	}
	if k, _, _ := c.Kind(day(t, "2027-01-09")); k != Weekend {
		t.Errorf("after reload, 2027-01-09 is %v, want weekend", k)
	}
	// Invalid data is refused and leaves the calendar unchanged.
	if err := c.Load(Year{Year: 2026}); err == nil {
		t.Error("Load of an empty 2026: no error")
	}
	if k, _, _ := c.Kind(day(t, "2026-02-16")); k != Holiday {
		t.Errorf("2026 lost after refused Load: %v", k)
	}
	// The zero Calendar is usable.
	var z Calendar
	if _, err := z.IsWorkday(day(t, "2026-01-05")); !errors.Is(err, ErrNoData) {
		t.Errorf("zero Calendar: %v", err)
	}
	if err := z.Load(Builtin()[1]); err != nil {
		t.Fatal(err)
	}
	if ok, err := z.IsWorkday(day(t, "2026-01-04")); !ok || err != nil {
		t.Errorf("zero Calendar after Load: %v, %v", ok, err)
	}
}

func TestNewPanicsOnInvalidYear(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New accepted an invalid year")
		}
	}()
	New(Year{Year: 1900})
}

// holiday-cn's 2019.json starts the New Year break in December 2018
// (29 Dec worked, 30–31 Dec off). That real shape must load and be used.
func TestNewYearBreakInPreviousDecember(t *testing.T) {
	const y2019 = `{
		"$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
		"year": 2019,
		"papers": ["http://www.gov.cn/zhengce/content/2018-12/06/content_5346276.htm"],
		"days": [
			{"name": "元旦", "date": "2018-12-29", "isOffDay": false},
			{"name": "元旦", "date": "2018-12-30", "isOffDay": true},
			{"name": "元旦", "date": "2018-12-31", "isOffDay": true},
			{"name": "元旦", "date": "2019-01-01", "isOffDay": true}
		]}`
	y, err := ParseHolidayCN(strings.NewReader(y2019))
	if err != nil {
		t.Fatal(err)
	}
	// 2018 needs its own notice to be covered at all (fixture: one real day).
	c := New(Year{Year: 2018, Days: []Day{{"国庆节", day(t, "2018-10-01"), true}}}, y)
	tests := []struct {
		date string
		kind DayKind
	}{
		{"2018-12-28", Workday},
		{"2018-12-29", MakeupWorkday}, // Saturday
		{"2018-12-30", Holiday},
		{"2018-12-31", Holiday}, // Monday
		{"2019-01-01", Holiday},
		{"2019-01-02", Workday},
	}
	for _, tt := range tests {
		if k, _, err := c.Kind(day(t, tt.date)); err != nil || k != tt.kind {
			t.Errorf("Kind(%s) = %v, %v; want %v", tt.date, k, err, tt.kind)
		}
	}
	if got, err := c.AddWorkdays(day(t, "2018-12-28"), 2); err != nil || got != day(t, "2019-01-02") {
		t.Errorf("AddWorkdays(2018-12-28, 2) = %v, %v; want 2019-01-02", got, err)
	}
	// Without 2018's own data, December 2018 is still not guessed.
	if _, err := New(y).IsWorkday(day(t, "2018-12-31")); !errors.Is(err, ErrNoData) {
		t.Errorf("2018 without data: %v", err)
	}
}

func TestParseHolidayCNRoundTrip(t *testing.T) {
	for _, y := range Builtin() {
		b, err := MarshalHolidayCN(y)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseHolidayCN(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, y) {
			t.Errorf("%d: round trip changed the data", y.Year)
		}
	}
}

func TestParseHolidayCNRejects(t *testing.T) {
	entry := func(name, date, off string) string {
		return fmt.Sprintf(`{"name":%q,"date":%q,"isOffDay":%s}`, name, date, off)
	}
	doc := func(year int, days ...string) string {
		return fmt.Sprintf(`{"year":%d,"papers":[],"days":[%s]}`, year, strings.Join(days, ","))
	}
	ok := entry("春节", "2026-02-15", "true")
	tests := []struct {
		name, in string
		want     []string // substrings the error must contain
	}{
		{"not JSON", `year: 2026`, []string{"holiday-cn"}},
		{"trailing data", doc(2026, ok) + `{}`, []string{"holiday-cn"}},
		{"null", `null`, []string{"year 0 out of range"}},
		{"year missing", `{"days":[` + ok + `]}`, []string{"year 0"}},
		{"year too old", doc(1999, entry("元旦", "1999-01-01", "true")), []string{"1999", "out of range"}},
		{"year too far", doc(2101, entry("元旦", "2101-01-01", "true")), []string{"2101"}},
		{"year as string", `{"year":"2026","days":[]}`, []string{"holiday-cn"}},
		{"no days (upstream placeholder)", doc(2027), []string{"2027", "no days"}},
		{"date of another year", doc(2026, ok, entry("春节", "2025-02-15", "true")), []string{"days[1]", "2025-02-15", "not in 2026"}},
		{"date in next January", doc(2026, entry("元旦", "2027-01-01", "true")), []string{"days[0]", "not in 2026"}},
		{"impossible date", doc(2026, ok, entry("春节", "2026-02-30", "true")), []string{"days[1]", "2026-02-30"}},
		{"unpadded date", doc(2026, entry("春节", "2026-2-15", "true")), []string{"days[0]", "2026-2-15"}},
		{"date with time", doc(2026, entry("春节", "2026-02-15T00:00:00Z", "true")), []string{"days[0]"}},
		{"date missing", doc(2026, `{"name":"春节","isOffDay":true}`), []string{"days[0]"}},
		{"duplicate date", doc(2026, ok, entry("春节", "2026-02-16", "true"), entry("除夕", "2026-02-15", "true")), []string{"days[2]", "2026-02-15", "duplicate", "days[0]"}},
		{"empty name", doc(2026, ok, entry("", "2026-02-16", "true")), []string{"days[1]", "name is empty"}},
		{"blank name", doc(2026, entry(" \t", "2026-02-16", "true")), []string{"days[0]", "name is empty"}},
		{"control char in name", doc(2026, `{"name":"春\u0007节","date":"2026-02-16","isOffDay":true}`), []string{"days[0]", "control"}},
		{"long name", doc(2026, entry(strings.Repeat("节", 65), "2026-02-16", "true")), []string{"days[0]", "longer"}},
		{"isOffDay missing", doc(2026, ok, `{"name":"春节","date":"2026-02-16"}`), []string{"days[1]", "2026-02-16", "isOffDay missing"}},
		{"isOffDay not bool", doc(2026, `{"name":"春节","date":"2026-02-16","isOffDay":"yes"}`), []string{"days[0]"}},
		{"null entry", doc(2026, `null`), []string{"days[0]"}},
		{"make-up day on a weekday", doc(2026, entry("春节", "2026-02-16", "false")), []string{"days[0]", "2026-02-16", "Saturday or Sunday", "Monday"}},
		{"too large", `{"year":2026,"papers":["` + strings.Repeat("x", maxInputBytes) + `"],"days":[` + ok + `]}`, []string{"larger than"}},
	}
	for _, tt := range tests {
		_, err := ParseHolidayCN(strings.NewReader(tt.in))
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, w)
			}
		}
	}
	if _, err := MarshalHolidayCN(Year{Year: 2026}); err == nil {
		t.Error("MarshalHolidayCN wrote an invalid year")
	}
}

func TestDate(t *testing.T) {
	// 16:30 UTC on 14 Feb 2026 is 00:30 on 15 Feb in Beijing: the first day
	// of Spring Festival, not the make-up Saturday.
	cst := time.FixedZone("CST", 8*3600)
	instant := time.Date(2026, 2, 14, 16, 30, 0, 0, time.UTC)
	if got := DateOf(instant, cst); got != NewDate(2026, time.February, 15) {
		t.Errorf("DateOf in CST = %s", got)
	}
	if got := DateOf(instant, nil); got != NewDate(2026, time.February, 14) {
		t.Errorf("DateOf in t's own zone = %s", got)
	}
	if got := NewDate(2026, time.February, 29); got.String() != "2026-03-01" {
		t.Errorf("NewDate normalises: %s", got)
	}
	d := NewDate(2026, time.February, 15)
	if m := d.In(cst); !m.Equal(time.Date(2026, 2, 14, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("In(CST) = %v", m)
	}
	if d.Weekday() != time.Sunday || d.AddDays(-1).Weekday() != time.Saturday {
		t.Error("weekday")
	}
	if !d.Before(d.AddDays(1)) || !d.After(d.AddDays(-1)) || d.Compare(d) != 0 {
		t.Error("comparison")
	}
	if b, _ := d.MarshalText(); string(b) != "2026-02-15" {
		t.Errorf("MarshalText = %s", b)
	}
}

func TestConcurrentUse(t *testing.T) {
	c := builtinCalendar()
	extra := Year{Year: 2027, Days: []Day{{"元旦", NewDate(2027, 1, 1), true}}}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if i == 0 {
					if err := c.Load(extra); err != nil {
						t.Error(err)
					}
					continue
				}
				got, err := c.AddWorkdays(NewDate(2026, 2, 13), 20)
				if err != nil || got != NewDate(2026, 3, 19) {
					t.Errorf("AddWorkdays = %v, %v", got, err)
				}
				c.Years()
			}
		}()
	}
	wg.Wait()
}

// FuzzParseHolidayCN: outside input must never panic the parser, and
// whatever it accepts must survive Marshal → Parse unchanged.
func FuzzParseHolidayCN(f *testing.F) {
	// Small seeds: whole embedded files (5 KB) make the fuzzer spend its
	// time minimising; TestParseHolidayCNRoundTrip covers them already.
	f.Add([]byte(`{"year":2026,"papers":["通知"],"days":[{"name":"春节","date":"2026-02-14","isOffDay":false},{"name":"春节","date":"2026-02-15","isOffDay":true}]}`))
	f.Add([]byte(`{"year":2019,"days":[{"name":"元旦","date":"2018-12-29","isOffDay":false}]}`))
	f.Add([]byte(`{"year":2026,"days":[{"name":"春节","date":"2026-02-30","isOffDay":true}]}`))
	f.Add([]byte(`{"year":2026,"papers":null,"days":[null]}`))
	f.Add([]byte(`{"year":2024,"papers":[],"days":[]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		y, err := ParseHolidayCN(bytes.NewReader(in))
		if err != nil {
			return
		}
		out, err := MarshalHolidayCN(y)
		if err != nil {
			t.Fatalf("accepted year does not marshal: %v", err)
		}
		back, err := ParseHolidayCN(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("marshalled year does not parse: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, y) {
			t.Fatalf("round trip changed the year:\n%+v\n%+v", y, back)
		}
		if err := new(Calendar).Load(y); err != nil {
			t.Fatalf("accepted year does not load: %v", err)
		}
	})
}
