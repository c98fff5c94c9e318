package parking

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"anju/internal/platform/geo"
	"anju/internal/platform/workday"
)

// The oracle below judges each facility the slow, obvious way — the
// calendar asked day by day through workday.Calendar, clock times read
// from time.Time in the city's zone, opening hours checked at every
// quarter-hour boundary of the stay — independently of the rules engine,
// and looks at every facility instead of the grid.

type oracle struct {
	cal   *workday.Calendar
	loc   *time.Location
	stale time.Duration
}

func (o oracle) clock(m int64) int {
	t := TimeOf(m).In(o.loc)
	return t.Hour()*60 + t.Minute()
}

func (o oracle) class(day time.Time) uint8 {
	k, _, err := o.cal.Kind(workday.NewDate(day.Year(), day.Month(), day.Day()))
	if err != nil {
		return 0
	}
	switch k {
	case workday.Workday, workday.MakeupWorkday:
		return WorkingDay
	case workday.Weekend:
		return RestDay
	}
	return HolidayDay
}

// instants of [a, b) at which openness may change: a, every quarter-hour
// boundary inside, and the last minute.
func instants(a, b int64) []int64 {
	out := []int64{a, b - 1}
	for m := (a/15 + 1) * 15; m < b; m += 15 {
		out = append(out, m)
	}
	return out
}

func (o oracle) publicOpen(f *Facility, a, b int64) bool {
	if f.Hours.Always {
		return true
	}
	for _, m := range instants(a, b) {
		if !inClockRange(o.clock(m), f.Hours.Opens, f.Hours.Closes) {
			return false
		}
	}
	return true
}

func (o oracle) ruleAdmits(r Rule, a, b int64) bool {
	local := TimeOf(a).In(o.loc)
	for back := 0; back <= 2; back++ {
		day := time.Date(local.Year(), local.Month(), local.Day()-back, 0, 0, 0, 0, o.loc)
		if o.class(day)&r.Days == 0 {
			continue
		}
		base := Minutes(day)
		if a < base+int64(r.EntryFrom) || a > base+int64(r.EntryUntil) || b > base+int64(r.LeaveBy) {
			continue
		}
		if r.HasBlackout() {
			from, until := r.BlackoutFrom%1440, r.BlackoutUntil%1440
			if inClockRange(o.clock(a), from, until) {
				continue
			}
			if cb := o.clock(b); inClockRange(cb, from, until) && cb != from {
				continue
			}
		}
		return true
	}
	return false
}

func (o oracle) judge(f *Facility, members []int64, q Query, a, b int64) (capacity int, ok bool) {
	n := q.Need
	if f.Status != Open || (f.VehicleClass == SmallCars && n.Vehicle == "large") ||
		(f.MaxHeightCM > 0 && n.HeightCM > f.MaxHeightCM) || (n.EV && f.EVSpaces == 0) || (n.Accessible && f.AccessibleSpaces == 0) {
		return 0, false
	}
	if f.PublicSpaces > 0 && o.publicOpen(f, a, b) {
		capacity = f.PublicSpaces
	}
	suspended := false
	for _, s := range f.Suspensions {
		if TimeOf(a).Before(orMax(s.Ends)) && s.Starts.Before(TimeOf(b)) {
			suspended = true
		}
	}
	best := 0
	for _, r := range f.Rules {
		if suspended || (r.VehicleClass == SmallCars && n.Vehicle == "large") ||
			(r.Eligibility == Registered && !slices.Contains(members, q.UserID)) {
			continue
		}
		if o.ruleAdmits(r, a, b) && r.Spaces > best {
			best = r.Spaces
		}
	}
	capacity += best
	return capacity, capacity > 0
}

func orMax(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(1<<40, 0)
	}
	return t
}

type world struct {
	fs       []Facility
	members  map[int64][]int64
	free     map[int64]int
	observed map[int64]int64
	profiles map[int64]*Profile
}

func TestSearchEqualsBruteForceOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 7))
	cal := workday.New(workday.Builtin()...)
	s := NewService(nil, cal, shanghai)
	now := time.Date(2026, 9, 28, 10, 0, 0, 0, shanghai)
	s.Now = func() time.Time { return now }
	ix := s.Index
	center := geo.Point{Lat: 30.25, Lng: 120.17}
	w := world{members: map[int64][]int64{}, free: map[int64]int{}, observed: map[int64]int64{}, profiles: map[int64]*Profile{}}
	for i := range 2000 {
		f := RandomFacility(r, int64(i+1), center.Lat, center.Lng, 0.06)
		if err := f.Validate(); err != nil {
			t.Fatalf("random facility invalid: %v", err)
		}
		for _, rule := range f.Rules {
			if err := rule.Validate(f.TotalSpaces); err != nil {
				t.Fatalf("random rule invalid: %+v: %v", rule, err)
			}
		}
		var members []int64
		if r.IntN(3) == 0 {
			members = []int64{int64(1 + r.IntN(5))}
		}
		free := r.IntN(f.TotalSpaces + 1)
		observed := int64(0)
		if r.IntN(4) > 0 {
			observed = Minutes(now) - int64(r.IntN(25)) // some older than the 10-minute staleness
		}
		var prof *Profile
		if r.IntN(3) > 0 {
			prof = RandomProfile(r)
		}
		ix.Put(f, members, free, f.TotalSpaces, observed, prof)
		w.fs = append(w.fs, f)
		w.members[f.ID], w.free[f.ID], w.observed[f.ID], w.profiles[f.ID] = members, free, observed, prof
	}
	o := oracle{cal: cal, loc: shanghai, stale: s.StaleAfter}
	checked, nonEmpty, shared := 0, 0, 0
	for qi := range 250 {
		q := Query{
			Dest:   geo.Point{Lat: center.Lat + (r.Float64()*2-1)*0.05, Lng: center.Lng + (r.Float64()*2-1)*0.05},
			Arrive: now.Add(time.Duration(r.IntN(16*24*60)-5) * time.Minute),
			Stay:   time.Duration(1+r.IntN(20*60)) * time.Minute,
			Radius: float64(200 + r.IntN(2800)),
			Need:   Need{EV: r.IntN(8) == 0, Accessible: r.IntN(10) == 0, HeightCM: 150 + r.IntN(80)},
			UserID: int64(r.IntN(6)),
			Limit:  1 + r.IntN(60),
			Now:    now,
		}
		if r.IntN(6) == 0 {
			q.Need.Vehicle = "large"
		}
		if qi%5 == 0 {
			q.Arrive = now.Add(time.Duration(r.IntN(20)) * time.Minute) // live counts
		}
		got, _ := ix.Search(q)
		want := o.search(w, q)
		if fmt.Sprint(summary(got)) != fmt.Sprint(summary(want)) {
			t.Fatalf("query %d %+v:\n index:  %v\n oracle: %v", qi, q, summary(got), summary(want))
		}
		for _, h := range got {
			if h.Via&ViaShare != 0 {
				shared++
			}
		}
		checked++
		if len(want) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < checked/2 {
		t.Fatalf("only %d of %d queries found anything: the test data are too thin", nonEmpty, checked)
	}
	if shared < 50 {
		t.Fatalf("only %d results came through sharing rules: the test data do not exercise them", shared)
	}
	t.Logf("%d queries, %d with results (%d results through sharing rules), index equals the oracle", checked, nonEmpty, shared)
}

func (o oracle) search(w world, q Query) []Hit {
	q.Normalize()
	a := Minutes(q.Arrive)
	b := a + int64(math.Ceil(q.Stay.Minutes()))
	now := Minutes(q.Now)
	var hits []Hit
	for i := range w.fs {
		f := &w.fs[i]
		dist := geo.Haversine(q.Dest, geo.Point{Lat: f.Lat, Lng: f.Lng})
		if dist > q.Radius {
			continue
		}
		capacity, ok := o.judge(f, w.members[f.ID], q, a, b)
		if !ok {
			continue
		}
		h := Hit{ID: f.ID, Walk: dist * geo.WalkDetourFactor, Capacity: capacity, Free: -1, PriceCents: f.Tariff.Price(a, b, testDays())}
		if q.Arrive.Sub(q.Now) <= LiveHorizon {
			if obs := w.observed[f.ID]; obs != 0 && time.Duration(now-obs)*time.Minute <= o.stale {
				h.Free = min(w.free[f.ID], capacity)
			}
		} else if p := w.profiles[f.ID]; p != nil {
			local := q.Arrive.In(o.loc)
			dow := (int(local.Weekday()) + 6) % 7
			if v := p[dow*24+local.Hour()]; v != profileUnknown {
				h.Free = min(int(math.Round(float64(v)/250*float64(f.TotalSpaces))), capacity)
			}
		}
		switch {
		case h.Free > 0:
			h.tier = 0
		case h.Free < 0:
			h.tier = 1
		default:
			h.tier = 2
		}
		hits = append(hits, h)
	}
	Rank(hits)
	if len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	return hits
}

func summary(hs []Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = fmt.Sprintf("%d:c%d:f%d:p%d", h.ID, h.Capacity, h.Free, h.PriceCents)
	}
	return out
}
