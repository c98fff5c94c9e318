package petition

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

// Petition statistics (issue 3, item 4): the KPIs the districts report
// (国信发〔2022〕11号 as applied) computed from the cases table, by month,
// category and district, year over year, and the run of months of
// year-over-year decline.
//
// Every figure counts the petitions RECEIVED in the period (a month or the
// year) — a cohort: what has happened to them since is counted in the month
// they came in. A petition counts by its current row: the reply that
// stands (a reopened petition's first reply no longer does) and the rating
// of that reply. The acceptance deadline runs from receipt (the engine
// restarts it when a transfer is taken over; the row does not keep that
// date, so the statistics do not).
//
// The figures of one year come from a GROUP BY over the year's rows (month
// × category × handling unit; see stats_sql.go), Go only adds the few
// thousand groups up by month, category and district.

// StatsFilter selects the statistics: a year, optionally one district (or
// zone) and one category — always within the viewer's jurisdiction.
type StatsFilter struct {
	Year       int
	DistrictID int64
	Category   string
}

// Figures are the KPIs of one cell: a month, a category, a district or the
// whole selection. Rates are percentages with one decimal, null when their
// denominator is zero.
type Figures struct {
	Received       int `json:"received" doc:"petitions received in the period"`
	Accepted       int `json:"accepted" doc:"of those, accepted (受理)"`
	AcceptedTimely int `json:"accepted_timely" doc:"accepted within the acceptance deadline (15 days from receipt, moved to the next working day)"`
	Replied        int `json:"replied" doc:"replied to (the reply that stands)"`
	RepliedOnTime  int `json:"replied_on_time" doc:"replied by the finish deadline (60 days from acceptance, with any extension; a reopened case by its new period)"`
	Rated          int `json:"rated" doc:"replied and rated by the petitioner"`
	Satisfied      int `json:"satisfied" doc:"rated satisfied or basically satisfied"`
	Repeat         int `json:"repeat" doc:"flagged as a repeat petition"`

	TimelyRate    *float64 `json:"timely_acceptance_rate" doc:"及时受理率 = accepted_timely / accepted, %"`
	OnTimeRate    *float64 `json:"on_time_reply_rate" doc:"按期答复率 = replied_on_time / replied, %"`
	Satisfaction  *float64 `json:"satisfaction_rate" doc:"参评群众满意率 = satisfied / rated, %"`
	Participation *float64 `json:"participation_rate" doc:"群众参评率 = rated / replied, %"`
}

func (f *Figures) add(g Figures) {
	f.Received += g.Received
	f.Accepted += g.Accepted
	f.AcceptedTimely += g.AcceptedTimely
	f.Replied += g.Replied
	f.RepliedOnTime += g.RepliedOnTime
	f.Rated += g.Rated
	f.Satisfied += g.Satisfied
	f.Repeat += g.Repeat
}

// rates fills the rates from the counts.
func (f *Figures) rates() {
	f.TimelyRate = percent(f.AcceptedTimely, f.Accepted)
	f.OnTimeRate = percent(f.RepliedOnTime, f.Replied)
	f.Satisfaction = percent(f.Satisfied, f.Rated)
	f.Participation = percent(f.Rated, f.Replied)
}

// percent is part/whole in percent with one decimal; nil for no whole.
func percent(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	v := math.Round(float64(part)*1000/float64(whole)) / 10
	return &v
}

// change is the year-over-year change of now against before in percent
// with one decimal; nil when there was nothing before.
func change(now, before int) *float64 {
	if before == 0 {
		return nil
	}
	v := math.Round(float64(now-before)*1000/float64(before)) / 10
	return &v
}

// MonthStats are one month's figures with last year's same month.
type MonthStats struct {
	Month    int  `json:"month"`
	Complete bool `json:"complete" doc:"the month is over (up to the last complete month)"`
	Figures
	LastYear int      `json:"last_year_received" doc:"received in the same month a year before"`
	Change   *float64 `json:"yoy_change" doc:"received, change over the same month a year before, %; null for a month not over or without petitions a year before"`
	Decline  bool     `json:"yoy_decline" doc:"a complete month with fewer received than a year before"`
}

// CategoryStats are one category's figures.
type CategoryStats struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Figures
}

// DistrictStats are the figures of one district or zone (petitions handled
// within it), or of the city's own level (unit_id 0).
type DistrictStats struct {
	UnitID int64  `json:"unit_id"`
	Name   string `json:"name"`
	Figures
}

// YoYCell compares received petitions with the same period a year before.
type YoYCell struct {
	Received int      `json:"received"`
	LastYear int      `json:"last_year"`
	Change   *float64 `json:"change" doc:"%, null when last year had none or the month is not over"`
}

// YoYRow is one category's year-over-year comparison, month by month, and
// over the complete months of the year.
type YoYRow struct {
	Code   string    `json:"code" doc:"category code; empty for the total row"`
	Name   string    `json:"name"`
	Months []YoYCell `json:"months" doc:"January … December"`
	Total  YoYCell   `json:"total" doc:"the complete months (1 … complete_months) against the same months a year before"`
}

// Stats are the petition statistics of one year.
type Stats struct {
	Year       int    `json:"year"`
	DistrictID int64  `json:"district_id,omitempty"`
	District   string `json:"district,omitempty"`
	Category   string `json:"category,omitempty"`
	// AsOf is the last complete month (YYYY-MM): the end of the selected
	// year, or the month before this one.
	AsOf           string          `json:"as_of" doc:"the last complete month (YYYY-MM) the decline run counts back from"`
	CompleteMonths int             `json:"complete_months" doc:"how many months of the year are over"`
	Total          Figures         `json:"total"`
	Months         []MonthStats    `json:"months"`
	Categories     []CategoryStats `json:"categories"`
	Districts      []DistrictStats `json:"districts" doc:"by district (zones included), for a viewer above districts"`
	YoY            []YoYRow        `json:"yoy" doc:"year over year by category and month; the last row is the total"`
	// DeclineMonths: counting back from the last complete month, how many
	// months in a row had fewer received petitions than the same month a
	// year before (the run may reach into earlier years).
	DeclineMonths int    `json:"yoy_decline_months"`
	DeclineFrom   string `json:"yoy_decline_from,omitempty" doc:"the first month of the run (YYYY-MM)"`
}

// Errors of a statistics request.
var (
	errStatsYear     = casework.Invalid("year", "out_of_range", "年份超出范围", "the year is out of range")
	errStatsCategory = casework.Invalid("category", "invalid", "没有这个类别", "no such category")
	errStatsDistrict = casework.Invalid("district", "invalid", "请选择区（县）或功能区", "choose a district or zone")
)

// firstStatsYear bounds the years asked for.
const firstStatsYear = 2000

// Stats computes the statistics f selects, within the jurisdiction of the
// principal of ctx, with names in l. An unknown category, a unit that is
// not a district or zone, or a year outside 2000 … this year is a field
// error; a district outside the jurisdiction is db.ErrNotFound. The year's
// holiday calendar must be loaded (the deadlines are counted with it): a
// workday.NoDataError otherwise.
func (s *Service) Stats(ctx context.Context, f StatsFilter, l web.Lang) (Stats, error) {
	p := auth.FromContext(ctx)
	now := s.E.Clock().In(s.Loc)
	if f.Year == 0 {
		f.Year = now.Year()
	}
	if f.Year < firstStatsYear || f.Year > now.Year() {
		return Stats{}, errStatsYear
	}
	if _, ok := CategoryByCode(f.Category); f.Category != "" && !ok {
		return Stats{}, errStatsCategory
	}
	st := Stats{Year: f.Year, Category: f.Category}
	sc := statsScope{p: p, category: f.Category}
	if f.DistrictID != 0 {
		u, err := s.Org.Get(ctx, p, f.DistrictID)
		if err != nil {
			return Stats{}, err
		}
		if u.Kind != org.District && u.Kind != org.Zone {
			return Stats{}, errStatsDistrict
		}
		st.DistrictID, st.District, sc.path = u.ID, u.Name, u.Path
	}

	// The last complete month: the month before this one, at most December
	// of the selected year.
	asOf := monthIndex(now.Year(), int(now.Month())) - 1
	asOf = min(asOf, monthIndex(f.Year, 12))
	ay, am := monthOf(asOf)
	st.AsOf = fmt.Sprintf("%04d-%02d", ay, am)
	if ay == f.Year {
		st.CompleteMonths = am
	}

	tables, err := s.statsTables(f.Year, now)
	if err != nil {
		return Stats{}, err
	}
	// The year, last year and the districts' names are independent: read
	// them at once (each its own connection of the pool).
	var (
		cells            []cell
		last             map[int]map[string]int
		names            map[string]string
		errY, errL, errN error
		wg               sync.WaitGroup
	)
	wg.Go(func() { cells, errY = s.yearCells(ctx, sc, tables) })
	wg.Go(func() { last, errL = s.monthCategoryCounts(ctx, sc, f.Year-1) })
	wg.Go(func() { names, errN = s.districtNames(ctx, p) })
	wg.Wait()
	if err := errors.Join(errY, errL, errN); err != nil {
		return Stats{}, err
	}
	st.assemble(cells, last, names, l)
	if err := s.declineRun(ctx, sc, &st, cells, last, asOf); err != nil {
		return Stats{}, err
	}
	return st, nil
}

// monthIndex numbers months continuously (year*12 + month-1).
func monthIndex(y, m int) int { return y*12 + m - 1 }

func monthOf(i int) (y, m int) { return i / 12, i%12 + 1 }

// cell is one group of the year query: a month, a category and the unit
// the petitions are handled in (its path).
type cell struct {
	month    int
	category string
	path     string
	Figures
}

// assemble adds the year's groups up by month, category and district,
// and sets the year-over-year comparisons against last year's counts
// (month → category → received).
func (st *Stats) assemble(cells []cell, last map[int]map[string]int, names map[string]string, l web.Lang) {
	st.Months = make([]MonthStats, 12)
	for i := range st.Months {
		st.Months[i].Month = i + 1
		st.Months[i].Complete = i+1 <= st.CompleteMonths
		for _, n := range last[i+1] {
			st.Months[i].LastYear += n
		}
	}
	cats := map[string]*Figures{}
	dists := map[string]*Figures{}
	thisYear := map[string]*[12]int{} // category → received by month
	for _, c := range cells {
		st.Months[c.month-1].add(c.Figures)
		st.Total.add(c.Figures)
		if cats[c.category] == nil {
			cats[c.category] = &Figures{}
			thisYear[c.category] = &[12]int{}
		}
		cats[c.category].add(c.Figures)
		thisYear[c.category][c.month-1] += c.Received
		d := districtPath(c.path)
		if dists[d] == nil {
			dists[d] = &Figures{}
		}
		dists[d].add(c.Figures)
	}
	st.Total.rates()
	for i := range st.Months {
		m := &st.Months[i]
		m.rates()
		// A month not yet over is not compared: its few days would read
		// as a fall.
		if m.Complete {
			m.Change = change(m.Received, m.LastYear)
			m.Decline = m.Received < m.LastYear
		}
	}
	lastYear := map[string]*[12]int{}
	for m, byCat := range last {
		for code, n := range byCat {
			if lastYear[code] == nil {
				lastYear[code] = &[12]int{}
			}
			lastYear[code][m-1] += n
		}
	}
	st.byCategory(cats, thisYear, lastYear, l)
	st.byDistrict(dists, names, l)
}

// byCategory sets the categories' figures and the year-over-year rows, in
// the catalogue's order (a code no longer in it after them), with a total
// row last.
func (st *Stats) byCategory(cats map[string]*Figures, thisYear, lastYear map[string]*[12]int, l web.Lang) {
	codes := categoryCodes()
	var old []string
	for _, m := range []map[string]*[12]int{thisYear, lastYear} {
		for code := range m {
			if _, ok := CategoryByCode(code); !ok && !slices.Contains(old, code) {
				old = append(old, code)
			}
		}
	}
	sort.Strings(old)
	codes = append(codes, old...)
	st.Categories, st.YoY = []CategoryStats{}, []YoYRow{}
	total := YoYRow{Name: web.T(l, "petition.stats.total"), Months: make([]YoYCell, 12)}
	for _, code := range codes {
		if st.Category != "" && code != st.Category {
			continue
		}
		name := label(l, "category", code)
		fig := Figures{}
		if f := cats[code]; f != nil {
			fig = *f
		}
		fig.rates()
		st.Categories = append(st.Categories, CategoryStats{Code: code, Name: name, Figures: fig})
		row := YoYRow{Code: code, Name: name, Months: make([]YoYCell, 12)}
		for i := range 12 {
			c := &row.Months[i]
			if a := thisYear[code]; a != nil {
				c.Received = a[i]
			}
			if b := lastYear[code]; b != nil {
				c.LastYear = b[i]
			}
			total.Months[i].Received += c.Received
			total.Months[i].LastYear += c.LastYear
			if i < st.CompleteMonths { // a month not over is not compared
				c.Change = change(c.Received, c.LastYear)
				row.Total.Received += c.Received
				row.Total.LastYear += c.LastYear
			}
		}
		row.Total.Change = change(row.Total.Received, row.Total.LastYear)
		total.Total.Received += row.Total.Received
		total.Total.LastYear += row.Total.LastYear
		st.YoY = append(st.YoY, row)
	}
	for i := range st.CompleteMonths {
		total.Months[i].Change = change(total.Months[i].Received, total.Months[i].LastYear)
	}
	total.Total.Change = change(total.Total.Received, total.Total.LastYear)
	st.YoY = append(st.YoY, total)
}

// byDistrict sets the districts' figures in the order of the tree, the
// city's own level first.
func (st *Stats) byDistrict(dists map[string]*Figures, names map[string]string, l web.Lang) {
	paths := make([]string, 0, len(dists))
	for d := range dists {
		paths = append(paths, d)
	}
	sort.Slice(paths, func(i, j int) bool { return districtLess(paths[i], paths[j]) })
	st.Districts = []DistrictStats{}
	for _, d := range paths {
		fig := *dists[d]
		fig.rates()
		ds := DistrictStats{Figures: fig, Name: names[d], UnitID: pathID(d)}
		switch {
		case d == "":
			ds.Name = web.T(l, "petition.stats.city_level")
		case ds.Name == "":
			ds.Name = d // a unit gone from the tree
		}
		st.Districts = append(st.Districts, ds)
	}
}

// label names a petition code (category, state …) in l.
func label(l web.Lang, field, code string) string { return casework.Label(l, TypeName, field, code) }

// districtPath is the path of the district (or zone) a unit path lies in:
// its first two levels ("/1/5/" of "/1/5/12/"); "" for the city's own level.
func districtPath(p string) string {
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			n++
			if n == 3 {
				return p[:i+1]
			}
		}
	}
	return ""
}

// districtLess orders district paths by their ids, the city level first.
func districtLess(a, b string) bool {
	if a == "" || b == "" {
		return a == "" && b != ""
	}
	ia, ib := pathID(a), pathID(b)
	if ia != ib {
		return ia < ib
	}
	return a < b
}

// pathID is the id of the last unit of a path; 0 for none.
func pathID(p string) int64 {
	p = strings.TrimSuffix(p, "/")
	id, err := strconv.ParseInt(p[strings.LastIndexByte(p, '/')+1:], 10, 64)
	if err != nil {
		return 0
	}
	return id
}

// districtNames names the districts and zones in p's jurisdiction by path.
func (s *Service) districtNames(ctx context.Context, p *auth.Principal) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range []org.Kind{org.District, org.Zone} {
		us, _, err := s.Org.List(ctx, p, org.Filter{Kind: k, Limit: org.MaxListLimit})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			out[u.Path] = u.Name
		}
	}
	// A viewer below the districts (a street) sees their district's name
	// through their own scope only when they are the district; name it
	// from the tree above them (not secret: see org.Store.Ancestors).
	if p.OrgUnitID != 0 {
		if anc, err := s.Org.Ancestors(ctx, p.OrgUnitID); err == nil {
			for _, u := range anc {
				if u.Kind == org.District || u.Kind == org.Zone {
					out[u.Path] = u.Name
				}
			}
		}
	}
	return out, nil
}

// declineRun counts back from the last complete month (asOf) how many
// months in a row had fewer received petitions than the same month a
// year before. The year's and last year's counts are at hand; an earlier
// year is read only when the run reaches back into last year.
func (s *Service) declineRun(ctx context.Context, sc statsScope, st *Stats, cells []cell, last map[int]map[string]int, asOf int) error {
	totals := map[int]map[int]int{} // year → month → received
	totals[st.Year] = map[int]int{}
	for _, c := range cells {
		totals[st.Year][c.month] += c.Received
	}
	totals[st.Year-1] = map[int]int{}
	for m, byCat := range last {
		for _, n := range byCat {
			totals[st.Year-1][m] += n
		}
	}
	year := func(y int) (map[int]int, error) {
		if t, ok := totals[y]; ok {
			return t, nil
		}
		counts, err := s.monthCategoryCounts(ctx, sc, y)
		if err != nil {
			return nil, err
		}
		t := map[int]int{}
		for m, byCat := range counts {
			for _, n := range byCat {
				t[m] += n
			}
		}
		totals[y] = t
		return t, nil
	}
	run := 0
	for i := asOf; ; i-- {
		y, m := monthOf(i)
		if y < firstStatsYear {
			break
		}
		cur, err := year(y)
		if err != nil {
			return err
		}
		prev, err := year(y - 1)
		if err != nil {
			return err
		}
		if cur[m] >= prev[m] {
			break
		}
		run++
		st.DeclineFrom = fmt.Sprintf("%04d-%02d", y, m)
	}
	st.DeclineMonths = run
	return nil
}
