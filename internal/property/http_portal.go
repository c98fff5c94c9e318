package property

import (
	"context"
	"net/http"
	"net/url"

	"anju/internal/platform/auth"
	"anju/internal/platform/web"
)

func (s *Service) portalRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /property/my", Access: company, Handler: s.portalPage},
		{Pattern: "GET /property/my/credit", Access: company, Handler: s.portalCredit},
		{Pattern: "POST /property/my/objections", Access: company, Handler: s.portalObject, MaxBody: maxEvidenceFiles*maxEvidenceBytes + 1<<20},
		{Pattern: "GET /api/v1/property/my", Access: company, Handler: s.apiPortal, Doc: &web.APIDoc{
			Summary: "The caller's company: its compounds, rectification orders, scores, facts and objections (company accounts)",
			Tag:     "property", Response: Portal{}}},
		{Pattern: "POST /api/v1/property/my/objections", Access: company, Handler: s.apiObject, Doc: &web.APIDoc{
			Summary:     "File an objection (异议) to a fact about the caller's company",
			Description: "The fact is marked disputed until the objection is answered, within the working days the published rules set.",
			Tag:         "property", Request: ObjectionInput{}, Response: Objection{}, Status: http.StatusCreated, Errors: []int{404, 409, 422}}},
	}
}

// Portal is what a company account sees of its own company, and only that.
type Portal struct {
	Company    Company         `json:"company"`
	Compounds  []Compound      `json:"compounds"`
	Orders     []Order         `json:"orders" doc:"rectification orders (from the inspect–rectify campaigns)"`
	Results    []CompanyResult `json:"results" doc:"published results, newest first"`
	Facts      []Fact          `json:"facts" doc:"verified facts about the company, newest first"`
	Objections []Objection     `json:"objections"`
}

// portal gathers the caller's company's data; a company account not linked
// to a company is refused.
func (s *Service) portal(ctx context.Context, full bool) (Portal, error) {
	p := auth.FromContext(ctx)
	own, err := s.companyOf(ctx, p)
	if err != nil {
		return Portal{}, err
	}
	if err := rule(p, cmdViewCompanyOwner, target{OwnCompany: own}); err != nil {
		return Portal{}, err
	}
	sys := auth.System("property")
	out := Portal{Compounds: []Compound{}, Orders: []Order{}, Results: []CompanyResult{}, Facts: []Fact{}, Objections: []Objection{}}
	if out.Company, err = s.Company(ctx, sys, own); err != nil {
		return out, err
	}
	if cs, _, err := s.Compounds(ctx, sys, CompoundFilter{CompanyID: own, Limit: 500}); err != nil {
		return out, err
	} else if cs != nil {
		out.Compounds = cs
	}
	if s.Orders != nil {
		if os, err := s.Orders.CompanyOrders(ctx, own, 100); err != nil {
			return out, err
		} else if os != nil {
			out.Orders = os
		}
	}
	if rs, err := s.companyResults(ctx, own, true, 12); err != nil {
		return out, err
	} else if rs != nil {
		out.Results = rs
	}
	if !full {
		return out, nil
	}
	if fs, _, err := s.CompanyFacts(ctx, own, FactFilter{State: factVerified, Limit: 200}); err != nil {
		return out, err
	} else if fs != nil {
		out.Facts = fs
	}
	if os, _, err := s.CompanyObjections(ctx, own, ObjectionFilter{Limit: 100}); err != nil {
		return out, err
	} else if os != nil {
		out.Objections = os
	}
	return out, nil
}

func (s *Service) portalPage(w http.ResponseWriter, r *http.Request) {
	pt, err := s.portal(r.Context(), true)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	v := web.NewView(r, "property", map[string]any{"Portal": pt, "OrdersReady": s.Orders != nil})
	v.Title = pt.Company.Name
	pages.Render(w, r, http.StatusOK, "portal", v)
}

type portalCreditData struct {
	Portal
	Open    map[int64]bool // facts with an open objection
	Form    url.Values
	FactID  int64
	Current *CompanyResult
}

func (s *Service) showPortalCredit(w http.ResponseWriter, r *http.Request, status int, form url.Values, errs map[string]string) {
	pt, err := s.portal(r.Context(), true)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	d := portalCreditData{Portal: pt, Open: map[int64]bool{}, Form: form}
	for _, o := range pt.Objections {
		if o.Status == objOpen {
			d.Open[o.Fact.ID] = true
		}
	}
	if d.Form == nil {
		d.Form = url.Values{}
	}
	d.FactID = formInt(d.Form.Get("fact_id"))
	if len(pt.Results) > 0 {
		d.Current = &pt.Results[0]
	}
	v := web.NewView(r, "property", d)
	v.Title = v.T("property.portal.credit")
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, "portal_credit", v)
}

func (s *Service) portalCredit(w http.ResponseWriter, r *http.Request) {
	s.showPortalCredit(w, r, http.StatusOK, nil, nil)
}

func (s *Service) portalObject(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if err := r.ParseForm(); err != nil {
			pageFail(w, r, err)
			return
		}
	}
	files, err := evidenceFromRequest(r)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	f := r.Form
	_, err = s.FileObjection(r.Context(), ObjectionInput{FactID: formInt(f.Get("fact_id")), Reason: f.Get("reason"), Evidence: f.Get("evidence")}, files)
	if err != nil {
		l := web.LangOf(r)
		errs, ok := formErrors(l, err)
		if !ok {
			if !isForbidden(err) && !isConflict(err) && !web.IsNotFound(err) {
				pageFail(w, r, err)
				return
			}
			errs = map[string]string{"_": message(l, err)}
		}
		s.showPortalCredit(w, r, http.StatusUnprocessableEntity, f, errs)
		return
	}
	redirect(w, r, "/property/my/credit#objections", web.T(web.LangOf(r), "property.portal.filed"))
}

func (s *Service) apiPortal(w http.ResponseWriter, r *http.Request) {
	pt, err := s.portal(r.Context(), true)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, pt)
}

func (s *Service) apiObject(w http.ResponseWriter, r *http.Request) {
	var in ObjectionInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	o, err := s.FileObjection(r.Context(), in, nil)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, o)
}
