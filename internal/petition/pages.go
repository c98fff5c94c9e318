package petition

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
	"anju/internal/platform/workday"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed i18n/*.json
var messageFiles embed.FS

var pages = web.MustPages(templateFiles, "templates/*.html")

func init() { web.MustMessages(messageFiles) }

var handleCase = web.Allowed(auth.ActHandleCase)

func (h *Handler) pageRoutes() []web.Route {
	return append(h.settingsRoutes(), []web.Route{
		{Pattern: "GET /petition", Access: staffOrLeader, Handler: h.ledgerPage},
		{Pattern: "GET /petition/board", Access: staffOrLeader, Handler: h.boardPage},
		{Pattern: "GET /petition/entry", Access: handleCase, Handler: h.entryPage},
		{Pattern: "POST /petition/entry", Access: handleCase, Handler: h.entrySubmit},
		{Pattern: "GET /petition/cases/{id}", Access: staffOrLeader, Resource: "case", Handler: h.casePage},
		{Pattern: "POST /petition/cases/{id}/act", Access: staffOrLeader, Resource: "case", Handler: h.actPage},
		{Pattern: "POST /petition/cases/{id}/note", Access: staffOrLeader, Resource: "case", Handler: h.notePage},
		{Pattern: "POST /petition/cases/{id}/attach", Access: staffOrLeader, Resource: "case",
			MaxBody: casework.MaxAttachment + 64<<10, Handler: h.attachPage},
	}...)
}

// render shows a petition page.
func render(w http.ResponseWriter, r *http.Request, status int, page, titleKey string, data any, errs map[string]string) {
	v := web.NewView(r, "petition", data)
	v.Title = v.T(titleKey)
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, page, v)
}

// formErrors turns field errors into the form's map (field → message).
func formErrors(l web.Lang, err error) (map[string]string, bool) {
	fe, ok := web.AsFieldErrors(err)
	if !ok {
		return nil, false
	}
	m := map[string]string{}
	for _, e := range fe {
		if _, dup := m[e.Field]; !dup {
			m[e.Field] = e.Msg(l)
		}
	}
	return m, true
}

// option is a choice of a select.
type option struct {
	Value string
	Label string
}

func options(l web.Lang, prefix string, codes []string) []option {
	out := make([]option, len(codes))
	for i, c := range codes {
		out[i] = option{c, web.T(l, prefix+c)}
	}
	return out
}

// unitOptions lists the districts and zones (for the public form and
// transfers: any of them may receive a petition), or — scoped — the units
// of p's jurisdiction down to streets.
func (h *Handler) unitOptions(ctx context.Context, p *auth.Principal, scoped bool) ([]option, error) {
	var out []option
	kinds := []org.Kind{org.District, org.Zone}
	who := auth.System("petition")
	if scoped {
		kinds = append(kinds, org.Street)
		who = p
		if u, err := h.S.Org.Get(ctx, p, p.OrgUnitID); err == nil && u.Kind != org.City {
			out = append(out, option{strconv.FormatInt(u.ID, 10), u.Name})
		}
	}
	for _, k := range kinds {
		us, _, err := h.S.Org.List(ctx, who, org.Filter{Kind: k, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			// A district clerk's own unit is listed first and again among
			// the districts: once is enough.
			if len(out) > 0 && out[0].Value == strconv.FormatInt(u.ID, 10) {
				continue
			}
			out = append(out, option{strconv.FormatInt(u.ID, 10), u.Name})
		}
	}
	return out, nil
}

type ledgerData struct {
	Rows       []CaseItem
	Total      int
	Page       int
	Pages      int
	Filter     casework.Filter
	Query      url.Values
	ExportURL  string
	States     []option
	Categories []option
	Kinds      []option
	Channels   []option
	Units      []option
	Flags      []option
	Sorts      []option
	Saved      []casework.SavedFilter
	Settings   bool // the viewer may change the petition rules
	SaveQuery  string
	Back       string

	// TotalCapped: more match than Total (a keyword's count stops there).
	TotalCapped bool
}

var petitionStates = []string{StateRegistered, StateHandling, StateReplied, StateReviewing, StateRereviewing, StateClosed, StateDeclined}

func categoryCodes() []string {
	out := make([]string, len(Categories))
	for i, c := range Categories {
		out[i] = c.Code
	}
	return out
}

func flagCodes() []string {
	out := []string{}
	for _, f := range casework.FlagNames {
		out = append(out, f.Name)
	}
	return out
}

func (h *Handler) ledgerPage(w http.ResponseWriter, r *http.Request) {
	ctx, l := r.Context(), web.LangOf(r)
	f, ferr := ledgerFilter(r)
	errs, _ := formErrors(l, ferr)
	d := ledgerData{Filter: f, Query: r.URL.Query(), States: options(l, "petition.state.", petitionStates),
		Categories: options(l, "petition.category.", categoryCodes()), Kinds: options(l, "petition.kind.", Kinds),
		Channels: options(l, "petition.channel.", Channels), Flags: options(l, "casework.flag.", flagCodes()), Sorts: options(l, "petition.sort.", casework.Sorts),
		Back: r.URL.RequestURI(), Settings: citySettings.Allow(casework.Me(r))}
	var err error
	if d.Units, err = h.unitOptions(ctx, casework.Me(r), true); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	if d.Saved, err = h.e().SavedFilters(ctx, TypeName); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	vals := f.Values()
	vals.Del("type")
	d.SaveQuery = vals.Encode()
	d.ExportURL = "/api/v1/petition/export?" + d.SaveQuery
	status := http.StatusOK
	if ferr == nil {
		page, err := h.e().Ledger(ctx, f)
		if err != nil {
			if m, ok := formErrors(l, err); ok {
				errs, status = m, http.StatusUnprocessableEntity
			} else {
				casework.PageFail(w, r, err)
				return
			}
		}
		now := h.e().Clock()
		for _, c := range page.Cases {
			d.Rows = append(d.Rows, CaseItem{Case: c.Masked(), Overdue: c.Overdue(now), StateLabel: stateLabel(l, c.State)})
		}
		d.Total, d.TotalCapped = page.Total, page.TotalCapped
	} else {
		status = http.StatusUnprocessableEntity
	}
	d.Page = max(f.Page, 1)
	d.Pages = (web.Paging{Page: d.Page, Size: max(f.Size, 1)}).Pages(d.Total)
	render(w, r, status, "ledger", "petition.ledger.title", d, errs)
}

func (h *Handler) boardPage(w http.ResponseWriter, r *http.Request) {
	b, err := h.board(r.Context(), web.LangOf(r))
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "board", "petition.board.title", b, nil)
}

// actionForm is one action offered on the case page, with the inputs it takes.
type actionForm struct {
	Name   string
	Fields []string
}

// fieldsOf lists the inputs a form shows for a transition: its required
// fields, plus an optional note where one helps.
func fieldsOf(tr *casework.Transition, staffRating bool) []string {
	var out []string
	for _, f := range tr.Required {
		out = append(out, string(f))
	}
	switch tr.Name {
	case "accept", "accept_transfer":
		out = append(out, "note")
	case "rate":
		out = append(out, "comment")
		if staffRating {
			out = append(out, "method")
		}
	case "transfer":
		out = append([]string{"transfer_unit"}, without(out, "unit_id")...)
	}
	return out
}

func without(list []string, x string) []string {
	var out []string
	for _, s := range list {
		if s != x {
			out = append(out, s)
		}
	}
	return out
}

type caseData struct {
	D           CaseDetail
	Actions     []actionForm
	Failed      string // the action whose form has errors
	Problem     string // a conflict or state message
	Units       []option
	AllUnits    []option
	Departments []option
	Ratings     []option
	Deadline    time.Time
	ReviewUntil string
	Receptions  []Reception
	Place       string // the compound (and building) concerned, with its street and community
	// Related is the earlier petition this one repeats, by number; its
	// link only when the viewer may open it.
	Related     string
	RelatedLink bool
}

func (h *Handler) showCase(w http.ResponseWriter, r *http.Request, status int, c casework.Case, failed, problem string, errs map[string]string) {
	ctx, l := r.Context(), web.LangOf(r)
	d, err := h.detail(r, c)
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	cd := caseData{D: d, Failed: failed, Problem: problem, Ratings: options(l, "petition.rating.", Ratings), Deadline: Deadline(&c)}
	for _, tr := range h.e().Allowed(ctx, &c) {
		cd.Actions = append(cd.Actions, actionForm{Name: tr.Name, Fields: fieldsOf(tr, true)})
	}
	if cd.Units, err = h.unitOptions(ctx, casework.Me(r), true); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	if cd.AllUnits, err = h.unitOptions(ctx, casework.Me(r), false); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	depts, err := h.S.Org.Departments(ctx)
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	for _, dp := range depts {
		name := dp.Name
		if l == web.EN {
			name = dp.NameEn
		}
		cd.Departments = append(cd.Departments, option{strconv.FormatInt(dp.ID, 10), name})
	}
	if s := c.DataString("review_until"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			cd.ReviewUntil = t.In(web.Location).Format("2006-01-02")
		}
	}
	if cd.Receptions, err = h.S.ReceptionsOf(ctx, c.ID); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	place := c.CompoundID
	if b := c.DataInt("building_id"); b != 0 {
		place = b
	}
	cd.Place = h.placeLabel(ctx, place)
	if c.RelatedID != 0 {
		if rc, err := h.e().Get(ctx, c.RelatedID); err == nil {
			cd.Related, cd.RelatedLink = rc.Number, true
		} else if rc, err := h.e().Get(auth.WithPrincipal(ctx, auth.System("petition")), c.RelatedID); err == nil {
			cd.Related = rc.Number // another unit's: named, not opened
		}
	}
	v := web.NewView(r, "petition", cd)
	v.Title = c.Number
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, "case", v)
}

func (h *Handler) casePage(w http.ResponseWriter, r *http.Request) {
	c, ok := h.scopedPage(w, r)
	if !ok {
		return
	}
	h.showCase(w, r, http.StatusOK, c, "", "", nil)
}

// scopedPage is scoped for pages: 404 as a page.
func (h *Handler) scopedPage(w http.ResponseWriter, r *http.Request) (casework.Case, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		casework.PageFail(w, r, errNotFound)
		return casework.Case{}, false
	}
	c, err := h.e().Get(r.Context(), id)
	if err == nil && c.Type != TypeName {
		err = errNotFound
	}
	if err != nil {
		casework.PageFail(w, r, err)
		return casework.Case{}, false
	}
	return c, true
}

// inputOf reads a command's inputs from a form.
func inputOf(r *http.Request) casework.Input {
	in := casework.Input{Text: r.PostFormValue("text"), Reason: r.PostFormValue("reason"), Approver: r.PostFormValue("approver"),
		Rating: r.PostFormValue("rating"), Method: r.PostFormValue("method")}
	if in.Text == "" {
		in.Text = firstOf(r.PostFormValue("note"), r.PostFormValue("comment"))
	}
	in.Days, _ = strconv.Atoi(r.PostFormValue("days"))
	in.UnitID, _ = strconv.ParseInt(firstOf(r.PostFormValue("unit_id"), r.PostFormValue("transfer_unit")), 10, 64)
	in.DepartmentID, _ = strconv.ParseInt(r.PostFormValue("department_id"), 10, 64)
	in.AssigneeID, _ = strconv.ParseInt(r.PostFormValue("assignee_id"), 10, 64)
	return in
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func (h *Handler) actPage(w http.ResponseWriter, r *http.Request) {
	c, ok := h.scopedPage(w, r)
	if !ok {
		return
	}
	l := web.LangOf(r)
	action := r.PostFormValue("action")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	got, err := h.e().Act(r.Context(), c.ID, version, action, inputOf(r))
	if err == nil {
		web.SetFlash(w, web.T(l, "petition.done", web.T(l, "petition.action."+action)))
		back := "/petition/cases/" + strconv.FormatInt(got.ID, 10)
		// Objecting to a transfer (or transferring out of one's own
		// jurisdiction) hands the case to another unit: its page is no
		// longer the actor's to see, so they go back to the ledger.
		if _, err := h.e().Get(r.Context(), got.ID); err != nil {
			back = "/petition"
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	var ce *casework.ConflictError
	var se *casework.StateError
	switch {
	case errors.As(err, &ce):
		h.showCase(w, r, http.StatusConflict, ce.Current, "", web.T(l, "petition.conflict"), nil)
	case errors.As(err, &se):
		msg := se.Zh
		if l == web.EN {
			msg = se.En
		}
		h.showCase(w, r, http.StatusConflict, se.Current, "", msg, nil)
	default:
		if m, ok := formErrors(l, err); ok {
			h.showCase(w, r, http.StatusUnprocessableEntity, c, action, "", m)
			return
		}
		casework.PageFail(w, r, err)
	}
}

func (h *Handler) notePage(w http.ResponseWriter, r *http.Request) {
	c, ok := h.scopedPage(w, r)
	if !ok {
		return
	}
	l := web.LangOf(r)
	_, err := h.e().Note(r.Context(), c.ID, "comment", r.PostFormValue("text"), r.PostFormValue("public") == "on", nil)
	if m, ok := formErrors(l, err); ok {
		h.showCase(w, r, http.StatusUnprocessableEntity, c, "note", "", m)
		return
	} else if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(l, "petition.note_added"))
	http.Redirect(w, r, "/petition/cases/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

func (h *Handler) attachPage(w http.ResponseWriter, r *http.Request) {
	c, ok := h.scopedPage(w, r)
	if !ok {
		return
	}
	l := web.LangOf(r)
	name, data, err := readUpload(r)
	if err == nil {
		_, err = h.e().Attach(r.Context(), c.ID, name, data, r.FormValue("public") == "on")
	}
	if m, ok := formErrors(l, err); ok {
		h.showCase(w, r, http.StatusUnprocessableEntity, c, "attach", "", m)
		return
	} else if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	web.SetFlash(w, web.T(l, "petition.file_added"))
	http.Redirect(w, r, "/petition/cases/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

// formData is the petition form's contents, kept when it comes back with errors.
type formData struct {
	Sub        Submission
	Lat, Lng   string
	Received   string
	Categories []CatalogueCategory
	Kinds      []option
	Channels   []option
	Units      []option
	Staff      bool
	Named      bool // the visitor is logged in as a citizen or company
	Map        mapPick
	Place      placePick
}

// submissionOf reads a petition form.
func submissionOf(r *http.Request) (Submission, formData, map[string]string) {
	l := web.LangOf(r)
	errs := map[string]string{}
	sub := Submission{Channel: r.PostFormValue("channel"), Kind: r.PostFormValue("kind"), Category: r.PostFormValue("category"),
		Subcategory: r.PostFormValue("subcategory"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body"),
		Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"), Anonymous: r.PostFormValue("anonymous") == "on",
		Address: r.PostFormValue("address")}
	sub.UnitID, _ = strconv.ParseInt(r.PostFormValue("unit_id"), 10, 64)
	compound, _ := strconv.ParseInt(r.PostFormValue("compound_id"), 10, 64)
	building, _ := strconv.ParseInt(r.PostFormValue("building_id"), 10, 64)
	sub.CompoundID, sub.BuildingID = compound, building
	if i := strings.IndexByte(sub.Subcategory, '/'); i >= 0 { // "category/sub" from the combined select
		sub.Category, sub.Subcategory = sub.Subcategory[:i], sub.Subcategory[i+1:]
	}
	fd := formData{Sub: sub, Lat: strings.TrimSpace(r.PostFormValue("lat")), Lng: strings.TrimSpace(r.PostFormValue("lng")),
		Received: r.PostFormValue("received_on"), Place: placePick{Compound: compound, Building: building}}
	if fd.Lat != "" || fd.Lng != "" {
		lat, err1 := strconv.ParseFloat(fd.Lat, 64)
		lng, err2 := strconv.ParseFloat(fd.Lng, 64)
		if err1 != nil || err2 != nil {
			errs["lat"] = web.T(l, "petition.form.bad_coords")
		} else {
			sub.Lat, sub.Lng = &lat, &lng
		}
	}
	if fd.Received != "" {
		d, err := workday.ParseDate(fd.Received)
		if err != nil {
			errs["received_at"] = web.T(l, "petition.form.bad_date")
		} else {
			t := d.In(web.Location).Add(9 * time.Hour)
			sub.ReceivedAt = &t
		}
	}
	return sub, fd, errs
}

func (h *Handler) fillForm(ctx context.Context, r *http.Request, fd *formData, staff bool) error {
	l := web.LangOf(r)
	fd.Categories = CatalogueIn(l).Categories
	fd.Kinds = options(l, "petition.kind.", Kinds)
	fd.Channels = options(l, "petition.channel.", StaffChannels)
	fd.Staff = staff
	p := casework.Me(r)
	fd.Named = p.Role.IsPublic()
	fd.Map = h.mapPickFor(ctx, p, staff)
	var err error
	if fd.Place, err = h.places(ctx, p, fd.Sub.UnitID, fd.Place.Compound, fd.Place.Building, staff); err != nil {
		return err
	}
	fd.Units, err = h.unitOptions(ctx, p, staff)
	return err
}

func (h *Handler) entryPage(w http.ResponseWriter, r *http.Request) {
	fd := formData{Sub: Submission{Channel: ChannelCall, Kind: KindComplaint}}
	if err := h.fillForm(r.Context(), r, &fd, true); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "entry", "petition.entry.title", fd, nil)
}

func (h *Handler) entrySubmit(w http.ResponseWriter, r *http.Request) {
	sub, fd, errs := submissionOf(r)
	l := web.LangOf(r)
	if len(errs) == 0 {
		c, err := h.S.Submit(r.Context(), sub)
		if err == nil {
			web.SetFlash(w, web.T(l, "petition.entry.done", c.Number))
			http.Redirect(w, r, "/petition/cases/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
			return
		}
		m, ok := formErrors(l, err)
		if !ok {
			pageProblem(w, r, err)
			return
		}
		errs = m
	}
	if err := h.fillForm(r.Context(), r, &fd, true); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	render(w, r, http.StatusUnprocessableEntity, "entry", "petition.entry.title", fd, errs)
}

// pageProblem shows a petition error as a page.
func pageProblem(w http.ResponseWriter, r *http.Request, err error) {
	l := web.LangOf(r)
	if errors.Is(err, ErrNotAllowed) {
		web.ErrorPage(w, r, http.StatusForbidden, web.T(l, "problem.forbidden"), web.T(l, "petition.channel_not_allowed"))
		return
	}
	casework.PageFail(w, r, err)
}
