package property

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"anju/internal/platform/web"
)

func (s *Service) objectionRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /property/objections", Access: viewGate, Handler: s.objectionsPage},
		{Pattern: "GET /property/objections.xlsx", Access: exportGate, Handler: s.objectionsExport},
		{Pattern: "GET /property/objections/{id}", Access: viewGate, Resource: "property_objection", Handler: s.objectionPage},
		{Pattern: "POST /property/objections/{id}/answer", Access: handleGate, Resource: "property_objection", Handler: s.objectionAnswer},
		{Pattern: "GET /property/objections/{id}/evidence", Access: viewGate, Resource: "property_objection", Handler: s.objectionFile},
		{Pattern: "GET /api/v1/property/objections", Access: viewGate, Handler: s.apiObjections, Doc: &web.APIDoc{
			Summary: "Objections (异议) to facts in the caller's jurisdiction, open ones first by due day", Tag: "property",
			Query: []web.Param{{Name: "status", Description: "open, upheld, rejected or overdue"},
				{Name: "page", Type: "integer"}, {Name: "size", Type: "integer"}},
			Response: web.ListResponse[Objection]{}}},
		{Pattern: "POST /api/v1/property/objections/{id}/answer", Access: handleGate, Resource: "property_objection",
			Handler: s.apiAnswerObjection, Doc: &web.APIDoc{
				Summary: "Answer an objection: upheld voids the fact and amends the company's results; rejected leaves it",
				Tag:     "property", Request: AnswerInput{}, Response: Objection{}, Errors: []int{409, 422}}},
	}
}

// AnswerInput answers an objection.
type AnswerInput struct {
	Decision string `json:"decision" doc:"upheld or rejected"`
	Answer   string `json:"answer"`
}

type objectionsData struct {
	Status             string
	Rows               []Objection
	Page, Pages, Total int
}

func (s *Service) objectionsPage(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	st := r.URL.Query().Get("status")
	rows, total, err := s.Objections(r.Context(), principal(r), ObjectionFilter{Status: st, Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		pageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "objections", "property.objections.title",
		objectionsData{Status: st, Rows: rows, Page: pg.Page, Pages: pg.Pages(total), Total: total}, nil)
}

type objectionData struct {
	Objection
	CanAnswer bool
	Form      url.Values
}

func (s *Service) showObjection(w http.ResponseWriter, r *http.Request, status int, o Objection, form url.Values, errs map[string]string) {
	if form == nil {
		form = url.Values{}
	}
	d := objectionData{Objection: o, Form: form,
		CanAnswer: rule(principal(r), cmdAnswerObjection, target{Path: o.OrgPath, State: o.Status}) == nil}
	v := web.NewView(r, "property", d)
	v.Title = v.T("property.objections.one", o.ID)
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, "objection", v)
}

func (s *Service) objectionPage(w http.ResponseWriter, r *http.Request) {
	o, err := s.Objection(r.Context(), principal(r), pathInt(r, "id"))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	s.showObjection(w, r, http.StatusOK, o, nil, nil)
}

func (s *Service) objectionAnswer(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	o, err := s.Objection(r.Context(), principal(r), id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	if _, err := s.AnswerObjection(r.Context(), id, r.PostForm.Get("decision"), r.PostForm.Get("answer")); err != nil {
		l := web.LangOf(r)
		errs, ok := formErrors(l, err)
		if !ok {
			if !isForbidden(err) && !isConflict(err) {
				pageFail(w, r, err)
				return
			}
			errs = map[string]string{"_": message(l, err)}
		}
		s.showObjection(w, r, http.StatusUnprocessableEntity, o, r.PostForm, errs)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/objections/%d", id), web.T(web.LangOf(r), "property.objections.answered"))
}

func (s *Service) objectionFile(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	if _, err := s.Objection(r.Context(), principal(r), id); err != nil {
		pageFail(w, r, err)
		return
	}
	fid := formInt(r.URL.Query().Get("file"))
	if fid == 0 {
		http.Redirect(w, r, fmt.Sprintf("/property/objections/%d#evidence", id), http.StatusSeeOther)
		return
	}
	f, err := s.evidenceFile(r.Context(), id, fid)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}

func (s *Service) apiObjections(w http.ResponseWriter, r *http.Request) {
	pg := web.PagingOf(r)
	rows, total, err := s.Objections(r.Context(), principal(r), ObjectionFilter{Status: r.URL.Query().Get("status"), Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteList(w, pg, rows, total)
}

func (s *Service) apiAnswerObjection(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	if _, err := s.Objection(r.Context(), principal(r), id); err != nil {
		fail(w, r, err)
		return
	}
	var in AnswerInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	o, err := s.AnswerObjection(r.Context(), id, in.Decision, in.Answer)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, o)
}

var objectionCols = []sheetCol{
	{"id", "编号", "ID", 8, false}, {"company", "物业企业", "Company", 28, false}, {"fact", "异议事项", "Item", 24, false},
	{"filed", "提出时间", "Filed", 16, false}, {"due", "答复期限", "Due", 12, false}, {"status", "状态", "Status", 10, false},
	{"reason", "异议理由", "Reasons", 40, false}, {"answer", "答复", "Answer", 40, false}, {"answered", "答复时间", "Answered", 16, false},
}

// objectionsExport writes the filtered objection ledger.
func (s *Service) objectionsExport(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r)
	rows, _, err := s.Objections(r.Context(), principal(r), ObjectionFilter{Status: r.URL.Query().Get("status"), Limit: maxExportRows})
	if err != nil {
		pageFail(w, r, err)
		return
	}
	out := make([][]any, len(rows))
	for i, o := range rows {
		status := web.T(l, "property.obj."+o.Status)
		if o.Overdue {
			status = web.T(l, "property.obj.overdue")
		}
		answered := ""
		if o.AnsweredAt != nil {
			answered = o.AnsweredAt.In(web.Location).Format("2006-01-02 15:04")
		}
		out[i] = []any{o.ID, o.CompanyName, web.T(l, "property.factkind."+o.Fact.Kind) + " " + o.Fact.OccurredOn.String(),
			o.FiledAt.In(web.Location).Format("2006-01-02 15:04"), o.DueOn.String(), status, o.Reason, o.Answer, answered}
	}
	var buf bytes.Buffer
	if err := writeSheet(&buf, pick(l, "异议台账", "Objections"), objectionCols, l, out); err != nil {
		pageFail(w, r, err)
		return
	}
	if err := s.auditExport(r, "property.objection.export", "property_objection", len(out)); err != nil {
		pageFail(w, r, err)
		return
	}
	sendXLSX(w, w.Header(), "objections.xlsx", &buf)
}
