package workday

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// yearRow is one line of the page's list of years.
type yearRow struct {
	Year   int
	Source string // "" when there is no data
	Days   int
}

// cell is one day of a month grid; Day 0 is padding before the 1st.
type cell struct {
	Day  int
	Date string
	Kind string // DayKind.String()
	Name string
}

type monthGrid struct {
	Month int
	Weeks [][]cell // Monday first, as Chinese calendars are printed
}

// calcView is the deadline calculator's form and answer.
type calcView struct {
	From, Rule, N string
	Result        *DeadlineJSON
	NoData        string
}

type calendarView struct {
	Years      []yearRow
	Year       int
	Source     string
	NoData     bool
	Prev, Next int
	Months     []monthGrid
	Named      []cell // the holidays and make-up days, for reading as a list
	Weekdays   []string
	CanLoad    bool
	Calc       calcView
}

// view builds the page for the year asked for (?year=, default this year).
func (h *Handler) view(r *http.Request) (*calendarView, error) {
	now := time.Now().In(web.Location)
	cv := &calendarView{Year: now.Year(), CanLoad: auth.Can(auth.FromContext(r.Context()), auth.ActManageCalendar)}
	if n, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && n >= MinYear && n <= MaxYear {
		cv.Year = n
	}
	cv.Prev, cv.Next = max(cv.Year-1, MinYear), min(cv.Year+1, MaxYear)
	ys, err := h.years(r.Context())
	if err != nil {
		return nil, err
	}
	// This year, next year and the year shown are listed even without data,
	// so a missing notice is seen before a deadline runs into it.
	rows := map[int]yearRow{now.Year(): {Year: now.Year()}, now.Year() + 1: {Year: now.Year() + 1}, cv.Year: {Year: cv.Year}}
	for _, k := range ys {
		rows[k.Year.Year] = yearRow{Year: k.Year.Year, Source: k.Source, Days: len(k.Year.Days)}
	}
	for y := MinYear; y <= MaxYear; y++ {
		if row, ok := rows[y]; ok {
			cv.Years = append(cv.Years, row)
		}
	}
	cv.Source = rows[cv.Year].Source
	l := web.LangOf(r)
	for i := 1; i <= 7; i++ {
		cv.Weekdays = append(cv.Weekdays, web.T(l, "calendar.wd."+strconv.Itoa(i)))
	}
	if err := h.grid(cv); err != nil {
		var nd *NoDataError
		if !errors.As(err, &nd) {
			return nil, err
		}
		cv.NoData, cv.Months, cv.Named = true, nil, nil
	}
	return cv, nil
}

// grid fills the twelve month grids of cv.Year from the running calendar.
func (h *Handler) grid(cv *calendarView) error {
	for m := time.January; m <= time.December; m++ {
		first := NewDate(cv.Year, m, 1)
		week := make([]cell, (int(first.Weekday())+6)%7) // Monday = column 0
		g := monthGrid{Month: int(m)}
		for d := first; d.Month() == m; d = d.AddDays(1) {
			k, name, err := h.Cal.Kind(d)
			if err != nil {
				return err
			}
			c := cell{Day: d.Day(), Date: d.String(), Kind: k.String(), Name: name}
			if k == Holiday || k == MakeupWorkday {
				cv.Named = append(cv.Named, c)
			}
			week = append(week, c)
			if len(week) == 7 {
				g.Weeks, week = append(g.Weeks, week), nil
			}
		}
		if len(week) > 0 {
			g.Weeks = append(g.Weeks, append(week, make([]cell, 7-len(week))...))
		}
		cv.Months = append(cv.Months, g)
	}
	return nil
}

// calc answers the calculator form (?from=&rule=&n=) into cv; field errors
// come back for the form.
func (h *Handler) calc(r *http.Request, cv *calendarView) map[string]string {
	q := r.URL.Query()
	cv.Calc = calcView{From: q.Get("from"), Rule: q.Get("rule"), N: q.Get("n")}
	if cv.Calc.Rule != RuleDays {
		cv.Calc.Rule = RuleWorkdays
	}
	if cv.Calc.From == "" && cv.Calc.N == "" {
		return nil
	}
	wd, days := cv.Calc.N, ""
	if cv.Calc.Rule == RuleDays {
		wd, days = "", cv.Calc.N
	}
	l := web.LangOf(r)
	p, errs := parsePeriod(cv.Calc.From, wd, days)
	if len(errs) > 0 {
		out := map[string]string{}
		for _, e := range errs {
			f := e.Field
			if f != "from" {
				f = "n" // the form has one box for the number
			}
			out[f] = e.Msg(l)
		}
		return out
	}
	to, err := h.compute(p)
	var nd *NoDataError
	switch {
	case errors.As(err, &nd):
		cv.Calc.NoData = web.T(l, "calendar.no_data", nd.Year)
	case err != nil:
		return map[string]string{"n": err.Error()}
	default:
		res := deadlineJSON(l, p, to)
		cv.Calc.Result = &res
	}
	return nil
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, cv *calendarView, errs map[string]string) {
	v := web.NewView(r, "admin", cv)
	v.Title = v.T("calendar.title")
	v.Errors = errs
	pages.Render(w, r, status, "calendar", v)
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	cv, err := h.view(r)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	errs := h.calc(r, cv)
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, status, cv, errs)
}

// upload loads a holiday-cn file sent from the page's form.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	refuse := func(status int, msg string) {
		cv, err := h.view(r)
		if err != nil {
			pageFail(w, r, err)
			return
		}
		h.calc(r, cv)
		h.render(w, r, status, cv, map[string]string{"file": msg})
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(http.StatusRequestEntityTooLarge, web.T(l, "calendar.too_large"))
			return
		}
		refuse(http.StatusUnprocessableEntity, web.T(l, "calendar.no_file"))
		return
	}
	defer f.Close()
	y, err := ParseHolidayCN(f)
	if err != nil {
		refuse(http.StatusUnprocessableEntity, web.T(l, "calendar.bad_file", err.Error()))
		return
	}
	if err := h.Load(r.Context(), y); err != nil {
		pageFail(w, r, fmt.Errorf("load calendar year %d: %w", y.Year, err))
		return
	}
	web.SetFlash(w, web.T(l, "calendar.loaded", y.Year, len(y.Days)))
	http.Redirect(w, r, "/admin/calendar?year="+strconv.Itoa(y.Year), http.StatusSeeOther)
}

func pageFail(w http.ResponseWriter, r *http.Request, err error) {
	slog.Error("calendar page", "path", r.URL.Path, "err", err)
	l := web.LangOf(r)
	web.ErrorPage(w, r, http.StatusInternalServerError, web.T(l, "problem.internal"), "")
}
