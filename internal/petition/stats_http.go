package petition

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"anju/internal/casework"
	"anju/internal/platform/audit"
	"anju/internal/platform/auth"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

// StatsRoutes are the statistics page (item 6), its Excel export and the
// JSON API (item 4). Routes() mounts them with the module's other routes.
func (h *Handler) StatsRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /petition/stats", Access: staffOrLeader, Handler: h.statsPage},
		{Pattern: "GET /petition/stats.xlsx", Access: exporters, Handler: h.statsExcel},
		{Pattern: "GET /api/v1/petition/stats", Access: staffOrLeader, Handler: h.statsAPI, Doc: &web.APIDoc{
			Summary: "Petition statistics of a year: KPIs by month, category and district, year over year, months of decline",
			Tag:     "petition",
			Description: "Every figure counts the petitions received in the period (month or year) within the caller's " +
				"jurisdiction. timely_acceptance_rate = accepted within 15 days of receipt (moved to the next working day) / " +
				"accepted; on_time_reply_rate = replied by the finish deadline (60 days from acceptance, with any extension; " +
				"a reopened case by its new period) / replied; satisfaction_rate = (satisfied + basically satisfied) / rated; " +
				"participation_rate = rated / replied; repeat = flagged as a repeat petition. yoy compares each month with " +
				"the same month a year before; yoy_decline_months counts back from the last complete month how many months " +
				"in a row had fewer received petitions than a year before. Rates are percentages with one decimal, null " +
				"without a denominator.",
			Query: []web.Param{
				{Name: "year", Type: "integer", Description: "default: this year; 2000 … this year"},
				{Name: "district", Type: "integer", Description: "a district or zone (org unit id) within the jurisdiction"},
				{Name: "category", Description: "a category code (see /api/v1/petition/categories)"},
			},
			Response: Stats{}, Errors: []int{404, 422, 503}}},
	}
}

// statsFilterOf reads the filter of r; a malformed number is a field error.
func statsFilterOf(r *http.Request) (StatsFilter, error) {
	q := r.URL.Query()
	var f StatsFilter
	var errs casework.FieldErrors
	if v := strings.TrimSpace(q.Get("year")); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, errStatsYear)
		}
		f.Year = y
	}
	if v := strings.TrimSpace(q.Get("district")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, errStatsDistrict)
		}
		f.DistrictID = id
	}
	f.Category = strings.TrimSpace(q.Get("category"))
	return f, errs.OrNil()
}

func (h *Handler) statsAPI(w http.ResponseWriter, r *http.Request) {
	f, err := statsFilterOf(r)
	if err == nil {
		var st Stats
		if st, err = h.S.Stats(r.Context(), f, web.LangOf(r)); err == nil {
			web.WriteJSON(w, http.StatusOK, st)
			return
		}
	}
	fail(w, r, err)
}

func (h *Handler) statsExcel(w http.ResponseWriter, r *http.Request) {
	f, err := statsFilterOf(r)
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	l := web.LangOf(r)
	st, err := h.S.Stats(r.Context(), f, l)
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	buf, err := statsWorkbook(st, l)
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	if err := audit.RecordAlone(r.Context(), h.S.DB, audit.Entry{Action: "petition.stats_export", ObjectType: "petition_stats",
		Detail: statsQuery(f).Encode()}); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	name := fmt.Sprintf("petition-stats-%d.xlsx", st.Year)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// statsQuery is the filter as a query string (links, export, audit).
func statsQuery(f StatsFilter) url.Values {
	v := url.Values{}
	if f.Year != 0 {
		v.Set("year", strconv.Itoa(f.Year))
	}
	if f.DistrictID != 0 {
		v.Set("district", strconv.FormatInt(f.DistrictID, 10))
	}
	if f.Category != "" {
		v.Set("category", f.Category)
	}
	return v
}

// statsPageData is what templates/stats.html shows.
type statsPageData struct {
	Stats      Stats
	Ok         bool // Stats computed (false when the filter was wrong)
	Filter     StatsFilter
	Years      []int
	Districts  []option // for a viewer above the districts
	Categories []option
	ByDistrict bool // show the by-district table
	ExportURL  string
	APIURL     string
	Chart      statsChart
	DefKeys    []string // the definitions the page states
}

// statsDefinitions name the figures defined on the page (and in the
// workbook): petition.stats.def_name.<key> and petition.stats.def.<key>.
var statsDefinitions = []string{"received", "accepted", "timely_rate", "on_time_rate", "satisfaction", "participation",
	"repeat", "yoy", "decline", "district"}

func (h *Handler) statsPage(w http.ResponseWriter, r *http.Request) {
	ctx, l := r.Context(), web.LangOf(r)
	p := auth.FromContext(ctx)
	f, ferr := statsFilterOf(r)
	d := statsPageData{Filter: f, Categories: options(l, "petition.category.", categoryCodes()), DefKeys: statsDefinitions}
	first, err := h.S.statsFirstYear(ctx)
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	this := h.e().Clock().In(h.S.Loc).Year()
	for y := this; y >= min(first, this); y-- {
		d.Years = append(d.Years, y)
	}
	above := aboveDistricts(p)
	if above {
		for _, k := range []org.Kind{org.District, org.Zone} {
			us, _, err := h.S.Org.List(ctx, p, org.Filter{Kind: k, Limit: org.MaxListLimit})
			if err != nil {
				casework.PageFail(w, r, err)
				return
			}
			for _, u := range us {
				d.Districts = append(d.Districts, option{strconv.FormatInt(u.ID, 10), u.Name})
			}
		}
	}
	errs := map[string]string{}
	status := http.StatusOK
	if ferr == nil {
		d.Stats, ferr = h.S.Stats(ctx, f, l)
	}
	if ferr != nil {
		m, ok := formErrors(l, ferr)
		if !ok {
			casework.PageFail(w, r, ferr)
			return
		}
		errs, status = m, http.StatusUnprocessableEntity
	} else {
		d.Ok = true
		d.Filter.Year = d.Stats.Year
		d.ByDistrict = above && f.DistrictID == 0
		q := statsQuery(d.Filter).Encode()
		d.ExportURL = "/petition/stats.xlsx?" + q
		d.APIURL = "/api/v1/petition/stats?" + q
		d.Chart = chartOf(d.Stats, l, d.ByDistrict)
	}
	render(w, r, status, "stats", "petition.stats.title", d, errs)
}

// aboveDistricts tells whether p's jurisdiction is the whole city (the
// level that compares districts).
func aboveDistricts(p *auth.Principal) bool {
	return p.OrgPath == "/" || strings.Count(p.OrgPath, "/") == 2
}

// statsChart is the data of the page's charts (templates/stats.html embeds
// it as JSON for static/petition-stats.js); every number in it is also in
// the page's tables.
type statsChart struct {
	Labels     map[string]string `json:"labels"`
	Months     []string          `json:"months"`
	Received   []int             `json:"received"`
	LastYear   []int             `json:"last_year"`
	Change     []*float64        `json:"change"`
	Timely     []*float64        `json:"timely"`
	OnTime     []*float64        `json:"on_time"`
	Satisfied  []*float64        `json:"satisfaction"`
	Rated      []*float64        `json:"participation"`
	Categories []string          `json:"categories"`
	ByCategory []int             `json:"by_category"`
	YoYThis    []int             `json:"yoy_this"`
	YoYLast    []int             `json:"yoy_last"`
	Districts  []string          `json:"districts,omitempty"`
	ByDistrict []int             `json:"by_district,omitempty"`
	DistSatisf []*float64        `json:"district_satisfaction,omitempty"`
}

func chartOf(st Stats, l web.Lang, byDistrict bool) statsChart {
	c := statsChart{Labels: map[string]string{}}
	for _, k := range []string{"received", "last_year", "change", "timely_rate", "on_time_rate", "satisfaction",
		"participation", "this_year_complete", "last_year_complete"} {
		c.Labels[k] = web.T(l, "petition.stats.col."+k)
	}
	c.Labels["this_year_complete"] = web.T(l, "petition.stats.col.this_year_complete", st.CompleteMonths)
	c.Labels["last_year_complete"] = web.T(l, "petition.stats.col.last_year_complete", st.CompleteMonths)
	for _, m := range st.Months {
		c.Months = append(c.Months, web.T(l, "petition.stats.month."+strconv.Itoa(m.Month)))
		c.Received = append(c.Received, m.Received)
		c.LastYear = append(c.LastYear, m.LastYear)
		c.Change = append(c.Change, m.Change)
		c.Timely = append(c.Timely, m.TimelyRate)
		c.OnTime = append(c.OnTime, m.OnTimeRate)
		c.Satisfied = append(c.Satisfied, m.Satisfaction)
		c.Rated = append(c.Rated, m.Participation)
	}
	for _, k := range st.Categories {
		c.Categories = append(c.Categories, k.Name)
		c.ByCategory = append(c.ByCategory, k.Received)
	}
	for _, y := range st.YoY {
		if y.Code == "" {
			continue
		}
		c.YoYThis = append(c.YoYThis, y.Total.Received)
		c.YoYLast = append(c.YoYLast, y.Total.LastYear)
	}
	if byDistrict {
		for _, d := range st.Districts {
			c.Districts = append(c.Districts, d.Name)
			c.ByDistrict = append(c.ByDistrict, d.Received)
			c.DistSatisf = append(c.DistSatisf, d.Satisfaction)
		}
	}
	return c
}

// Pct shows a rate on the page: "97.5%", or "—" without a denominator.
func (statsPageData) Pct(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64) + "%"
}

// Signed shows a change on the page: "+12.5%", "−3.0%", or "—".
func (statsPageData) Signed(v *float64) string {
	if v == nil {
		return "—"
	}
	s := strconv.FormatFloat(*v, 'f', 1, 64) + "%"
	if *v > 0 {
		return "+" + s
	}
	return strings.Replace(s, "-", "−", 1)
}
