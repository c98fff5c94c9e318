package workday

import (
	"context"
	"embed"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
	"anju/internal/platform/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed i18n/*.json
var messageFiles embed.FS

var pages = web.MustPages(templateFiles, "templates/*.html")

func init() { web.MustMessages(messageFiles) }

// Handler serves the working-day calendar: the page at /admin/calendar and
// the API under /api/v1/calendar.
type Handler struct {
	Cal *Calendar
	DB  *db.DB
	// Load stores a year, audits it and applies it to the running calendar,
	// all or nothing (the app's LoadCalendarYear). Every write goes through
	// it, so the page, the API and the command line load years alike.
	Load func(ctx context.Context, y Year) error
}

// maxUpload bounds a holiday-cn upload: the parser's own limit plus the
// multipart envelope, so a too-large file is refused in words.
const maxUpload = maxInputBytes + 64<<10

// readers may consult the calendar: any account or token of the bureau.
// Holidays are public knowledge; the gate only keeps the API to known callers.
var readers = web.Access{Name: "logged-in, not a citizen or company", Allow: func(p *auth.Principal) bool {
	return p.LoggedIn() && !p.Role.IsPublic()
}}

// pageReaders are the people who open the administration page: staff use
// its deadline calculator, administrators check and load years.
var pageReaders = web.Access{Name: "staff and administrators", Allow: func(p *auth.Principal) bool {
	return p.UserID != 0 && (p.Role.IsStaff() || p.Role.IsAdmin())
}}

// Routes of the calendar. Loading a year is the system administrator's duty
// (auth.ActManageCalendar).
func (h *Handler) Routes() []web.Route {
	manage := web.Allowed(auth.ActManageCalendar)
	return []web.Route{
		{Pattern: "GET /admin/calendar", Access: pageReaders, Handler: h.page},
		{Pattern: "POST /admin/calendar", Access: manage, Handler: h.upload, MaxBody: maxUpload},

		{Pattern: "GET /api/v1/calendar/years", Access: readers, Handler: h.yearsAPI, Doc: &web.APIDoc{
			Summary: "Years with holiday data and where each comes from", Tag: "calendar", Response: YearsJSON{}}},
		{Pattern: "GET /api/v1/calendar/deadline", Access: readers, Handler: h.deadlineAPI, Doc: &web.APIDoc{
			Summary: "Compute a deadline in working days or calendar days", Tag: "calendar",
			Description: "Give from and exactly one of workdays or days. The start day is not counted; " +
				"a period of calendar days that ends on a rest day moves to the next working day. " +
				"A year without a loaded State Council notice answers 422 of type " + ProblemNoData + ".",
			Query: []web.Param{
				{Name: "from", Required: true, Description: "start date, YYYY-MM-DD"},
				{Name: "workdays", Type: "integer", Description: "number of working days (工作日)"},
				{Name: "days", Type: "integer", Description: "number of calendar days (日)"},
			},
			Response: DeadlineJSON{}, Errors: []int{422}}},
		{Pattern: "GET /api/v1/calendar/{year}", Access: readers, Handler: h.yearAPI, Doc: &web.APIDoc{
			Summary: "One year's holidays and make-up working days (holiday-cn JSON)", Tag: "calendar",
			Response: HolidayCNJSON{}}},
		{Pattern: "PUT /api/v1/calendar/{year}", Access: manage, Handler: h.putYearAPI, Doc: &web.APIDoc{
			Summary: "Load a year's State Council notice (holiday-cn JSON)", Tag: "calendar",
			Description: "The body is a holiday-cn year file; its year must be the one in the path. " +
				"It replaces any earlier load of that year and is audited.",
			Request: HolidayCNJSON{}, Response: YearJSON{}, Errors: []int{400, 413, 422}}},
	}
}
