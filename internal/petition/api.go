package petition

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

// Handler serves the petition pages and API.
type Handler struct {
	S *Service
}

func (h *Handler) e() *casework.Engine { return h.S.E }

// Routes of the petition module. casework's own routes (inbox, saved
// filters) are mounted separately, once for every case type.
func (h *Handler) Routes() []web.Route {
	var rs []web.Route
	rs = append(rs, h.apiRoutes()...)
	rs = append(rs, h.pageRoutes()...)
	rs = append(rs, h.publicRoutes()...)
	rs = append(rs, h.receptionRoutes()...)
	rs = append(rs, h.StatsRoutes()...)
	return rs
}

var staffOrLeader = web.Access{Name: "staff or leader", Allow: func(p *auth.Principal) bool { return p.UserID != 0 && p.Role.IsStaff() }}

var exporters = web.Allowed(auth.ActExportData)

// citySettings: the rules are the bureau's, set at city level.
var citySettings = web.Access{Name: "city staff or leader", Allow: func(p *auth.Principal) bool {
	return p.UserID != 0 && (p.Role == auth.CityStaff || p.Role == auth.Leader)
}}

func (h *Handler) apiRoutes() []web.Route {
	tag := "petition"
	return []web.Route{
		{Pattern: "POST /api/v1/petition/submissions", Access: web.Public, Handler: h.submitAPI, Doc: &web.APIDoc{
			Summary: "File a petition", Tag: tag, Request: Submission{}, Response: Receipt{}, Status: http.StatusCreated,
			Description: "The public file by the web channel (anonymously or logged in); staff enter calls, letters and visits; " +
				"machine tokens with petition:intake (or the older data.push) transfer from the 12345 hotline or an Open311 " +
				"gateway (channel hotline or open311, external_ref idempotent). " +
				"The number is returned only after the petition is committed.",
			Errors: []int{403, 409, 422, 503}}},
		{Pattern: "GET /api/v1/petition/cases", Access: staffOrLeader, Handler: h.listAPI, Doc: &web.APIDoc{
			Summary: "The petition ledger (台账): filter, sort, page", Tag: tag, Query: filterParams(),
			Response: LedgerList{}, Errors: []int{422}}},
		{Pattern: "GET /api/v1/petition/cases/{id}", Access: staffOrLeader, Resource: "case", Handler: h.getAPI, Doc: &web.APIDoc{
			Summary: "A petition with its timeline, files and the actions allowed now", Tag: tag, Response: CaseDetail{}}},
		{Pattern: "POST /api/v1/petition/cases/{id}/actions", Access: staffOrLeader, Resource: "case", Handler: h.actAPI, Doc: &web.APIDoc{
			Summary: "Take an action on a petition (accept, reply, transfer, supervise, extend …)", Tag: tag,
			Description: "Send the version you read. If someone acted first the answer is 409 with the current case " +
				"(`case`) and the actions now allowed (`allowed`). On success the answer is `outcome` (what was done, the " +
				"number, the new state, the unit handling the case) with, as a GET would show it, the case, its timeline, " +
				"files and allowed actions. An action can put the case out of the caller's reach — objecting to a transfer " +
				"sends it back to the unit that sent it; staff limited to a department assigning it to another one: then " +
				"`outcome.readable` is false and only `outcome` is answered (still 200; reading the case would be 404).",
			Request: ActionRequest{}, Response: ActionResult{}, Errors: []int{409, 422, 503}}},
		{Pattern: "POST /api/v1/petition/cases/{id}/notes", Access: staffOrLeader, Resource: "case", Handler: h.noteAPI, Doc: &web.APIDoc{
			Summary: "Add a note (comment, record of a call) to a petition's timeline", Tag: tag, Request: NoteRequest{},
			Response: casework.Event{}, Status: http.StatusCreated, Errors: []int{422}}},
		{Pattern: "POST /api/v1/petition/cases/{id}/attachments", Access: staffOrLeader, Resource: "case", MaxBody: casework.MaxAttachment + 64<<10,
			Handler: h.attachAPI, Doc: &web.APIDoc{Summary: "Attach a file (multipart field file: image or PDF, ≤ 10 MB, checked by content)",
				Tag: tag, Response: casework.Attachment{}, Status: http.StatusCreated, Errors: []int{413, 422}}},
		{Pattern: "GET /api/v1/petition/attachments/{id}", Access: web.LoggedIn, Resource: "case_attachment", Handler: h.downloadAPI,
			Doc: &web.APIDoc{Summary: "Download a file of a petition", Tag: tag}},
		{Pattern: "GET /api/v1/petition/export", Access: exporters, Handler: h.exportAPI, Doc: &web.APIDoc{
			Summary: "Export exactly the filtered ledger rows as Excel (.xlsx)", Tag: tag, Query: filterParams(), Errors: []int{422}}},
		{Pattern: "GET /api/v1/petition/board", Access: staffOrLeader, Handler: h.boardAPI, Doc: &web.APIDoc{
			Summary: "The supervisor's board: overdue and due-soon petitions in my jurisdiction", Tag: tag, Response: Board{}}},
		{Pattern: "GET /api/v1/petition/mine", Access: web.Roles(auth.Citizen, auth.Company), Handler: h.mineAPI, Doc: &web.APIDoc{
			Summary: "The petitions I filed", Tag: tag, Response: web.ListResponse[PublicCase]{}}},
		{Pattern: "POST /api/v1/petition/track", Access: web.Public, Handler: h.trackAPI, Doc: &web.APIDoc{
			Summary: "Follow a petition by its number and check code (last 4 digits of the phone given)", Tag: tag,
			Request: TrackRequest{}, Response: PublicCase{}, Errors: []int{404, 429}}},
		{Pattern: "POST /api/v1/petition/track/actions", Access: web.Public, Handler: h.trackActAPI, Doc: &web.APIDoc{
			Summary: "The petitioner rates the reply or asks for review / re-review", Tag: tag,
			Request: TrackActionRequest{}, Response: PublicCase{}, Errors: []int{404, 409, 422, 429}}},
		{Pattern: "GET /api/v1/petition/categories", Access: web.Public, Handler: h.categoriesAPI, Doc: &web.APIDoc{
			Summary: "Categories, subcategories, kinds and channels, with names", Tag: tag, Response: Catalogue{}}},
		{Pattern: "GET /api/v1/petition/settings", Access: citySettings, Handler: h.settingsAPI, Doc: &web.APIDoc{
			Summary: "The bureau's petition rules (rapid response, repeats, rating period)", Tag: tag, Response: Settings{}}},
		{Pattern: "PUT /api/v1/petition/settings", Access: citySettings, Handler: h.saveSettingsAPI, Doc: &web.APIDoc{
			Summary: "Change the bureau's petition rules", Tag: tag, Request: Settings{}, Response: Settings{}, Errors: []int{422}}},
	}
}

func filterParams() []web.Param {
	return []web.Param{
		{Name: "state", Description: "states, comma-separated"}, {Name: "category"}, {Name: "subcategory"},
		{Name: "kind"}, {Name: "channel"}, {Name: "unit", Type: "integer", Description: "district or other unit: cases handled within it"},
		{Name: "due", Description: "overdue or soon"}, {Name: "open", Description: "open or closed"},
		{Name: "flag", Description: "repeat, supervised, extended, reopened, anonymous, final_matter, final"},
		{Name: "from", Description: "received on or after (YYYY-MM-DD)"}, {Name: "to", Description: "received on or before (YYYY-MM-DD)"},
		{Name: "q", Description: "keyword: number, title, address, name; or a whole number or mobile"},
		{Name: "sort", Description: "received (default), -received, due, -due, number, updated"},
		{Name: "page", Type: "integer"}, {Name: "size", Type: "integer"},
	}
}

// Receipt is what filing a petition answers.
type Receipt struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
	// CheckCode with the number lets the petitioner follow the case: the
	// last 4 digits of the phone given, or a code to keep if none was.
	CheckCode     string    `json:"check_code"`
	State         string    `json:"state"`
	ReceivedAt    time.Time `json:"received_at"`
	ResponseDueAt time.Time `json:"response_due_at,omitzero" doc:"first contact promised by"`
	AcceptDueAt   time.Time `json:"accept_due_at" doc:"decision on acceptance due by"`
	Repeat        bool      `json:"repeat"`
	RelatedID     int64     `json:"related_id,omitempty"`
}

func receiptOf(c casework.Case) Receipt {
	return Receipt{ID: c.ID, Number: c.Number, CheckCode: c.CheckCode, State: c.State, ReceivedAt: c.ReceivedAt,
		ResponseDueAt: c.ResponseDueAt, AcceptDueAt: c.StageDueAt, Repeat: c.Flags.Has(casework.FlagRepeat), RelatedID: c.RelatedID}
}

// CaseItem is a ledger row: the case (phone masked) and derived facts.
type CaseItem struct {
	casework.Case
	Overdue    bool   `json:"overdue"`
	StateLabel string `json:"state_label"`
}

// CaseDetail is a petition as its handlers see it.
type CaseDetail struct {
	Case        casework.Case         `json:"case"`
	Overdue     bool                  `json:"overdue"`
	Allowed     []string              `json:"allowed" doc:"actions the caller may take now"`
	Timeline    []casework.Event      `json:"timeline"`
	Attachments []casework.Attachment `json:"attachments"`
}

// ActionResult answers an action: its outcome and, while the caller can
// still read the case, the case as a GET shows it (CaseDetail's fields, at
// the top level as before). When the action put the case out of the
// caller's reach only the outcome is given: the details are no longer
// theirs to see, yet the action succeeded, so it is not a 404.
type ActionResult struct {
	*CaseDetail
	Outcome ActionOutcome `json:"outcome"`
}

// ActionOutcome is what an action did, in terms the caller may see even
// when the case is no longer theirs: nothing they did not already know
// but its new state.
type ActionOutcome struct {
	Action     string `json:"action"`
	CaseID     int64  `json:"case_id"`
	Number     string `json:"number"`
	State      string `json:"state"`
	StateLabel string `json:"state_label"`
	Unit       string `json:"unit" doc:"the unit handling the case now (after an objection to a transfer: the unit that sent it)"`
	Readable   bool   `json:"readable" doc:"false: the action put the case out of your reach; case, timeline, attachments and allowed are left out"`
	Message    string `json:"message"`
}

// ActionRequest is one command on a petition.
type ActionRequest struct {
	Action  string `json:"action"`
	Version int    `json:"version"`
	casework.Input
}

// NoteRequest adds a note.
type NoteRequest struct {
	Text   string `json:"text"`
	Public bool   `json:"public,omitempty" doc:"show it to the petitioner"`
}

// TrackRequest identifies a petition for its petitioner.
type TrackRequest struct {
	Number string `json:"number"`
	Check  string `json:"check,omitempty" doc:"not needed when logged in as the petitioner"`
}

// TrackActionRequest is the petitioner's command.
type TrackActionRequest struct {
	Number  string `json:"number"`
	Check   string `json:"check,omitempty"`
	Action  string `json:"action" doc:"rate, request_review or request_rereview"`
	Version int    `json:"version"`
	Rating  string `json:"rating,omitempty" doc:"satisfied, basically_satisfied or unsatisfied"`
	Text    string `json:"text,omitempty" doc:"comment with the rating (required when unsatisfied)"`
	Reason  string `json:"reason,omitempty" doc:"reason for a review or re-review"`
}

// fail writes the problem of a petition error.
func fail(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	var locked *TrackLockedError
	switch {
	case errors.Is(err, ErrNotAllowed):
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusForbidden, web.ProblemForbidden, web.T(l, "petition.channel_not_allowed")))
	case errors.Is(err, ErrTrack):
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusNotFound, web.ProblemNotFound, web.T(l, "petition.track.not_found")))
	case errors.As(err, &locked):
		w.Header().Set("Retry-After", strconv.Itoa(int(time.Until(locked.Until).Seconds())+1))
		web.WriteProblem(w, r, web.NewProblem(l, http.StatusTooManyRequests, web.ProblemRateLimited, web.T(l, "petition.track.locked")))
	default:
		casework.Fail(w, r, err)
	}
}

func (h *Handler) submitAPI(w http.ResponseWriter, r *http.Request) {
	var sub Submission
	if !web.DecodeJSON(w, r, &sub) {
		return
	}
	c, err := h.S.Submit(r.Context(), sub)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, receiptOf(c))
}

// ledgerFilter reads the ledger filter of r, for petitions.
func ledgerFilter(r *http.Request) (casework.Filter, error) {
	f, err := casework.ParseFilter(r.URL.Query())
	f.Type = TypeName
	return f, err
}

func (h *Handler) listAPI(w http.ResponseWriter, r *http.Request) {
	f, err := ledgerFilter(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	page, err := h.e().Ledger(r.Context(), f)
	if err != nil {
		fail(w, r, err)
		return
	}
	l, now := web.LangOf(r), h.e().Clock()
	items := make([]CaseItem, len(page.Cases))
	for i, c := range page.Cases {
		items[i] = CaseItem{Case: c.Masked(), Overdue: c.Overdue(now), StateLabel: stateLabel(l, c.State)}
	}
	web.WriteJSON(w, http.StatusOK, LedgerList{ListResponse: web.ListResponse[CaseItem]{Items: items, Total: page.Total,
		Page: max(f.Page, 1), Size: f.Size}, TotalCapped: page.TotalCapped})
}

// LedgerList is a page of the ledger. A free-text keyword's matches are
// counted up to casework.KeywordCountLimit (or the end of the next page):
// with more, total is that figure and total_capped is true.
type LedgerList struct {
	web.ListResponse[CaseItem]
	TotalCapped bool `json:"total_capped" doc:"true: more cases match than total (a keyword's count stops there); the next page exists"`
}

func stateLabel(l web.Lang, s string) string { return web.T(l, "petition.state."+s) }

func (h *Handler) detail(r *http.Request, c casework.Case) (CaseDetail, error) {
	ctx := r.Context()
	evs, err := h.e().Timeline(ctx, c.ID)
	if err != nil {
		return CaseDetail{}, err
	}
	atts, err := h.e().Attachments(ctx, c.ID)
	if err != nil {
		return CaseDetail{}, err
	}
	return CaseDetail{Case: c, Overdue: c.Overdue(h.e().Clock()), Allowed: h.e().AllowedNames(ctx, &c), Timeline: evs, Attachments: atts}, nil
}

// scoped reads the {id} case in the caller's scope — before any body is read.
func (h *Handler) scoped(w http.ResponseWriter, r *http.Request) (casework.Case, bool) {
	id, ok := web.PathID(w, r)
	if !ok {
		return casework.Case{}, false
	}
	c, err := h.e().Get(r.Context(), id)
	if err == nil && c.Type != TypeName {
		err = errNotPetition
	}
	if err != nil {
		fail(w, r, err)
		return casework.Case{}, false
	}
	return c, true
}

var errNotPetition = fmt.Errorf("petition: %w", errNotFound)

func (h *Handler) getAPI(w http.ResponseWriter, r *http.Request) {
	c, ok := h.scoped(w, r)
	if !ok {
		return
	}
	d, err := h.detail(r, c)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}

func (h *Handler) actAPI(w http.ResponseWriter, r *http.Request) {
	c, ok := h.scoped(w, r)
	if !ok {
		return
	}
	var req ActionRequest
	if !web.DecodeJSON(w, r, &req) {
		return
	}
	if req.Version == 0 {
		fail(w, r, casework.FieldErrors{casework.Invalid("version", "required", "请提供读取时的版本号", "send the version you read")})
		return
	}
	got, err := h.e().Act(r.Context(), c.ID, req.Version, req.Action, req.Input)
	if err != nil {
		fail(w, r, err)
		return
	}
	l := web.LangOf(r)
	// Read it again as the caller: the action may have put it out of their
	// reach (an objection clears the pending transfer that let the receiver
	// see it), and the names it shows may have changed.
	cur, err := h.e().Get(r.Context(), got.ID)
	if errors.Is(err, errNotFound) {
		web.WriteJSON(w, http.StatusOK, ActionResult{Outcome: h.lostOutcome(r, l, req.Action, got)})
		return
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	d, err := h.detail(r, cur)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ActionResult{CaseDetail: &d, Outcome: ActionOutcome{Action: req.Action, CaseID: cur.ID,
		Number: cur.Number, State: cur.State, StateLabel: stateLabel(l, cur.State), Unit: cur.UnitName, Readable: true,
		Message: web.T(l, "petition.done", web.T(l, "petition.action."+req.Action))}})
}

// lostOutcome is the outcome of an action after which the caller can no
// longer read case c (as the action wrote it): the number and state they
// acted on, and which unit has the case now — after an objection, the
// sender, whom the transfer notice already named to them.
func (h *Handler) lostOutcome(r *http.Request, l web.Lang, action string, c casework.Case) ActionOutcome {
	unit := c.UnitName
	// The name was read before the action; read it afresh (without the
	// caller's scope, for this one name) in case the action moved the case.
	if now, err := h.e().ByNumber(r.Context(), c.Number); err == nil {
		unit = now.UnitName
	}
	done := web.T(l, "petition.done", web.T(l, "petition.action."+action))
	var msg string
	switch {
	case action == "object_transfer" && l == web.EN:
		msg = done + ". The case went back to " + unit + ", which sent it; you can no longer see it."
	case action == "object_transfer":
		msg = done + "，案件回到" + unit + "办理，您已不能查看该案件。"
	case l == web.EN:
		msg = done + ". " + unit + " handles the case now; you can no longer see it."
	default:
		msg = done + "，该案件现由" + unit + "办理，您已不能查看该案件。"
	}
	return ActionOutcome{Action: action, CaseID: c.ID, Number: c.Number, State: c.State, StateLabel: stateLabel(l, c.State),
		Unit: unit, Readable: false, Message: msg}
}

func (h *Handler) noteAPI(w http.ResponseWriter, r *http.Request) {
	c, ok := h.scoped(w, r)
	if !ok {
		return
	}
	var req NoteRequest
	if !web.DecodeJSON(w, r, &req) {
		return
	}
	ev, err := h.e().Note(r.Context(), c.ID, "comment", req.Text, req.Public, nil)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, ev)
}

// readUpload reads the multipart field "file" (≤ MaxAttachment).
func readUpload(r *http.Request) (string, []byte, error) {
	f, fh, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, casework.FieldErrors{casework.Invalid("file", "too_large", "文件不能超过10MB", "at most 10 MB")}
		}
		return "", nil, casework.FieldErrors{casework.Invalid("file", "required", "请选择文件", "choose a file")}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, casework.MaxAttachment+1))
	if err != nil {
		return "", nil, err
	}
	return fh.Filename, data, nil
}

func (h *Handler) attachAPI(w http.ResponseWriter, r *http.Request) {
	c, ok := h.scoped(w, r)
	if !ok {
		return
	}
	name, data, err := readUpload(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	a, err := h.e().Attach(r.Context(), c.ID, name, data, r.FormValue("public") == "true")
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, a)
}

func (h *Handler) downloadAPI(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	a, data, err := h.e().AttachmentContent(r.Context(), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeAttachment(w, a, data)
}

// writeAttachment sends a case's file as a download, never cached by
// anyone but the browser that asked.
func writeAttachment(w http.ResponseWriter, a casework.Attachment, data []byte) {
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", contentDisposition(a.Name))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(data)
}

// contentDisposition offers a download under its name (RFC 6266 / 5987).
func contentDisposition(name string) string {
	return `attachment; filename="file"; filename*=UTF-8''` + urlPathEscape(name)
}

func (h *Handler) exportAPI(w http.ResponseWriter, r *http.Request) {
	f, err := ledgerFilter(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	var buf bufferWriter
	n, err := h.e().ExportXLSX(r.Context(), f, web.LangOf(r), &buf)
	if err != nil {
		fail(w, r, err)
		return
	}
	name := fmt.Sprintf("petitions-%s.xlsx", h.e().Clock().In(web.Location).Format("20060102-1504"))
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Row-Count", strconv.Itoa(n))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.b)
}

type bufferWriter struct{ b []byte }

func (b *bufferWriter) Write(p []byte) (int, error) {
	b.b = append(b.b, p...)
	return len(p), nil
}

func (h *Handler) mineAPI(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	cs, total, err := h.e().List(r.Context(), casework.Filter{Type: TypeName, Page: pg.Page, Size: pg.Size})
	if err != nil {
		fail(w, r, err)
		return
	}
	l := web.LangOf(r)
	items := make([]PublicCase, 0, len(cs))
	for _, c := range cs {
		pc, err := h.S.Public(r.Context(), c, func(s string) string { return stateLabel(l, s) })
		if err != nil {
			fail(w, r, err)
			return
		}
		items = append(items, pc)
	}
	web.WriteList(w, pg, items, total)
}

func (h *Handler) trackAPI(w http.ResponseWriter, r *http.Request) {
	var req TrackRequest
	if !web.DecodeJSON(w, r, &req) {
		return
	}
	c, ctx, err := h.S.Track(r.Context(), req.Number, req.Check)
	if err != nil {
		fail(w, r, err)
		return
	}
	l := web.LangOf(r)
	pc, err := h.S.Public(ctx, c, func(s string) string { return stateLabel(l, s) })
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, pc)
}

// partyActions are what a petitioner does through tracking.
var partyActions = []string{"rate", "request_review", "request_rereview"}

func (h *Handler) trackActAPI(w http.ResponseWriter, r *http.Request) {
	var req TrackActionRequest
	if !web.DecodeJSON(w, r, &req) {
		return
	}
	c, ctx, err := h.S.Track(r.Context(), req.Number, req.Check)
	if err != nil {
		fail(w, r, err)
		return
	}
	if !contains(partyActions, req.Action) {
		fail(w, r, casework.FieldErrors{casework.Invalid("action", "invalid", "无效的操作", "must be rate, request_review or request_rereview")})
		return
	}
	c, err = h.e().Act(ctx, c.ID, req.Version, req.Action, casework.Input{Rating: req.Rating, Text: req.Text, Reason: req.Reason})
	if err != nil {
		fail(w, r, err)
		return
	}
	c, err = h.e().Get(ctx, c.ID)
	if err != nil {
		fail(w, r, err)
		return
	}
	l := web.LangOf(r)
	pc, err := h.S.Public(ctx, c, func(s string) string { return stateLabel(l, s) })
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, pc)
}

func (h *Handler) settingsAPI(w http.ResponseWriter, r *http.Request) {
	s, err := h.S.Settings(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, s)
}

func (h *Handler) saveSettingsAPI(w http.ResponseWriter, r *http.Request) {
	var s Settings
	if !web.DecodeJSON(w, r, &s) {
		return
	}
	if err := h.S.SaveSettings(r.Context(), s); err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, s)
}
