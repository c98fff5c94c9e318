package property

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

// Photos of an inspection: at most this many, each at most this large.
const (
	maxPhotos     = 6
	maxPhotoBytes = 5 << 20
)

func (s *Service) rectifyRoutes() []web.Route {
	actErrors := []int{403, 404, 409, 422}
	return []web.Route{
		{Pattern: "GET /property/campaigns", Access: viewGate, Handler: s.campaignsPage},
		{Pattern: "POST /property/campaigns", Access: editGate, Handler: s.campaignPost},
		{Pattern: "GET /property/campaigns/{id}", Access: viewGate, Resource: "property_campaign", Handler: s.campaignPage},
		{Pattern: "POST /property/campaigns/{id}/results", Access: handleGate, Resource: "property_campaign", Handler: s.resultPost,
			MaxBody: maxPhotos*maxPhotoBytes + 1<<20},
		{Pattern: "GET /property/rectifications/{id}", Access: viewGate, Resource: "property_rectification", Handler: s.rectificationPage},
		// viewGate: a leader supervises too; the engine decides each action
		// (role × scope × state), e.g. supervise and cancel from a higher level.
		{Pattern: "POST /property/rectifications/{id}/act", Access: viewGate, Resource: "property_rectification", Handler: s.rectificationAct},
		{Pattern: "POST /property/my/orders", Access: company, Handler: s.portalRespond},

		{Pattern: "GET /api/v1/property/figures", Access: viewGate, Handler: s.apiFigures, Doc: &web.APIDoc{
			Summary:     "Supervision figures in the caller's jurisdiction: problems found / resolved and disputes settled within the building / community",
			Description: "Problems are counted from the rectification cases of the inspect–rectify campaigns; shares from the council's mediation cases (closed ones).",
			Tag:         "property", Response: Figures{}}},
		{Pattern: "GET /api/v1/property/campaigns", Access: viewGate, Handler: s.apiCampaigns, Doc: &web.APIDoc{
			Summary: "Inspect–rectify campaigns in the caller's jurisdiction, with problems found / resolved", Tag: "property",
			Response: []Campaign{}}},
		{Pattern: "POST /api/v1/property/campaigns", Access: editGate, Handler: s.apiCampaignCreate, Doc: &web.APIDoc{
			Summary: "Start a campaign (name, period, scope unit, checklist areas)", Tag: "property", Request: CampaignInput{},
			Response: Campaign{}, Status: http.StatusCreated, Errors: []int{403, 422}}},
		{Pattern: "GET /api/v1/property/campaigns/{id}", Access: viewGate, Resource: "property_campaign", Handler: s.apiCampaign,
			Doc: &web.APIDoc{Summary: "A campaign with its results per compound", Tag: "property", Response: CampaignDetail{}, Errors: []int{404}}},
		{Pattern: "POST /api/v1/property/campaigns/{id}/results", Access: handleGate, Resource: "property_campaign", Handler: s.apiResult,
			Doc: &web.APIDoc{Summary: "Record an inspection result; a failed item opens a rectification case assigned to the responsible party",
				Description: "Photos are uploaded with the page form (multipart); the API records the result.",
				Tag:         "property", Request: ResultInput{}, Response: Inspection{}, Status: http.StatusCreated, Errors: []int{403, 404, 409, 422}}},
		{Pattern: "GET /api/v1/property/rectifications/{id}", Access: web.LoggedIn, Resource: "property_rectification", Handler: s.apiRectification,
			Doc: &web.APIDoc{Summary: "A rectification case (staff in scope, or an account of the responsible company)", Tag: "property",
				Response: Rectification{}, Errors: []int{404}}},
		{Pattern: "POST /api/v1/property/rectifications/{id}/actions", Access: web.LoggedIn, Resource: "property_rectification",
			Handler: s.apiRectificationAct, Doc: &web.APIDoc{Summary: "Act on a rectification: respond (the party), verify or reinspect_fail (the inspector), supervise, cancel",
				Tag: "property", Request: ActionRequest{}, Response: Rectification{}, Errors: actErrors}},
	}
}

// ActionRequest is a command on a case: the action, the version read and
// the action's inputs.
type ActionRequest struct {
	Action  string `json:"action"`
	Version int    `json:"version" doc:"the case's version as read (optimistic concurrency)"`
	casework.Input
}

// CampaignDetail is a campaign with its results.
type CampaignDetail struct {
	Campaign    Campaign     `json:"campaign"`
	Inspections []Inspection `json:"inspections"`
}

// caseFail answers an API request for an error of the module or the engine.
func caseFail(w http.ResponseWriter, r *http.Request, err error) {
	if casework.Problem(r, err) != nil {
		casework.Fail(w, r, err)
		return
	}
	fail(w, r, err)
}

// formFail answers a form post: not found and forbidden as pages; other
// refusals and field errors back on the page as a flash.
func formFail(w http.ResponseWriter, r *http.Request, back string, err error) {
	l := web.LangOf(r)
	var se *casework.StateError
	var ce *casework.ConflictError
	switch {
	case web.IsNotFound(err), errors.Is(err, casework.ErrForbidden):
		casework.PageFail(w, r, err)
	case errors.As(err, &se):
		redirect(w, r, back, pick(l, se.Zh, se.En))
	case errors.As(err, &ce):
		redirect(w, r, back, web.T(l, "casework.conflict", ce.Current.Version))
	default:
		if _, ok := web.AsFieldErrors(err); ok || isConflict(err) || isForbidden(err) {
			redirect(w, r, back, message(l, err))
			return
		}
		pageFail(w, r, err)
	}
}

func (s *Service) apiFigures(w http.ResponseWriter, r *http.Request) {
	f, err := s.Figures(r.Context(), principal(r))
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, f)
}

func (s *Service) apiCampaigns(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Campaigns(r.Context(), principal(r))
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, cs)
}

func (s *Service) apiCampaignCreate(w http.ResponseWriter, r *http.Request) {
	var in CampaignInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	c, err := s.CreateCampaign(r.Context(), in)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, c)
}

func (s *Service) campaignDetail(r *http.Request, id int64) (CampaignDetail, error) {
	p := principal(r)
	c, err := s.Campaign(r.Context(), p, id)
	if err != nil {
		return CampaignDetail{}, err
	}
	ins, err := s.Inspections(r.Context(), p, id)
	return CampaignDetail{Campaign: c, Inspections: ins}, err
}

func (s *Service) apiCampaign(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	d, err := s.campaignDetail(r, id)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}

func (s *Service) apiResult(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	if _, err := s.Campaign(r.Context(), principal(r), id); err != nil {
		fail(w, r, err)
		return
	}
	var in ResultInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	ins, err := s.RecordResult(r.Context(), id, in, nil)
	if err != nil {
		caseFail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, ins)
}

func (s *Service) apiRectification(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	rc, _, err := s.Rectification(r.Context(), id)
	if err != nil {
		caseFail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rc)
}

func (s *Service) apiRectificationAct(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	if _, _, err := s.Rectification(r.Context(), id); err != nil {
		caseFail(w, r, err)
		return
	}
	var in ActionRequest
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	rc, err := s.ActOnRectification(r.Context(), id, in.Version, in.Action, in.Input)
	if err != nil {
		caseFail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rc)
}

// Pages.

type campaignsData struct {
	Campaigns []Campaign
	Figures   Problems
	CanCreate bool
	Units     []org.Unit
}

func (s *Service) campaignsPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	cs, err := s.Campaigns(r.Context(), p)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	d := campaignsData{Campaigns: cs, CanCreate: auth.Can(p, auth.ActEditRecords)}
	if d.Figures, err = s.Problems(r.Context(), p, 0); err != nil {
		pageFail(w, r, err)
		return
	}
	if u, err := s.Org.Get(r.Context(), p, p.OrgUnitID); err == nil {
		d.Units = []org.Unit{u}
	}
	render(w, r, http.StatusOK, "campaigns", "property.campaigns.title", d, nil)
}

func (s *Service) campaignPost(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	if f == nil {
		_ = r.ParseForm()
		f = r.PostForm
	}
	unit := formInt(f.Get("unit_id"))
	if unit == 0 {
		unit = principal(r).OrgUnitID
	}
	c, err := s.CreateCampaign(r.Context(), CampaignInput{Name: f.Get("name"), PeriodStart: f.Get("period_start"),
		PeriodEnd: f.Get("period_end"), UnitID: unit, Areas: f["areas"]})
	if err != nil {
		formFail(w, r, "/property/campaigns", err)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/campaigns/%d", c.ID), web.T(web.LangOf(r), "property.action.create"))
}

type campaignData struct {
	CampaignDetail
	Items     []ChecklistItem
	Compounds []Compound
	CanRecord bool
}

func (s *Service) campaignPage(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	d, err := s.campaignDetail(r, id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	p := principal(r)
	data := campaignData{CampaignDetail: d, CanRecord: auth.Can(p, auth.ActHandleCase)}
	items, err := s.Checklist(r.Context())
	if err != nil {
		pageFail(w, r, err)
		return
	}
	for _, it := range items {
		if it.Active && contains(d.Campaign.Areas, it.Area) {
			data.Items = append(data.Items, it)
		}
	}
	cs, _, err := s.Compounds(r.Context(), p, CompoundFilter{Limit: 500})
	if err != nil {
		pageFail(w, r, err)
		return
	}
	for _, c := range cs {
		if len(c.OrgPath) >= len(d.Campaign.OrgPath) && c.OrgPath[:len(d.Campaign.OrgPath)] == d.Campaign.OrgPath {
			data.Compounds = append(data.Compounds, c)
		}
	}
	v := web.NewView(r, "property", data)
	v.Title = d.Campaign.Name
	v.Errors = map[string]string{}
	pages.Render(w, r, http.StatusOK, "campaign", v)
}

// photosFromRequest reads the photos of a multipart form.
func photosFromRequest(r *http.Request) ([]Photo, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []Photo
	for _, fh := range r.MultipartForm.File["photos"] {
		if fh.Size == 0 {
			continue
		}
		if len(out) == maxPhotos {
			return nil, ferr("photos", "too_many", fmt.Sprintf("最多 %d 张照片", maxPhotos), fmt.Sprintf("at most %d photos", maxPhotos))
		}
		if fh.Size > maxPhotoBytes {
			return nil, ferr("photos", "too_large", "每张照片不超过 5 MB", "each photo at most 5 MB")
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, maxPhotoBytes+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		if _, err := casework.SniffAttachment(data); err != nil {
			return nil, ferr("photos", "type", "照片须为 JPEG 或 PNG 图片", "photos must be JPEG or PNG images")
		}
		out = append(out, Photo{Name: fh.Filename, Data: data})
	}
	return out, nil
}

func (s *Service) resultPost(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	back := fmt.Sprintf("/property/campaigns/%d", id)
	if _, err := s.Campaign(r.Context(), principal(r), id); err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if err := r.ParseForm(); err != nil {
			pageFail(w, r, err)
			return
		}
	}
	photos, err := photosFromRequest(r)
	if err != nil {
		formFail(w, r, back, err)
		return
	}
	f := r.Form
	ins, err := s.RecordResult(r.Context(), id, ResultInput{CompoundID: formInt(f.Get("compound_id")), ItemID: formInt(f.Get("item_id")),
		Passed: f.Get("result") == "pass", Note: f.Get("note"), Party: f.Get("party"), PartyName: f.Get("party_name")}, photos)
	if err != nil {
		formFail(w, r, back, err)
		return
	}
	if ins.CaseID != 0 {
		redirect(w, r, fmt.Sprintf("/property/rectifications/%d", ins.CaseID), web.T(web.LangOf(r), "property.rect.opened", ins.CaseNumber))
		return
	}
	redirect(w, r, back, web.T(web.LangOf(r), "property.rect.recorded"))
}

// rectPage is a rectification case as its page shows it; Failed names the
// action whose form the errors belong to.
type rectPage struct {
	Rectification
	Failed     string
	Supervised bool
}

func (s *Service) rectificationPage(w http.ResponseWriter, r *http.Request) {
	s.renderRectification(w, r, pathInt(r, "id"), http.StatusOK, "", nil)
}

func (s *Service) renderRectification(w http.ResponseWriter, r *http.Request, id int64, status int, failed string, errs map[string]string) {
	rc, _, err := s.Rectification(r.Context(), id)
	if err != nil {
		casework.PageFail(w, r, err)
		return
	}
	v := web.NewView(r, "property", rectPage{Rectification: rc, Failed: failed, Supervised: rc.Case.Flags.Has(casework.FlagSupervised)})
	v.Title = rc.Case.Number
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, "rectification", v)
}

func (s *Service) rectificationAct(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	if _, _, err := s.Rectification(r.Context(), id); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	back := fmt.Sprintf("/property/rectifications/%d", id)
	f := r.PostForm
	if f == nil {
		_ = r.ParseForm()
		f = r.PostForm
	}
	version, _ := strconv.Atoi(f.Get("version"))
	action := f.Get("action")
	_, err := s.ActOnRectification(r.Context(), id, version, action, casework.Input{Text: f.Get("text"), Reason: f.Get("reason")})
	if err != nil {
		// Field errors go beside the field of the form that was sent.
		if m, ok := fieldMessages(web.LangOf(r), err); ok {
			s.renderRectification(w, r, id, http.StatusUnprocessableEntity, action, m)
			return
		}
		formFail(w, r, back, err)
		return
	}
	l := web.LangOf(r)
	redirect(w, r, back, web.T(l, "property.rect.done_action", web.T(l, "property.rect.act."+action)))
}

// portalRespond: a company account answers one of its orders.
func (s *Service) portalRespond(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	if f == nil {
		_ = r.ParseForm()
		f = r.PostForm
	}
	id := formInt(f.Get("case_id"))
	version, _ := strconv.Atoi(f.Get("version"))
	_, err := s.ActOnRectification(r.Context(), id, version, "respond", casework.Input{Text: f.Get("text")})
	if err != nil {
		formFail(w, r, "/property/my", err)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/my#order-%d", id), web.T(web.LangOf(r), "property.rect.responded"))
}
