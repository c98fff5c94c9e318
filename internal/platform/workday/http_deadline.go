package workday

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"anju/internal/platform/web"
)

// The two ways a period is counted.
const (
	RuleWorkdays = "workdays" // 工作日: statutory approval and reply periods
	RuleDays     = "days"     // 日: calendar days, the end moved off rest days
)

// maxPeriod bounds a period in the calculator: ten years is beyond any
// statutory period, and keeps a request from walking the calendar for long.
const maxPeriod = 3660

// DeadlineJSON is a computed deadline.
type DeadlineJSON struct {
	From string `json:"from" doc:"YYYY-MM-DD, not counted"`
	To   string `json:"to" doc:"YYYY-MM-DD, the last day of the period"`
	Rule string `json:"rule" doc:"workdays or days"`
	N    int    `json:"n"`
	Note string `json:"note" doc:"the rule applied, in the request's language"`
}

// period is a parsed deadline question.
type period struct {
	From Date
	Rule string
	N    int
}

func fieldErr(field, code, key string, args ...any) *web.FieldError {
	return &web.FieldError{Field: field, Code: code,
		Message: web.T(web.ZH, key, args...), MessageEn: web.T(web.EN, key, args...)}
}

// parsePeriod checks from and exactly one of workdays or days; each error
// names the field so a form or client can point at it.
func parsePeriod(from, workdays, days string) (period, web.FieldErrors) {
	var p period
	var errs web.FieldErrors
	from = strings.TrimSpace(from)
	if from == "" {
		errs = append(errs, fieldErr("from", "required", "calendar.err.from_required"))
	} else if d, err := ParseDate(from); err != nil || d.Year() < MinYear || d.Year() > MaxYear {
		errs = append(errs, fieldErr("from", "invalid", "calendar.err.from_invalid"))
	} else {
		p.From = d
	}
	workdays, days = strings.TrimSpace(workdays), strings.TrimSpace(days)
	field, value := RuleWorkdays, workdays
	switch {
	case workdays != "" && days != "":
		return p, append(errs, fieldErr("days", "conflict", "calendar.err.both"))
	case workdays == "" && days == "":
		return p, append(errs, fieldErr("workdays", "required", "calendar.err.n_required"))
	case days != "":
		field, value = RuleDays, days
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < 0 || n > maxPeriod {
		errs = append(errs, fieldErr(field, "invalid", "calendar.err.n_invalid", maxPeriod))
	}
	p.Rule, p.N = field, n
	return p, errs
}

// compute answers a parsed question with the calendar.
func (h *Handler) compute(p period) (Date, error) {
	if p.Rule == RuleDays {
		return h.Cal.CalendarDeadline(p.From, p.N)
	}
	return h.Cal.AddWorkdays(p.From, p.N)
}

// deadlineJSON describes a result in l.
func deadlineJSON(l web.Lang, p period, to Date) DeadlineJSON {
	return DeadlineJSON{From: p.From.String(), To: to.String(), Rule: p.Rule, N: p.N,
		Note: web.T(l, "calendar.note."+p.Rule, p.From.String(), p.N, to.String())}
}

// noDataProblem says which year lacks its notice, in the request's language.
func noDataProblem(l web.Lang, nd *NoDataError) *web.Problem {
	p := &web.Problem{Type: ProblemNoData, Title: web.T(l, "calendar.problem.no_data"),
		Status: http.StatusUnprocessableEntity, Detail: web.T(l, "calendar.no_data", nd.Year)}
	p.Extra = map[string]any{"year": nd.Year}
	return p
}

func (h *Handler) deadlineAPI(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, errs := parsePeriod(q.Get("from"), q.Get("workdays"), q.Get("days"))
	if len(errs) > 0 {
		web.WriteProblem(w, r, web.ValidationProblem(r, errs))
		return
	}
	to, err := h.compute(p)
	var nd *NoDataError
	switch {
	case errors.As(err, &nd):
		web.WriteProblem(w, r, noDataProblem(web.LangOf(r), nd))
		return
	case err != nil:
		web.Fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, deadlineJSON(web.LangOf(r), p, to))
}
