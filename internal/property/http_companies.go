package property

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"anju/internal/platform/org"
	"anju/internal/platform/web"
)

func (s *Service) companyRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /property/companies", Access: viewGate, Handler: s.companiesPage},
		{Pattern: "GET /property/companies.xlsx", Access: exportGate, Handler: s.companiesExport},
		{Pattern: "GET /property/companies/new", Access: editGate, Handler: s.newCompanyPage},
		{Pattern: "POST /property/companies/new", Access: editGate, Handler: s.newCompanyPost},
		{Pattern: "GET /property/companies/import", Access: editGate, Handler: s.importPage("companies")},
		{Pattern: "POST /property/companies/import", Access: editGate, Handler: s.importPost("companies"), MaxBody: maxSheetBytes},
		{Pattern: "GET /property/companies/{id}", Access: viewGate, Resource: "property_company", Handler: s.companyPage},
		{Pattern: "POST /property/companies/{id}", Access: editGate, Resource: "property_company", Handler: s.companyPost},
		{Pattern: "POST /property/companies/{id}/accounts", Access: editGate, Resource: "property_company", Handler: s.accountLink},
		{Pattern: "POST /property/companies/{id}/accounts/remove", Access: editGate, Resource: "property_company", Handler: s.accountUnlink},

		{Pattern: "GET /api/v1/property/companies", Access: viewGate, Handler: s.apiCompanies, Doc: &web.APIDoc{
			Summary: "Property companies filed in, or serving compounds in, the caller's jurisdiction", Tag: "property",
			Query: []web.Param{{Name: "q", Description: "part of the name or credit code"}, {Name: "status", Description: "active or deregistered"},
				{Name: "page", Type: "integer"}, {Name: "size", Type: "integer"}},
			Response: web.ListResponse[Company]{}}},
		{Pattern: "POST /api/v1/property/companies", Access: editGate, Handler: s.apiCreateCompany, Doc: &web.APIDoc{
			Summary: "File a property company (credit code checked by its check character)", Tag: "property",
			Request: CompanyInput{}, Response: Company{}, Status: http.StatusCreated, Errors: []int{422}}},
		{Pattern: "GET /api/v1/property/companies/{id}", Access: viewGate, Resource: "property_company", Handler: s.apiCompany,
			Doc: &web.APIDoc{Summary: "One property company with its change history", Tag: "property", Response: CompanyDetail{}}},
		{Pattern: "PUT /api/v1/property/companies/{id}", Access: editGate, Resource: "property_company", Handler: s.apiUpdateCompany,
			Doc: &web.APIDoc{Summary: "Change a company filed in the caller's jurisdiction", Tag: "property",
				Query:   []web.Param{{Name: "version", Type: "integer", Description: "the version read; a newer one answers 409"}},
				Request: CompanyInput{}, Response: Company{}, Errors: []int{409, 422}}},
	}
}

func parseCompanyFilter(q url.Values) CompanyFilter {
	return CompanyFilter{Q: q.Get("q"), Status: q.Get("status"), Party: q.Get("party")}
}

type companiesData struct {
	Filter             CompanyFilter
	Rows               []Company
	Page, Pages, Total int
	ExportURL          string
}

func (s *Service) companiesPage(w http.ResponseWriter, r *http.Request) {
	f := parseCompanyFilter(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := s.Companies(r.Context(), principal(r), f)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "companies", "property.companies.title", companiesData{Filter: f, Rows: rows, Page: pg.Page,
		Pages: pg.Pages(total), Total: total, ExportURL: exportQuery("/property/companies.xlsx", r.URL.Query())}, nil)
}

func (s *Service) companiesExport(w http.ResponseWriter, r *http.Request) {
	bw := &bufferedWriter{}
	if _, err := s.ExportCompanies(r.Context(), bw, web.LangOf(r), parseCompanyFilter(r.URL.Query())); err != nil {
		pageFail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="companies-%s.xlsx"`, s.now().In(web.Location).Format("20060102-1504")))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(bw.b)
}

// CompanyDetail is a company with its accounts and history.
type CompanyDetail struct {
	Company
	Accounts []CompanyAccount `json:"accounts"`
	History  []HistoryEntry   `json:"history"`
}

type companyData struct {
	CompanyDetail
	New     bool
	Form    url.Values
	Units   []org.Unit
	CanEdit bool
	Quals   []string
	Credit  []CompanyResult
}

// filingUnits are the units a company may be filed with in p's scope.
func (s *Service) filingUnits(r *http.Request) ([]org.Unit, error) {
	p := principal(r)
	var out []org.Unit
	for _, k := range []org.Kind{org.City, org.District, org.Zone, org.Street} {
		us, _, err := s.Org.List(r.Context(), p, org.Filter{Kind: k, Limit: org.MaxListLimit})
		if err != nil {
			return nil, err
		}
		out = append(out, us...)
	}
	return out, nil
}

func companyForm(c Company) url.Values {
	f := url.Values{"name": {c.Name}, "credit_code": {c.CreditCode}, "legal_rep": {c.LegalRep}, "address": {c.Address},
		"phone": {c.Phone}, "qualification": {c.Qualification}, "org_unit_id": {strconv.FormatInt(c.OrgUnitID, 10)},
		"status": {c.Status}, "version": {strconv.Itoa(c.Version)}}
	if c.PartyOrg {
		f.Set("party_org", "on")
	}
	return f
}

func companyInputOf(f url.Values) CompanyInput {
	return CompanyInput{Name: f.Get("name"), CreditCode: f.Get("credit_code"), LegalRep: f.Get("legal_rep"),
		Address: f.Get("address"), Phone: f.Get("phone"), Qualification: f.Get("qualification"),
		PartyOrg: formBool(f.Get("party_org")), OrgUnitID: formInt(f.Get("org_unit_id")), Status: f.Get("status")}
}

func (s *Service) showCompany(w http.ResponseWriter, r *http.Request, status int, d companyData, errs map[string]string) {
	units, err := s.filingUnits(r)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	d.Units, d.Quals = units, Qualifications
	v := web.NewView(r, "property", d)
	v.Title = d.Name
	if d.New {
		v.Title = v.T("property.companies.new")
	}
	if errs == nil {
		errs = map[string]string{}
	}
	v.Errors = errs
	pages.Render(w, r, status, "company", v)
}

func (s *Service) newCompanyPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	s.showCompany(w, r, http.StatusOK, companyData{New: true, CanEdit: true,
		Form: url.Values{"org_unit_id": {strconv.FormatInt(p.OrgUnitID, 10)}, "qualification": {"none"}, "status": {companyActive}}}, nil)
}

func (s *Service) newCompanyPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	c, err := s.CreateCompany(r.Context(), companyInputOf(r.PostForm))
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
		s.showCompany(w, r, http.StatusUnprocessableEntity, companyData{New: true, CanEdit: true, Form: r.PostForm}, errs)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/companies/%d", c.ID), web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) companyDetail(r *http.Request, id int64) (CompanyDetail, error) {
	c, err := s.Company(r.Context(), principal(r), id)
	if err != nil {
		return CompanyDetail{}, err
	}
	d := CompanyDetail{Company: c, Accounts: []CompanyAccount{}, History: []HistoryEntry{}}
	if as, err := s.CompanyAccounts(r.Context(), id); err != nil {
		return d, err
	} else if as != nil {
		d.Accounts = as
	}
	if h, err := s.History(r.Context(), "company", id, 50); err != nil {
		return d, err
	} else if h != nil {
		d.History = h
	}
	return d, nil
}

func (s *Service) companyData(r *http.Request, d CompanyDetail, form url.Values) (companyData, error) {
	cd := companyData{CompanyDetail: d, Form: form, CanEdit: rule(principal(r), cmdEditCompany, target{Path: d.OrgPath}) == nil}
	if form == nil {
		cd.Form = companyForm(d.Company)
	}
	hist, err := s.CompanyHistory(r.Context(), d.ID, 8)
	if err != nil {
		return cd, err
	}
	cd.Credit = hist
	return cd, nil
}

func (s *Service) companyPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.companyDetail(r, pathInt(r, "id"))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	cd, err := s.companyData(r, d, nil)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	s.showCompany(w, r, http.StatusOK, cd, nil)
}

func (s *Service) companyPost(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	d, err := s.companyDetail(r, id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	if _, err := s.UpdateCompany(r.Context(), id, int(formInt(r.PostForm.Get("version"))), companyInputOf(r.PostForm)); err != nil {
		l := web.LangOf(r)
		errs, ok := formErrors(l, err)
		if !ok {
			if !isForbidden(err) && !isConflict(err) {
				pageFail(w, r, err)
				return
			}
			errs = map[string]string{"_": message(l, err)}
		}
		cd, derr := s.companyData(r, d, r.PostForm)
		if derr != nil {
			pageFail(w, r, derr)
			return
		}
		s.showCompany(w, r, http.StatusUnprocessableEntity, cd, errs)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/companies/%d", id), web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) accountLink(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	d, err := s.companyDetail(r, id)
	if err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	if err := s.LinkAccount(r.Context(), id, r.PostForm.Get("mobile")); err != nil {
		l := web.LangOf(r)
		errs, ok := formErrors(l, err)
		if !ok {
			if !isForbidden(err) {
				pageFail(w, r, err)
				return
			}
			errs = map[string]string{"mobile": message(l, err)}
		}
		cd, derr := s.companyData(r, d, nil)
		if derr != nil {
			pageFail(w, r, derr)
			return
		}
		s.showCompany(w, r, http.StatusUnprocessableEntity, cd, errs)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/companies/%d#accounts", id), web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) accountUnlink(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	if _, err := s.Company(r.Context(), principal(r), id); err != nil {
		pageFail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		pageFail(w, r, err)
		return
	}
	if err := s.UnlinkAccount(r.Context(), id, formInt(r.PostForm.Get("user"))); err != nil {
		pageFail(w, r, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/property/companies/%d#accounts", id), web.T(web.LangOf(r), "common.saved"))
}

func (s *Service) apiCompanies(w http.ResponseWriter, r *http.Request) {
	f := parseCompanyFilter(r.URL.Query())
	pg := web.PagingOf(r)
	f.Limit, f.Offset = pg.Size, pg.Offset()
	rows, total, err := s.Companies(r.Context(), principal(r), f)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteList(w, pg, rows, total)
}

func (s *Service) apiCreateCompany(w http.ResponseWriter, r *http.Request) {
	var in CompanyInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	c, err := s.CreateCompany(r.Context(), in)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, c)
}

func (s *Service) apiCompany(w http.ResponseWriter, r *http.Request) {
	d, err := s.companyDetail(r, pathInt(r, "id"))
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}

func (s *Service) apiUpdateCompany(w http.ResponseWriter, r *http.Request) {
	id := pathInt(r, "id")
	if _, err := s.Company(r.Context(), principal(r), id); err != nil {
		fail(w, r, err)
		return
	}
	var in CompanyInput
	if !web.DecodeJSON(w, r, &in) {
		return
	}
	c, err := s.UpdateCompany(r.Context(), id, int(formInt(r.URL.Query().Get("version"))), in)
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}
