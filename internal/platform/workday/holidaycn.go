package workday

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Day is one entry of a State Council holiday notice: either a day off
// inside a holiday range (IsOffDay true) or a Saturday/Sunday that is a
// make-up working day (调休上班, IsOffDay false). Days not listed follow the
// plain rule: Monday–Friday work, Saturday and Sunday rest.
type Day struct {
	Name     string `json:"name"`
	Date     Date   `json:"date"`
	IsOffDay bool   `json:"isOffDay"`
}

// Year is the holiday arrangement of one calendar year in the shape of the
// public dataset NateScarlet/holiday-cn, so an administrator can load a new
// year's notice without a code change. Papers lists the source documents.
type Year struct {
	Year   int      `json:"year"`
	Papers []string `json:"papers"`
	Days   []Day    `json:"days"`
}

// Limits on outside input. The year range also bounds every calendar loop:
// no date outside it can have data, so counting always stops there.
const (
	MinYear = 2000
	MaxYear = 2100

	maxInputBytes = 1 << 20
	maxNameRunes  = 64
)

// ParseHolidayCN reads one holiday-cn year file and validates it (see
// Year.Validate). Unknown fields such as "$schema" are ignored. Errors name
// the offending entry as days[i].
func ParseHolidayCN(r io.Reader) (Year, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
	if err != nil {
		return Year{}, fmt.Errorf("workday: reading holiday-cn data: %w", err)
	}
	if len(b) > maxInputBytes {
		return Year{}, fmt.Errorf("workday: holiday-cn data larger than %d bytes", maxInputBytes)
	}
	var w struct {
		Year   int               `json:"year"`
		Papers []string          `json:"papers"`
		Days   []json.RawMessage `json:"days"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return Year{}, fmt.Errorf("workday: holiday-cn data: %w", err)
	}
	y := Year{Year: w.Year, Papers: w.Papers}
	if len(y.Papers) == 0 {
		y.Papers = nil // "papers": [] and a missing key mean the same
	}
	// Days are decoded one by one so that an error can say which entry.
	for i, raw := range w.Days {
		var wd struct {
			Name     string `json:"name"`
			Date     string `json:"date"`
			IsOffDay *bool  `json:"isOffDay"` // pointer: a missing flag must not default to "working"
		}
		if err := json.Unmarshal(raw, &wd); err != nil {
			return Year{}, fmt.Errorf("workday: year %d, days[%d]: %w", w.Year, i, err)
		}
		d, err := ParseDate(wd.Date)
		if err != nil {
			return Year{}, fmt.Errorf("workday: year %d, days[%d] (%q): %w", w.Year, i, wd.Name, err)
		}
		if wd.IsOffDay == nil {
			return Year{}, fmt.Errorf("workday: year %d, days[%d] (%s %q): isOffDay missing", w.Year, i, d, wd.Name)
		}
		y.Days = append(y.Days, Day{Name: wd.Name, Date: d, IsOffDay: *wd.IsOffDay})
	}
	if err := y.Validate(); err != nil {
		return Year{}, err
	}
	return y, nil
}

// Validate checks a year before it is trusted for deadlines:
//   - MinYear ≤ Year ≤ MaxYear;
//   - at least one day (holiday-cn publishes an empty placeholder file before
//     the notice is out; loading it would silently assume plain weekends);
//   - each date lies in Year, or in the December before it: a notice may
//     start the New Year break in late December (holiday-cn's 2019.json
//     lists 2018-12-29..31), and rejecting that would reject real data;
//   - no date twice; names non-empty, short, without control characters;
//   - a make-up working day falls on a Saturday or Sunday (otherwise the
//     entry means nothing and is most likely a typo).
func (y Year) Validate() error {
	if y.Year < MinYear || y.Year > MaxYear {
		return fmt.Errorf("workday: year %d out of range %d–%d", y.Year, MinYear, MaxYear)
	}
	if len(y.Days) == 0 {
		return fmt.Errorf("workday: year %d lists no days (the State Council notice is probably not out yet)", y.Year)
	}
	seen := make(map[Date]int, len(y.Days))
	for i, d := range y.Days {
		where := fmt.Sprintf("workday: year %d, days[%d] (%s %q)", y.Year, i, d.Date, d.Name)
		switch {
		case d.Date.IsZero():
			return fmt.Errorf("%s: date missing", where)
		case d.Date.Year() != y.Year && !(d.Date.Year() == y.Year-1 && d.Date.Month() == time.December):
			return fmt.Errorf("%s: date is not in %d", where, y.Year)
		case strings.TrimSpace(d.Name) == "":
			return fmt.Errorf("%s: name is empty", where)
		case utf8.RuneCountInString(d.Name) > maxNameRunes:
			return fmt.Errorf("%s: name longer than %d characters", where, maxNameRunes)
		case strings.IndexFunc(d.Name, unicode.IsControl) >= 0:
			return fmt.Errorf("%s: name contains control characters", where)
		case !d.IsOffDay && !isWeekend(d.Date):
			return fmt.Errorf("%s: a make-up working day must be a Saturday or Sunday, not a %s", where, d.Date.Weekday())
		}
		if j, dup := seen[d.Date]; dup {
			return fmt.Errorf("%s: duplicate date, also days[%d]", where, j)
		}
		seen[d.Date] = i
	}
	return nil
}

// MarshalHolidayCN writes y in the holiday-cn shape (indented like the
// upstream files). It refuses invalid data so that what it writes can
// always be read back by ParseHolidayCN.
func MarshalHolidayCN(y Year) ([]byte, error) {
	if err := y.Validate(); err != nil {
		return nil, err
	}
	if y.Papers == nil {
		y.Papers = []string{} // upstream always has the key
	}
	b, err := json.MarshalIndent(y, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("workday: encoding year %d: %w", y.Year, err)
	}
	return append(b, '\n'), nil
}

//go:embed data/*.json
var dataFS embed.FS

// builtin parses the embedded files once. They are checked by the tests, so
// a failure here is a build defect, not a runtime condition.
var builtin = sync.OnceValue(func() []Year {
	names, err := dataFS.ReadDir("data")
	if err != nil {
		panic(err)
	}
	var years []Year
	for _, n := range names {
		f, err := dataFS.Open(path.Join("data", n.Name()))
		if err != nil {
			panic(err)
		}
		y, err := ParseHolidayCN(f)
		f.Close()
		if err != nil {
			panic(fmt.Sprintf("workday: embedded %s: %v", n.Name(), err))
		}
		years = append(years, y)
	}
	slices.SortFunc(years, func(a, b Year) int { return a.Year - b.Year })
	return years
})

// Builtin returns the years embedded in the binary (2025 and 2026), in
// order. The result is a fresh copy the caller may modify.
func Builtin() []Year {
	src := builtin()
	out := make([]Year, len(src))
	for i, y := range src {
		out[i] = Year{Year: y.Year, Papers: slices.Clone(y.Papers), Days: slices.Clone(y.Days)}
	}
	return out
}

func isWeekend(d Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}
