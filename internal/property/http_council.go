package property

import (
	"fmt"
	"net/http"
	"strconv"

	"anju/internal/casework"
	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func (s *Service) councilRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /property/council", Access: viewGate, Handler: s.councilPage},
		{Pattern: "POST /property/council/meetings", Access: editGate, Handler: s.meetingPost},
		{Pattern: "GET /property/council/meetings/{id}", Access: viewGate, Resource: "property_meeting", Handler: s.meetingPage},
		{Pattern: "POST /property/council/meetings/{id}/resolutions", Access: editGate, Resource: "property_meeting", Handler: s.resolutionPost},
		{Pattern: "POST /property/council/disputes", Access: editGate, Handler: s.disputePost},
		{Pattern: "POST /property/council/mediations/{id}/act", Access: handleGate, Resource: "property_mediation", Handler: s.mediationAct},

		{Pattern: "GET /api/v1/property/council/meetings", Access: viewGate, Handler: s.apiMeetings, Doc: &web.APIDoc{
			Summary: "Four-party council meetings in the caller's jurisdiction, newest first", Tag: "property", Response: []Meeting{}}},
		{Pattern: "POST /api/v1/property/council/meetings", Access: editGate, Handler: s.apiMeetingCreate, Doc: &web.APIDoc{
			Summary: "Record a council meeting: agenda, attendance of each party, minutes, resolutions with owners and deadlines",
			Tag:     "property", Request: MeetingInput{}, Response: Meeting{}, Status: http.StatusCreated, Errors: []int{403, 422}}},
		{Pattern: "GET /api/v1/property/council/meetings/{id}", Access: viewGate, Resource: "property_meeting", Handler: s.apiMeeting,
			Doc: &web.APIDoc{Summary: "A council meeting with its resolutions", Tag: "property", Response: Meeting{}, Errors: []int{404}}},
		{Pattern: "POST /api/v1/property/council/meetings/{id}/resolutions/done", Access: editGate, Resource: "property_meeting",
			Handler: s.apiResolutionDone, Doc: &web.APIDoc{Summary: "Mark a resolution of the meeting done (follow-up)", Tag: "property",
				Request: ResolutionDone{}, Response: Meeting{}, Errors: []int{403, 404, 409}}},
		{Pattern: "POST /api/v1/property/council/disputes", Access: editGate, Handler: s.apiDispute, Doc: &web.APIDoc{
			Summary: "Bring a dispute to a compound's council: opens a mediation case", Tag: "property", Request: DisputeInput{},
			Response: casework.Case{}, Status: http.StatusCreated, Errors: []int{403, 422}}},
		{Pattern: "GET /api/v1/property/council/mediations/{id}", Access: viewGate, Resource: "property_mediation", Handler: s.apiMediation,
			Doc: &web.APIDoc{Summary: "A mediation case", Tag: "property", Response: casework.Case{}, Errors: []int{404}}},
		{Pattern: "POST /api/v1/property/council/mediations/{id}/actions", Access: handleGate, Resource: "property_mediation",
			Handler: s.apiMediationAct, Doc: &web.APIDoc{
				Summary:     "Settle a mediation at a level (settle_building, settle_community, settle_street, settle_above) or close it unsettled",
				Description: "The level settled at feeds the shares settled within the building and within the community (小事不出楼栋，矛盾不出社区).",
				Tag:         "property", Request: ActionRequest{}, Response: casework.Case{}, Errors: []int{403, 404, 409, 422}}},
	}
}

func (s *Service) apiMeetings(w http.ResponseWriter, r *http.Request) {
	ms, err := s.Meetings(r.Context(), principal(r), 200)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ms)
}

func (s *Service) apiMeetingCreate(w http.ResponseWriter, r *http.Request) {
	var in MeetingInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	m, err := s.RecordMeeting(r.Context(), in)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, m)
}

func (s *Service) apiMeeting(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	m, err := s.Meeting(r.Context(), principal(r), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, m)
}

func (s *Service) apiDispute(w http.ResponseWriter, r *http.Request) {
	var in DisputeInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	c, err := s.BringDispute(r.Context(), in)
	if err != nil {
		caseFail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, c)
}

func (s *Service) apiMediation(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	c, _, err := s.Mediation(r.Context(), id)
	if err != nil {
		caseFail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

func (s *Service) apiMediationAct(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	if _, _, err := s.Mediation(r.Context(), id); err != nil {
		caseFail(w, r, err)
		return
	}
	var in ActionRequest
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	c, err := s.ActOnMediation(r.Context(), id, in.Version, in.Action, in.Input)
	if err != nil {
		caseFail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

// Pages.

type mediationRow struct {
	Case    casework.Case
	Allowed []string
}

type councilData struct {
	Settlement Settlement
	Meetings   []Meeting
	Mediations []mediationRow
	Compounds  []Compound
	Levels     []string
	CanEdit    bool
}

func (s *Service) councilPage(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principal(r)
	d := councilData{Levels: SettleLevels, CanEdit: auth.Can(p, auth.ActEditRecords)}
	var err error
	if d.Settlement, err = s.Settlements(ctx, p); err != nil {
		pageFail(w, r, err)
		return
	}
	if d.Meetings, err = s.Meetings(ctx, p, 100); err != nil {
		pageFail(w, r, err)
		return
	}
	ms, err := s.Mediations(ctx, p, 100)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	for i := range ms {
		d.Mediations = append(d.Mediations, mediationRow{Case: ms[i], Allowed: s.Cases.AllowedNames(ctx, &ms[i])})
	}
	if d.Compounds, _, err = s.Compounds(ctx, p, CompoundFilter{Limit: 500}); err != nil {
		pageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "council", "property.council.title", d, nil)
}

func (s *Service) meetingPost(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	in := MeetingInput{CompoundID: formInt(f.Get("compound_id")), HeldOn: f.Get("held_on"), Agenda: f.Get("agenda"),
		Minutes: f.Get("minutes"), Attendance: Attendance{Party: formBool(f.Get("attend_party")),
			Residents: formBool(f.Get("attend_residents")), Committee: formBool(f.Get("attend_committee")),
			Company: formBool(f.Get("attend_company"))}}
	for i := range 3 {
		k := strconv.Itoa(i)
		in.Resolutions = append(in.Resolutions, ResolutionInput{Text: f.Get("res_text_" + k), Owner: f.Get("res_owner_" + k),
			DueOn: f.Get("res_due_" + k)})
	}
	m, err := s.RecordMeeting(r.Context(), in)
	if err != nil {
		formFail(w, r, "/property/council", err)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/council/meetings/%d", m.ID), web.T(web.LangOf(r), "property.action.create"))
}

func (s *Service) meetingPage(w http.ResponseWriter, r *http.Request) {
	m, err := s.Meeting(r.Context(), principal(r), pathInt(r, "id"))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	v := web.NewView(r, "property", map[string]any{"M": m, "CanEdit": auth.Can(principal(r), auth.ActEditRecords)})
	v.Title = v.T("property.council.meeting") + " " + m.HeldOn.String()
	v.Errors = map[string]string{}
	pages.Render(w, r, http.StatusOK, "meeting", v)
}

func (s *Service) disputePost(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	_, err := s.BringDispute(r.Context(), DisputeInput{CompoundID: formInt(f.Get("compound_id")), Title: f.Get("title"),
		Body: f.Get("body"), PartyName: f.Get("party_name"), MeetingID: formInt(f.Get("meeting_id"))})
	if err != nil {
		formFail(w, r, "/property/council", err)
		return
	}
	redirect(w, r, "/property/council#mediations", web.T(web.LangOf(r), "property.action.create"))
}

func (s *Service) mediationAct(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	if _, _, err := s.Mediation(r.Context(), id); err != nil {
		casework.PageFail(w, r, err)
		return
	}
	_ = r.ParseForm()
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	_, err := s.ActOnMediation(r.Context(), id, version, f.Get("action"), casework.Input{Text: f.Get("text"), Reason: f.Get("text")})
	if err != nil {
		formFail(w, r, "/property/council#mediations", err)
		return
	}
	redirect(w, r, "/property/council#mediations", web.T(web.LangOf(r), "property.rect.done"))
}

// ResolutionDone names the resolution to mark done.
type ResolutionDone struct {
	ResolutionID int64 `json:"resolution_id"`
}

func (s *Service) apiResolutionDone(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(w, r)
	if !ok {
		return
	}
	if _, err := s.Meeting(r.Context(), principal(r), id); err != nil {
		fail(w, r, err)
		return
	}
	var in ResolutionDone
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	m, err := s.ResolveResolution(r.Context(), id, in.ResolutionID)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, m)
}

func (s *Service) resolutionPost(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	if _, err := s.Meeting(r.Context(), principal(r), id); err != nil {
		pageFail(w, r, err)
		return
	}
	_ = r.ParseForm()
	back := fmt.Sprintf("/property/council/meetings/%d", id)
	if _, err := s.ResolveResolution(r.Context(), id, formInt(r.PostForm.Get("resolution_id"))); err != nil {
		formFail(w, r, back, err)
		return
	}
	redirect(w, r, back, web.T(web.LangOf(r), "property.rect.done"))
}
