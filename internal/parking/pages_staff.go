package parking

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/geo"
	"anju/internal/platform/web"
)

func (h *Web) staffRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /parking", Access: staffView, Handler: h.registryPage},
		{Pattern: "GET /parking/facilities/new", Access: staffEdit, Handler: h.newPage},
		{Pattern: "POST /parking/facilities", Access: staffEdit, Handler: h.createPost},
		{Pattern: "GET /parking/facilities/{id}", Access: staffView, Handler: h.facilityPage, Resource: "parking_facility"},
		{Pattern: "POST /parking/facilities/{id}", Access: staffEdit, Handler: h.updatePost, Resource: "parking_facility"},
		{Pattern: "POST /parking/facilities/{id}/rules", Access: staffEdit, Handler: h.rulesPost, Resource: "parking_facility"},
		{Pattern: "POST /parking/facilities/{id}/suspend", Access: staffEdit, Handler: h.suspendPost, Resource: "parking_facility"},
		{Pattern: "POST /parking/facilities/{id}/members", Access: staffEdit, Handler: h.memberPost, Resource: "parking_facility"},
		{Pattern: "GET /parking/export.xlsx", Access: web.Allowed(auth.ActExportData), Handler: h.exportXLSX},
		{Pattern: "POST /parking/import", Access: staffEdit, Handler: h.importXLSX, MaxBody: 8 << 20},
		{Pattern: "GET /parking/occupancy", Access: staffView, Handler: h.occupancyPage},
	}
}

// registryView is the data of the registry page.
type registryView struct {
	Items  []Facility
	Total  int
	Page   int
	Pages  int
	Kinds  []Kind
	Owners []Ownership
	Filter Filter
	Stats  Stats
	Result *ImportResult
}

func (h *Web) registryPage(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	pg := web.PagingOf(r)
	f := filterOf(r.URL.Query())
	f.Limit, f.Offset = pg.Size, pg.Offset()
	items, total, err := h.S.List(r.Context(), p, f)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	st, err := h.S.Stats(r.Context(), p, time.Time{}, h.S.now())
	if err != nil {
		pageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "registry", "parking.registry.title", registryView{Items: items, Total: total, Page: pg.Page,
		Pages: pg.Pages(total), Kinds: Kinds, Owners: Ownerships, Filter: f, Stats: st}, nil)
}

// formView is the data of the facility form.
type formView struct {
	F      Facility
	Form   url.Values
	Kinds  []Kind
	Owners []Ownership
	Units  []unitOption
	New    bool
}

type unitOption struct {
	ID   int64
	Name string
}

// units lists the org units (district, street, community) of p's scope a facility may belong to.
func (h *Web) units(r *http.Request) []unitOption {
	p := auth.FromContext(r.Context())
	scope, args := p.ScopeSQL("path")
	rows, err := h.S.DB.Query(r.Context(), `SELECT id, name FROM org_units WHERE depth BETWEEN 1 AND 3 AND `+scope+
		` ORDER BY path LIMIT 300`, args...)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []unitOption
	for rows.Next() {
		var u unitOption
		if rows.Scan(&u.ID, &u.Name) == nil {
			out = append(out, u)
		}
	}
	return out
}

func (h *Web) newPage(w http.ResponseWriter, r *http.Request) {
	f := Facility{Kind: PublicLot, Ownership: Government, VehicleClass: AnyVehicles, Hours: Hours{Always: true}, Status: Open,
		Tariff: Tariff{FreeMinutes: 15, HourCents: 500, DayCapCents: 4000, NightFrom: 1200, NightUntil: 480, NightHourCents: 100}}
	render(w, r, http.StatusOK, "facility", "parking.form.new", formView{F: f, Form: formValues(f), Kinds: Kinds,
		Owners: Ownerships, Units: h.units(r), New: true}, nil)
}

func clock(m int) string { return twoDigits((m/60)%24) + ":" + twoDigits(m%60) }

func parseClock(s string) (int, bool) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, false
	}
	a, err1 := strconv.Atoi(hh)
	b, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || a < 0 || a > 24 || b < 0 || b > 59 {
		return 0, false
	}
	return a*60 + b, true
}

// formValues shows a facility in the form's fields.
func formValues(f Facility) url.Values {
	v := url.Values{}
	set := func(k string, x any) { v.Set(k, fmt.Sprint(x)) }
	set("org_unit_id", f.OrgUnitID)
	v.Set("code", f.Code)
	v.Set("name", f.Name)
	v.Set("kind", string(f.Kind))
	v.Set("operator", f.Operator)
	v.Set("ownership", string(f.Ownership))
	v.Set("address", f.Address)
	v.Set("lat", strconv.FormatFloat(f.Lat, 'f', 6, 64))
	v.Set("lng", strconv.FormatFloat(f.Lng, 'f', 6, 64))
	v.Set("coord", "wgs84")
	set("total_spaces", f.TotalSpaces)
	set("public_spaces", f.PublicSpaces)
	set("reservable_spaces", f.ReservableSpaces)
	set("ev_spaces", f.EVSpaces)
	set("accessible_spaces", f.AccessibleSpaces)
	v.Set("vehicle_class", string(f.VehicleClass))
	set("max_height_cm", f.MaxHeightCM)
	set("free_minutes", f.Tariff.FreeMinutes)
	v.Set("hour_yuan", yuan(f.Tariff.HourCents))
	v.Set("day_cap_yuan", yuan(f.Tariff.DayCapCents))
	v.Set("night_hour_yuan", yuan(f.Tariff.NightHourCents))
	v.Set("night_from", clock(f.Tariff.NightFrom))
	v.Set("night_until", clock(f.Tariff.NightUntil))
	if f.Hours.Always {
		v.Set("always", "1")
	}
	v.Set("opens", clock(f.Hours.Opens))
	v.Set("closes", clock(f.Hours.Closes))
	v.Set("status", string(f.Status))
	set("version", f.Version)
	return v
}

func cents(s string) int64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v < 0 {
		return -1
	}
	return int64(math.Round(v * 100))
}

// facilityFromForm reads the form; the location may be in any of the three systems.
func facilityFromForm(v url.Values) (Facility, error) {
	f := Facility{Code: v.Get("code"), Name: v.Get("name"), Kind: Kind(v.Get("kind")), Operator: v.Get("operator"),
		Ownership: Ownership(v.Get("ownership")), Address: v.Get("address"), VehicleClass: VehicleClass(v.Get("vehicle_class")),
		Status: Status(v.Get("status"))}
	f.OrgUnitID, _ = strconv.ParseInt(v.Get("org_unit_id"), 10, 64)
	f.Lat, _ = strconv.ParseFloat(v.Get("lat"), 64)
	f.Lng, _ = strconv.ParseFloat(v.Get("lng"), 64)
	in := FacilityInput{Facility: f, Coord: v.Get("coord")}
	if err := in.toWGS84(); err != nil {
		return f, err
	}
	f = in.Facility
	f.TotalSpaces, f.PublicSpaces = atoi(v.Get("total_spaces")), atoi(v.Get("public_spaces"))
	f.ReservableSpaces, f.EVSpaces = atoi(v.Get("reservable_spaces")), atoi(v.Get("ev_spaces"))
	f.AccessibleSpaces, f.MaxHeightCM = atoi(v.Get("accessible_spaces")), atoi(v.Get("max_height_cm"))
	f.Tariff = Tariff{FreeMinutes: atoi(v.Get("free_minutes")), HourCents: cents(v.Get("hour_yuan")),
		DayCapCents: cents(v.Get("day_cap_yuan")), NightHourCents: cents(v.Get("night_hour_yuan"))}
	f.Tariff.NightFrom, _ = parseClock(v.Get("night_from"))
	f.Tariff.NightUntil, _ = parseClock(v.Get("night_until"))
	f.Hours.Always = v.Get("always") != ""
	var ok1, ok2 bool
	f.Hours.Opens, ok1 = parseClock(v.Get("opens"))
	f.Hours.Closes, ok2 = parseClock(v.Get("closes"))
	if !f.Hours.Always && (!ok1 || !ok2) {
		return f, ferr("opens", "time", "请填写开放时间", "Give the opening hours")
	}
	f.Hours.Opens %= 1440
	f.Hours.Closes %= 1440
	return f, nil
}

func (h *Web) createPost(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	f, err := facilityFromForm(r.PostForm)
	if err == nil {
		f, err = h.S.Create(r.Context(), p, f)
	}
	if errs, ok := fieldMap(r, err); ok {
		render(w, r, http.StatusUnprocessableEntity, "facility", "parking.form.new", formView{F: f, Form: r.PostForm,
			Kinds: Kinds, Owners: Ownerships, Units: h.units(r), New: true}, errs)
		return
	}
	if err != nil {
		pageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(web.LangOf(r), "parking.form.created"))
	http.Redirect(w, r, fmt.Sprintf("/parking/facilities/%d", f.ID), http.StatusSeeOther)
}

// facilityView is the data of a facility's page.
type facilityView struct {
	F         Facility
	Form      url.Values
	Kinds     []Kind
	Owners    []Ownership
	Units     []unitOption
	Week      []weekDay
	Occ       Occupancy
	Chart     template.HTML
	History   []HistoryPoint
	RuleRows  []ruleRow
	Bookings  int
	Nav       geo.NavLinks
	GCJ       geo.Point
	Suspended bool
	New       bool
}

type weekDay struct {
	Label string
	Kind  string
	Hours []weekCell
}

type weekCell struct {
	Cap   int
	Class string
}

type ruleRow struct {
	I                                    int
	R                                    Rule
	EntryFrom, EntryUntil, LeaveBy       string
	BlackoutFrom, BlackoutUntil, NextDay string
	Work, Rest, Holiday                  bool
}

func rowsOf(rules []Rule) []ruleRow {
	out := make([]ruleRow, 0, len(rules)+1)
	for i, r := range append(append([]Rule{}, rules...), Rule{Days: WorkingDay, EntryFrom: 1050, EntryUntil: 1290, LeaveBy: 1920,
		BlackoutFrom: -1, BlackoutUntil: -1, VehicleClass: SmallCars, Eligibility: Anyone}) {
		row := ruleRow{I: i, R: r, EntryFrom: clock(r.EntryFrom), EntryUntil: clock(r.EntryUntil), LeaveBy: clock(r.LeaveBy),
			Work: r.Days&WorkingDay != 0, Rest: r.Days&RestDay != 0, Holiday: r.Days&HolidayDay != 0}
		if r.LeaveBy > 1440 {
			row.NextDay = "1"
		}
		if r.HasBlackout() {
			row.BlackoutFrom, row.BlackoutUntil = clock(r.BlackoutFrom), clock(r.BlackoutUntil)
		}
		if i == len(rules) {
			row.R.Name = ""
		}
		out = append(out, row)
	}
	return out
}

// week is the facility's capacity open to the public for each hour of the
// coming seven days, as its rules and the calendar give it.
func (h *Web) week(f *Facility, l web.Lang) []weekDay {
	d := h.S.Days()
	plan := PlanOf(f)
	now := h.S.now()
	today := d.Day(Minutes(now))
	maxCap := max(plan.Public, 1)
	for _, r := range plan.Rules {
		maxCap = max(maxCap, plan.Public+r.Spaces)
	}
	var out []weekDay
	for i := int64(0); i < 7; i++ {
		day := today + i
		mid := d.Midnight(day)
		t := TimeOf(mid).In(h.S.Loc)
		kind := "nodata"
		switch d.Class(day) {
		case WorkingDay:
			kind = "working"
		case RestDay:
			kind = "rest"
		case HolidayDay:
			kind = "holiday"
		}
		wd := weekDay{Label: t.Format("01-02") + " " + web.T(l, "parking.dow."+strconv.Itoa(int(t.Weekday()))), Kind: kind}
		for hr := 0; hr < 24; hr++ {
			c := plan.CapacityAt(mid+int64(hr*60+30), d)
			cls := "c0"
			switch {
			case c == 0:
			case c*3 <= maxCap:
				cls = "c1"
			case c*3 <= 2*maxCap:
				cls = "c2"
			default:
				cls = "c3"
			}
			wd.Hours = append(wd.Hours, weekCell{Cap: c, Class: cls})
		}
		out = append(out, wd)
	}
	return out
}

func (h *Web) facilityView(r *http.Request, f Facility) facilityView {
	l := web.LangOf(r)
	v := facilityView{F: f, Form: formValues(f), Kinds: Kinds, Owners: Ownerships, Units: h.units(r), Week: h.week(&f, l),
		RuleRows: rowsOf(f.Rules)}
	v.Occ, _ = h.S.LiveOccupancy(r.Context(), f.ID)
	v.History, _ = h.S.History(r.Context(), auth.FromContext(r.Context()), f.ID, 7)
	v.Chart = lineChart(historySeries(v.History), 1, web.T(l, "parking.chart.occupied"))
	_ = h.S.DB.QueryRow(r.Context(), `SELECT COUNT(*) FROM parking_reservations WHERE facility_id = ? AND status IN (?, ?)`,
		f.ID, Booked, CheckedIn).Scan(&v.Bookings)
	p := geo.Point{Lat: f.Lat, Lng: f.Lng}
	v.Nav = geo.LinkOptions{Region: h.region(r.Context())}.Links(p, f.Name, nil)
	v.GCJ = geo.Convert(p, geo.WGS84, geo.GCJ02)
	now := h.S.now()
	for _, s := range f.Suspensions {
		if !s.Starts.After(now) && (s.Ends.IsZero() || s.Ends.After(now)) {
			v.Suspended = true
		}
	}
	return v
}

func historySeries(hs []HistoryPoint) []point {
	out := make([]point, 0, len(hs))
	for _, x := range hs {
		if x.Capacity > 0 {
			out = append(out, point{x.Hour, 1 - x.FreeAvg/float64(x.Capacity)})
		}
	}
	return out
}

func (h *Web) facilityPage(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	f, err := h.S.Get(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	v := web.NewView(r, "parking", h.facilityView(r, f))
	v.Title = f.Name
	v.Errors = map[string]string{}
	pages.Render(w, r, http.StatusOK, "facility", v)
}

// scoped looks the facility up in the caller's scope before the form is read.
func (h *Web) scoped(w http.ResponseWriter, r *http.Request) (Facility, bool) {
	id, ok := web.PathID(w, r)
	if !ok {
		return Facility{}, false
	}
	f, err := h.S.Get(r.Context(), auth.FromContext(r.Context()), id)
	if err != nil {
		pageFail(w, r, err)
		return f, false
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return f, false
	}
	return f, true
}

func (h *Web) facilityError(w http.ResponseWriter, r *http.Request, f Facility, err error) {
	if errs, ok := fieldMap(r, err); ok {
		v := web.NewView(r, "parking", h.facilityView(r, f))
		v.Title, v.Errors = f.Name, errs
		pages.Render(w, r, http.StatusUnprocessableEntity, "facility", v)
		return
	}
	pageFail(w, r, err)
}

func (h *Web) flashBack(w http.ResponseWriter, r *http.Request, id int64, key string, args ...any) {
	web.SetFlash(w, web.T(web.LangOf(r), key, args...))
	http.Redirect(w, r, fmt.Sprintf("/parking/facilities/%d", id), http.StatusSeeOther)
}

func (h *Web) updatePost(w http.ResponseWriter, r *http.Request) {
	f, ok := h.scoped(w, r)
	if !ok {
		return
	}
	in, err := facilityFromForm(r.PostForm)
	if err != nil {
		h.facilityError(w, r, f, err)
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	_, cancelled, err := h.S.Update(r.Context(), auth.FromContext(r.Context()), f.ID, in, version)
	if err != nil {
		h.facilityError(w, r, f, err)
		return
	}
	h.flashBack(w, r, f.ID, "parking.form.saved", len(cancelled))
}

// rulesFromForm reads the rule editor's rows (rule_name_0 … rule_name_9);
// a row without a name is left out.
func rulesFromForm(v url.Values) ([]Rule, error) {
	var out []Rule
	for i := 0; i < 10; i++ {
		k := func(s string) string { return v.Get(fmt.Sprintf("rule_%s_%d", s, i)) }
		if strings.TrimSpace(k("name")) == "" {
			continue
		}
		r := Rule{Name: k("name"), Spaces: atoi(k("spaces")), VehicleClass: VehicleClass(k("vehicle")),
			Eligibility: Eligibility(k("eligibility")), BlackoutFrom: -1, BlackoutUntil: -1}
		if k("work") != "" {
			r.Days |= WorkingDay
		}
		if k("rest") != "" {
			r.Days |= RestDay
		}
		if k("holiday") != "" {
			r.Days |= HolidayDay
		}
		var ok1, ok2, ok3 bool
		r.EntryFrom, ok1 = parseClock(k("entry_from"))
		r.EntryUntil, ok2 = parseClock(k("entry_until"))
		r.LeaveBy, ok3 = parseClock(k("leave_by"))
		if !ok1 || !ok2 || !ok3 {
			return nil, ferr(fmt.Sprintf("rules[%d].entry_from", len(out)), "time", "请填写入场和离场时间", "Give the entry and leave-by times")
		}
		if r.EntryUntil < r.EntryFrom {
			r.EntryUntil += 1440
		}
		if k("next_day") != "" || r.LeaveBy <= r.EntryFrom {
			r.LeaveBy += 1440
		}
		if bf, ok := parseClock(k("blackout_from")); ok {
			if bu, ok := parseClock(k("blackout_until")); ok {
				r.BlackoutFrom, r.BlackoutUntil = bf, bu
				if bu <= bf {
					r.BlackoutUntil += 1440
				}
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (h *Web) rulesPost(w http.ResponseWriter, r *http.Request) {
	f, ok := h.scoped(w, r)
	if !ok {
		return
	}
	rules, err := rulesFromForm(r.PostForm)
	var cancelled []int64
	if err == nil {
		cancelled, err = h.S.SetRules(r.Context(), auth.FromContext(r.Context()), f.ID, rules)
	}
	if err != nil {
		h.facilityError(w, r, f, err)
		return
	}
	h.flashBack(w, r, f.ID, "parking.rules.saved", len(rules), len(cancelled))
}

func (h *Web) suspendPost(w http.ResponseWriter, r *http.Request) {
	f, ok := h.scoped(w, r)
	if !ok {
		return
	}
	starts, err := parseLocalTime(r.PostFormValue("starts"), h.S.Loc)
	if err != nil {
		h.facilityError(w, r, f, ferr("starts_at", "invalid", "请填写暂停开始时间", "Give the start of the suspension"))
		return
	}
	var ends time.Time
	if s := r.PostFormValue("ends"); s != "" {
		if ends, err = parseLocalTime(s, h.S.Loc); err != nil {
			h.facilityError(w, r, f, ferr("ends_at", "invalid", "结束时间格式不正确", "Invalid end time"))
			return
		}
	}
	_, cancelled, err := h.S.Suspend(r.Context(), auth.FromContext(r.Context()), f.ID, starts, ends, r.PostFormValue("reason"))
	if err != nil {
		h.facilityError(w, r, f, err)
		return
	}
	h.flashBack(w, r, f.ID, "parking.suspend.done", len(cancelled))
}

func (h *Web) memberPost(w http.ResponseWriter, r *http.Request) {
	f, ok := h.scoped(w, r)
	if !ok {
		return
	}
	if err := h.S.AddMember(r.Context(), auth.FromContext(r.Context()), f.ID, r.PostFormValue("mobile")); err != nil {
		h.facilityError(w, r, f, err)
		return
	}
	h.flashBack(w, r, f.ID, "parking.members.added")
}

// occupancyView is the data of the occupancy page.
type occupancyView struct {
	Areas  []areaChart
	Shared []Utilisation
}

type areaChart struct {
	Name   string
	Chart  template.HTML
	Latest float64
	Avg    float64
	Points int

	LatestPct, AvgPct string
}

func (h *Web) occupancyPage(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	l := web.LangOf(r)
	scope, args := p.ScopeSQL("path")
	rows, err := h.S.DB.Query(r.Context(), `SELECT name, path FROM org_units WHERE depth = 1 AND `+scope+` ORDER BY code`, args...)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	type unit struct{ name, path string }
	var units []unit
	for rows.Next() {
		var u unit
		if rows.Scan(&u.name, &u.path) == nil {
			units = append(units, u)
		}
	}
	rows.Close()
	if len(units) == 0 {
		units = []unit{{name: web.T(l, "parking.occ.my_scope"), path: ""}}
	}
	var v occupancyView
	for _, u := range units {
		pts, err := h.S.AreaHistory(r.Context(), p, u.path, 7)
		if err != nil {
			pageFail(w, r, err)
			return
		}
		series := make([]point, len(pts))
		sum := 0.0
		for i, x := range pts {
			series[i] = point{x.Hour, x.Occupied}
			sum += x.Occupied
		}
		ac := areaChart{Name: u.name, Chart: lineChart(series, 1, web.T(l, "parking.chart.occupied")), Points: len(pts)}
		if len(pts) > 0 {
			ac.Latest, ac.Avg = pts[len(pts)-1].Occupied, sum/float64(len(pts))
		}
		ac.LatestPct, ac.AvgPct = pctOf(ac.Latest), pctOf(ac.Avg)
		v.Areas = append(v.Areas, ac)
	}
	if v.Shared, err = h.S.SharedUtilisation(r.Context(), p, 7); err != nil {
		pageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "occupancy", "parking.occ.title", v, nil)
}
