package workday

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"anju/internal/platform/web"
)

// Where a year's data comes from.
const (
	SourceBuiltin = "builtin" // embedded in the binary
	SourceLoaded  = "loaded"  // loaded by an administrator; overrides the built-in data
)

// ProblemNoData is the problem type of a question about a year whose
// holiday notice has not been loaded.
const ProblemNoData = web.ProblemPrefix + "calendar-no-data"

// YearJSON describes one year with data.
type YearJSON struct {
	Year   int      `json:"year"`
	Source string   `json:"source" doc:"builtin or loaded"`
	Days   int      `json:"days" doc:"entries: holidays and make-up working days"`
	Papers []string `json:"papers" doc:"the notices the data comes from"`
}

// YearsJSON lists the years with data, ascending.
type YearsJSON struct {
	Years []YearJSON `json:"years"`
}

// HolidayCNJSON documents the holiday-cn shape (github.com/NateScarlet/holiday-cn).
type HolidayCNJSON struct {
	Year   int      `json:"year"`
	Papers []string `json:"papers"`
	Days   []struct {
		Name     string `json:"name" doc:"the holiday, e.g. 春节"`
		Date     string `json:"date" doc:"YYYY-MM-DD"`
		IsOffDay bool   `json:"isOffDay" doc:"true: a day off; false: a weekend day worked in exchange"`
	} `json:"days"`
}

// known is a year with data and its source.
type known struct {
	Year   Year
	Source string
}

// years reads the years with data: the built-in ones, overridden by those
// stored in the database — the same rule workday.Open applies at start.
func (h *Handler) years(ctx context.Context) ([]known, error) {
	m := map[int]known{}
	for _, y := range Builtin() {
		m[y.Year] = known{y, SourceBuiltin}
	}
	if h.DB != nil {
		stored, err := StoredYears(ctx, h.DB)
		if err != nil {
			return nil, err
		}
		for _, y := range stored {
			m[y.Year] = known{y, SourceLoaded}
		}
	}
	out := make([]known, 0, len(m))
	for _, k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b known) int { return a.Year.Year - b.Year.Year })
	return out, nil
}

func (h *Handler) year(ctx context.Context, n int) (known, bool, error) {
	ys, err := h.years(ctx)
	if err != nil {
		return known{}, false, err
	}
	for _, k := range ys {
		if k.Year.Year == n {
			return k, true, nil
		}
	}
	return known{}, false, nil
}

func yearJSON(k known) YearJSON {
	papers := k.Year.Papers
	if papers == nil {
		papers = []string{}
	}
	return YearJSON{Year: k.Year.Year, Source: k.Source, Days: len(k.Year.Days), Papers: papers}
}

func (h *Handler) yearsAPI(w http.ResponseWriter, r *http.Request) {
	ys, err := h.years(r.Context())
	if err != nil {
		web.Fail(w, r, err)
		return
	}
	out := YearsJSON{Years: make([]YearJSON, len(ys))}
	for i, k := range ys {
		out.Years[i] = yearJSON(k)
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// pathYear reads {year}; anything that is not a year we could hold answers
// 404, like an id that does not exist.
func pathYear(w http.ResponseWriter, r *http.Request) (int, bool) {
	n, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || n < MinYear || n > MaxYear {
		web.WriteProblem(w, r, web.NewProblem(web.LangOf(r), http.StatusNotFound, web.ProblemNotFound, ""))
		return 0, false
	}
	return n, true
}

func (h *Handler) yearAPI(w http.ResponseWriter, r *http.Request) {
	n, ok := pathYear(w, r)
	if !ok {
		return
	}
	k, found, err := h.year(r.Context(), n)
	if err != nil {
		web.Fail(w, r, err)
		return
	}
	if !found {
		l := web.LangOf(r)
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusNotFound, web.ProblemNotFound, web.T(l, "calendar.no_data", n)))
		return
	}
	b, err := MarshalHolidayCN(k.Year)
	if err != nil {
		web.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Calendar-Source", k.Source)
	_, _ = w.Write(b)
}

// daysIndex finds "days[i]" in a parser error, so the problem can point at
// the entry that is wrong; yearWrong finds the errors about the year itself.
var (
	daysIndex = regexp.MustCompile(`days\[\d+\]`)
	yearWrong = regexp.MustCompile(`year -?\d+ (out of range|lists no days)`)
)

// parseProblem turns a holiday-cn parse error into a 422 naming the field.
func parseProblem(r *http.Request, err error) *web.Problem {
	field := "body"
	if m := daysIndex.FindString(err.Error()); m != "" {
		field = m
	} else if yearWrong.MatchString(err.Error()) {
		field = "year"
	}
	l := web.LangOf(r)
	msg := web.T(l, "calendar.bad_file", err.Error())
	return web.ValidationProblem(r, web.FieldErrors{{Field: field, Code: "invalid", Message: msg, MessageEn: msg}})
}

func (h *Handler) putYearAPI(w http.ResponseWriter, r *http.Request) {
	n, ok := pathYear(w, r)
	if !ok {
		return
	}
	y, err := ParseHolidayCN(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		web.WriteProblem(w, r, web.NewProblem(web.LangOf(r), http.StatusRequestEntityTooLarge, web.ProblemTooLarge, ""))
		return
	case err != nil:
		web.WriteProblem(w, r, parseProblem(r, err))
		return
	case y.Year != n:
		web.WriteProblem(w, r, web.ValidationProblem(r, web.FieldErrors{{Field: "year", Code: "mismatch",
			Message: web.T(web.ZH, "calendar.year_mismatch", y.Year, n), MessageEn: web.T(web.EN, "calendar.year_mismatch", y.Year, n)}}))
		return
	}
	if err := h.Load(r.Context(), y); err != nil {
		web.Fail(w, r, fmt.Errorf("load calendar year %d: %w", y.Year, err))
		return
	}
	web.WriteJSON(w, http.StatusOK, yearJSON(known{y, SourceLoaded}))
}
