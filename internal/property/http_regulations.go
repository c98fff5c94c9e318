package property

import (
	"net/http"
	"net/url"

	"anju/internal/platform/web"
)

func (s *Service) regulationRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /property/regulations", Access: web.Public, Handler: s.regulationsPage},
		{Pattern: "GET /property/regulations/new", Access: editGate, Handler: s.newRegulationPage},
		{Pattern: "POST /property/regulations/new", Access: editGate, Handler: s.newRegulationPost},
		{Pattern: "GET /property/regulations/{code}", Access: web.Public, Handler: s.regulationPage},
		{Pattern: "POST /property/regulations/{id}/versions", Access: editGate, Resource: "property_regulation", Handler: s.versionPost},
		{Pattern: "GET /property/checklist", Access: viewGate, Handler: s.checklistPage},
		{Pattern: "POST /property/checklist", Access: editGate, Handler: s.checklistPost},
		{Pattern: "GET /api/v1/property/regulations", Access: web.Public, Handler: s.apiRegulations, Doc: &web.APIDoc{
			Summary: "The regulations library with the version of each document in force today (public)", Tag: "property",
			Query:    []web.Param{{Name: "q", Description: "part of the title, number or code"}, {Name: "kind", Description: "law, regulation, rule, measure, standard or notice"}},
			Response: []Regulation{}}},
		{Pattern: "GET /api/v1/property/regulations/{code}", Access: web.Public, Handler: s.apiRegulation, Doc: &web.APIDoc{
			Summary: "One document with all its versions and the checklist items citing it (public)", Tag: "property",
			Response: Regulation{}, Errors: []int{404}}},
	}
}

type regulationsData struct {
	Q, Kind string
	Rows    []Regulation
	Kinds   []string
}

func (s *Service) regulationsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rows, err := s.Regulations(r.Context(), q.Get("q"), q.Get("kind"), s.today())
	if err != nil {
		pageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "regulations", "property.regulations.title",
		regulationsData{Q: q.Get("q"), Kind: q.Get("kind"), Rows: rows, Kinds: RegulationKinds}, nil)
}

type regulationData struct {
	Regulation
	Today   string
	CanEdit bool
	Form    url.Values
}

func (s *Service) regulationPage(w http.ResponseWriter, r *http.Request) {
	reg, err := s.RegulationByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	s.showRegulation(w, r, http.StatusOK, reg, nil, nil)
}

func (s *Service) showRegulation(w http.ResponseWriter, r *http.Request, status int, reg Regulation, form url.Values, errs map[string]string) {
	p := principal(r)
	d := regulationData{Regulation: reg, Today: s.today().String(), Form: form,
		CanEdit: rule(p, cmdEditRegulation, target{Path: reg.OrgPath}) == nil}
	if form == nil {
		d.Form = url.Values{}
	}
	v := web.NewView(r, "property", d)
	v.Title = reg.Title
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, "regulation", v)
}

func (s *Service) newRegulationPage(w http.ResponseWriter, r *http.Request) {
	render(w, r, http.StatusOK, "regulation_new", "property.regulations.new",
		map[string]any{"Form": url.Values{"kind": {"measure"}}, "Kinds": RegulationKinds}, nil)
}

func (s *Service) newRegulationPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	f := r.PostForm
	reg, err := s.CreateRegulation(r.Context(), 0, RegulationInput{Code: f.Get("code"), Title: f.Get("title"), Issuer: f.Get("issuer"),
		DocNo: f.Get("doc_no"), Kind: f.Get("kind"), EffectiveFrom: f.Get("effective_from"), Summary: f.Get("summary"), Body: f.Get("body")})
	if err != nil {
		l := web.LangOf(r)
		errs, ok := formErrors(l, err)
		if !ok {
			if !isForbidden(err) {
				pageFail(w, r, err)
				return
			}
			errs = map[string]string{"_": message(l, err)}
		}
		render(w, r, http.StatusUnprocessableEntity, "regulation_new", "property.regulations.new",
			map[string]any{"Form": f, "Kinds": RegulationKinds}, errs)
		return
	}
	redirect(w, r, "/property/regulations/"+url.PathEscape(reg.Code), web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) versionPost(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	reg, err := s.regulationScoped(r.Context(), s.DB, principal(r), id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	f := r.PostForm
	if _, err := s.AddVersion(r.Context(), id, VersionInput{EffectiveFrom: f.Get("effective_from"), Summary: f.Get("summary"), Body: f.Get("body")}); err != nil {
		l := web.LangOf(r)
		errs, ok := formErrors(l, err)
		if !ok {
			if !isForbidden(err) {
				pageFail(w, r, err)
				return
			}
			errs = map[string]string{"_": message(l, err)}
		}
		s.showRegulation(w, r, http.StatusUnprocessableEntity, reg, f, errs)
		return
	}
	redirect(w, r, "/property/regulations/"+url.PathEscape(reg.Code), web.T(web.LangOf(r), "common.saved"))
}

type checklistData struct {
	Items   []ChecklistItem
	Areas   []string
	CanEdit bool
	Form    url.Values
	Regs    []Regulation
}

func (s *Service) showChecklist(w http.ResponseWriter, r *http.Request, status int, form url.Values, errs map[string]string) {
	items, err := s.Checklist(r.Context())
	if err != nil {
		pageFail(w, r, err)
		return
	}
	regs, err := s.Regulations(r.Context(), "", "", s.today())
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if form == nil {
		form = url.Values{}
	}
	render(w, r, status, "checklist", "property.checklist.title", checklistData{Items: items, Areas: ChecklistAreas,
		CanEdit: rule(principal(r), cmdEditChecklist, target{}) == nil, Form: form, Regs: regs}, errs)
}

func (s *Service) checklistPage(w http.ResponseWriter, r *http.Request) {
	s.showChecklist(w, r, http.StatusOK, nil, nil)
}

func (s *Service) checklistPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	f := r.PostForm
	_, err := s.AddChecklistItem(r.Context(), ChecklistInput{Code: f.Get("code"), Area: f.Get("area"), Title: f.Get("title"),
		RegulationCode: f.Get("regulation_code"), Article: f.Get("article")})
	if err != nil {
		l := web.LangOf(r)
		errs, ok := formErrors(l, err)
		if !ok {
			if !isForbidden(err) {
				pageFail(w, r, err)
				return
			}
			errs = map[string]string{"_": message(l, err)}
		}
		s.showChecklist(w, r, http.StatusUnprocessableEntity, f, errs)
		return
	}
	redirect(w, r, "/property/checklist", web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) apiRegulations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rows, err := s.Regulations(r.Context(), q.Get("q"), q.Get("kind"), s.today())
	if err != nil {
		fail(w, r, err)
		return
	}
	if rows == nil {
		rows = []Regulation{}
	}
	web.WriteJSON(w, http.StatusOK, rows)
}

func (s *Service) apiRegulation(w http.ResponseWriter, r *http.Request) {
	reg, err := s.RegulationByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, reg)
}
