package casework

import (
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed i18n/*.json
var messageFiles embed.FS

var pages = web.MustPages(templateFiles, "templates/*.html")

func init() { web.MustMessages(messageFiles) }

// Problem types of the engine.
const (
	ProblemCaseState = web.ProblemPrefix + "case-state"
	ProblemDuplicate = web.ProblemPrefix + "duplicate"
	ProblemCalendar  = web.ProblemPrefix + "calendar-missing"
)

// Problem turns an engine error into the problem document the API answers
// with, or nil for errors web.Fail handles (field errors, not found, …):
//   - *ConflictError → 409 with the current case ("case") and the actions
//     allowed on it ("allowed");
//   - *StateError → 409 case-state with the current case and a code;
//   - ErrForbidden → 403; *DuplicateError → 409 with the existing number;
//   - a year without holiday data → 503 naming the year.
func Problem(r *http.Request, err error) *web.Problem {
	l := web.LangOf(r)
	var ce *ConflictError
	var se *StateError
	var de *DuplicateError
	var nd *workday.NoDataError
	switch {
	case errors.As(err, &ce):
		p := web.NewProblem(l, http.StatusConflict, web.ProblemConflict, web.T(l, "casework.conflict", ce.Current.Version))
		allowed := ce.Allowed
		if allowed == nil {
			allowed = []string{}
		}
		p.Extra = map[string]any{"case": ce.Current, "allowed": allowed}
		return p
	case errors.As(err, &se):
		msg := se.Zh
		if l == web.EN {
			msg = se.En
		}
		p := web.NewProblem(l, http.StatusConflict, ProblemCaseState, msg)
		p.Title = web.T(l, "casework.state_problem")
		p.Extra = map[string]any{"case": se.Current, "code": se.Code}
		return p
	case errors.Is(err, ErrForbidden):
		return web.NewProblem(l, http.StatusForbidden, web.ProblemForbidden, web.T(l, "casework.forbidden"))
	case errors.As(err, &de):
		p := web.NewProblem(l, http.StatusConflict, ProblemDuplicate, web.T(l, "casework.duplicate", de.Existing.Number))
		p.Title = web.T(l, "casework.duplicate_title")
		p.Extra = map[string]any{"id": de.Existing.ID, "number": de.Existing.Number}
		return p
	case errors.As(err, &nd):
		p := web.NewProblem(l, http.StatusServiceUnavailable, ProblemCalendar, web.T(l, "casework.no_calendar", nd.Year))
		p.Title = web.T(l, "casework.no_calendar_title")
		return p
	}
	return nil
}

// Fail writes the problem for err (Problem, else web.Fail).
func Fail(w http.ResponseWriter, r *http.Request, err error) {
	if p := Problem(r, err); p != nil {
		web.WriteProblem(w, r, p)
		return
	}
	web.Fail(w, r, err)
}

// InboxResponse is one page of a user's notices.
type InboxResponse struct {
	Items  []Notice `json:"items"`
	Total  int      `json:"total"`
	Unread int      `json:"unread"`
	Page   int      `json:"page"`
	Size   int      `json:"size"`
}

// SaveFilterRequest names a filter to keep.
type SaveFilterRequest struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Query string `json:"query" doc:"the ledger's query string, e.g. state=handling&due=overdue"`
}

// Routes are the engine's own routes, shared by every case type: the
// inbox (page and API) and saved ledger filters. Mount them once.
func (e *Engine) Routes() []web.Route {
	return []web.Route{
		{Pattern: "GET /inbox", Access: web.LoggedIn, Handler: e.inboxPage},
		{Pattern: "POST /inbox/{id}/read", Access: web.LoggedIn, Resource: "case_notification", Handler: e.readPage},
		{Pattern: "GET /api/v1/casework/inbox", Access: web.LoggedIn, Handler: e.inboxAPI, Doc: &web.APIDoc{
			Summary: "My notices about cases (due soon, overdue, assigned, transferred, supervised, replies)", Tag: "casework",
			Query:    []web.Param{{Name: "unread", Type: "boolean"}, {Name: "page", Type: "integer"}, {Name: "size", Type: "integer"}},
			Response: InboxResponse{}}},
		{Pattern: "POST /api/v1/casework/inbox/{id}/read", Access: web.LoggedIn, Resource: "case_notification",
			Handler: e.readAPI, Doc: &web.APIDoc{Summary: "Mark a notice read", Tag: "casework", Status: http.StatusNoContent}},
		{Pattern: "GET /api/v1/casework/saved-filters", Access: web.Staff, Handler: e.filtersAPI, Doc: &web.APIDoc{
			Summary: "My saved ledger filters", Tag: "casework", Query: []web.Param{{Name: "type", Required: true}},
			Response: []SavedFilter{}}},
		{Pattern: "POST /api/v1/casework/saved-filters", Access: web.Staff, Handler: e.saveFilterAPI, Doc: &web.APIDoc{
			Summary: "Save a ledger filter under a name", Tag: "casework", Request: SaveFilterRequest{}, Response: SavedFilter{},
			Status: http.StatusCreated, Errors: []int{422}}},
		{Pattern: "DELETE /api/v1/casework/saved-filters/{id}", Access: web.Staff, Resource: "saved_filter",
			Handler: e.deleteFilterAPI, Doc: &web.APIDoc{Summary: "Delete a saved filter", Tag: "casework", Status: http.StatusNoContent}},
		{Pattern: "POST /casework/saved-filters", Access: web.Staff, Handler: e.saveFilterPage},
		{Pattern: "POST /casework/saved-filters/{id}/delete", Access: web.Staff, Resource: "saved_filter", Handler: e.deleteFilterPage},
	}
}

func (e *Engine) inboxAPI(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	items, total, unread, err := e.Inbox(r.Context(), r.URL.Query().Get("unread") == "true", pg.Size, pg.Offset())
	if err != nil {
		Fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, InboxResponse{Items: items, Total: total, Unread: unread, Page: pg.Page, Size: pg.Size})
}

func (e *Engine) readAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	if err := e.MarkRead(r.Context(), id); err != nil {
		Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Engine) inboxPage(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	unreadOnly := r.URL.Query().Get("unread") == "true"
	items, total, unread, err := e.Inbox(r.Context(), unreadOnly, pg.Size, pg.Offset())
	if err != nil {
		pageFail(w, r, err)
		return
	}
	v := web.NewView(r, "home", map[string]any{"Items": items, "Total": total, "Unread": unread, "UnreadOnly": unreadOnly,
		"Page": pg.Page, "Pages": pg.Pages(total)})
	v.Title = v.T("casework.inbox.title")
	pages.Render(w, r, http.StatusOK, "inbox", v)
}

func (e *Engine) readPage(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	if err := e.MarkRead(r.Context(), id); err != nil {
		pageFail(w, r, err)
		return
	}
	to := "/inbox"
	if next := r.PostFormValue("next"); len(next) > 1 && next[0] == '/' && next[1] != '/' && next[1] != '\\' {
		to = next
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (e *Engine) filtersAPI(w http.ResponseWriter, r *http.Request) {
	fs, err := e.SavedFilters(r.Context(), r.URL.Query().Get("type"))
	if err != nil {
		Fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, fs)
}

func (e *Engine) saveFilterAPI(w http.ResponseWriter, r *http.Request) {
	var req SaveFilterRequest
	if !web.DecodeJSON(w, r, &req) {
		return
	}
	sf, err := e.saveQuery(r, req)
	if err != nil {
		Fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, sf)
}

func (e *Engine) saveQuery(r *http.Request, req SaveFilterRequest) (SavedFilter, error) {
	q, err := url.ParseQuery(req.Query)
	if err != nil {
		return SavedFilter{}, FieldErrors{Invalid("query", "invalid", "筛选条件无效", "is not a query string")}
	}
	f, err := ParseFilter(q)
	if err != nil {
		return SavedFilter{}, err
	}
	return e.SaveFilter(r.Context(), req.Type, req.Name, f)
}

func (e *Engine) deleteFilterAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	if err := e.DeleteFilter(r.Context(), id); err != nil {
		Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// saveFilterPage saves the filter of a ledger page (form fields type, name,
// query, back) and returns to the ledger.
func (e *Engine) saveFilterPage(w http.ResponseWriter, r *http.Request) {
	back := safeBack(r.PostFormValue("back"))
	_, err := e.saveQuery(r, SaveFilterRequest{Type: r.PostFormValue("type"), Name: r.PostFormValue("name"), Query: r.PostFormValue("query")})
	l := web.LangOf(r)
	if fe, ok := web.AsFieldErrors(err); ok {
		web.SetFlash(w, web.T(l, "casework.filter.not_saved")+": "+fe[0].Msg(l))
	} else if err != nil {
		pageFail(w, r, err)
		return
	} else {
		web.SetFlash(w, web.T(l, "casework.filter.saved"))
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (e *Engine) deleteFilterPage(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	if err := e.DeleteFilter(r.Context(), id); err != nil {
		pageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(web.LangOf(r), "casework.filter.deleted"))
	http.Redirect(w, r, safeBack(r.PostFormValue("back")), http.StatusSeeOther)
}

func safeBack(s string) string {
	if len(s) > 1 && s[0] == '/' && s[1] != '/' && s[1] != '\\' {
		return s
	}
	return "/"
}

// PageFail shows an engine error as a page: not found → 404 page,
// forbidden → 403, conflicts and states → 409 with the message, others → 500.
func PageFail(w http.ResponseWriter, r *http.Request, err error) { pageFail(w, r, err) }

func pageFail(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	if p := Problem(r, err); p != nil {
		web.ErrorPage(w, r, p.Status, p.Title, p.Detail)
		return
	}
	if web.IsNotFound(err) {
		web.ErrorPage(w, r, http.StatusNotFound, web.T(l, "problem.not_found"), web.T(l, "page.not_found_detail"))
		return
	}
	if fe, ok := web.AsFieldErrors(err); ok {
		web.ErrorPage(w, r, http.StatusUnprocessableEntity, web.T(l, "problem.validation"), fe[0].Field+": "+fe[0].Msg(l))
		return
	}
	slog.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	web.ErrorPage(w, r, http.StatusInternalServerError, web.T(l, "problem.internal"), "")
}

// Me is the principal of r (a shorthand for handlers).
func Me(r *http.Request) *auth.Principal { return auth.FromContext(r.Context()) }
