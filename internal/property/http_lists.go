package property

import (
	"context"
	"net/http"
	"strings"

	"anju/internal/platform/web"
)

func (s *Service) listRoutes() []web.Route {
	return []web.Route{
		{Pattern: "GET /property/lists", Access: web.Public, Handler: s.listsPage},
		{Pattern: "GET /property/lists/{code}", Access: web.Public, Handler: s.listCompanyPage},
		{Pattern: "GET /api/v1/property/credit/lists", Access: web.Public, Handler: s.apiLists, Doc: &web.APIDoc{
			Summary: "The published red and black lists of property companies, each score explained item by item (public)",
			Description: "The lists of the latest published period (or of ?period=). Red: the top grade of the published rules; " +
				"black: the lowest grade or any single-veto item.",
			Tag:      "property",
			Query:    []web.Param{{Name: "period", Description: "2026Q3 or 2026; default the latest published"}},
			Response: ListsResponse{}, Errors: []int{404}}},
		{Pattern: "GET /api/v1/property/credit/lists/{code}", Access: web.Public, Handler: s.apiListCompany, Doc: &web.APIDoc{
			Summary: "A company's published credit results, by unified social credit code, each explained (public)", Tag: "property",
			Response: CompanyCredit{}, Errors: []int{404}}},
	}
}

// ListsResponse is the public red and black lists of one period.
type ListsResponse struct {
	Run     Run             `json:"run"`
	Rules   RuleSet         `json:"rules" doc:"the published rules applied (without items; see /api/v1/property/credit/rules)"`
	Red     []CompanyResult `json:"red"`
	Black   []CompanyResult `json:"black"`
	Periods []string        `json:"periods" doc:"every published period"`
}

// publicLists builds the lists of period (latest published if empty).
func (s *Service) publicLists(ctx context.Context, period string) (ListsResponse, error) {
	var run Run
	var err error
	if period == "" {
		run, err = s.latestRun(ctx, true)
	} else {
		run, err = s.run(ctx, s.DB, normPeriod(period))
		if err == nil && run.Status != statePublished {
			err = errNotFound
		}
	}
	if err != nil {
		return ListsResponse{}, err
	}
	out := ListsResponse{Run: run, Red: []CompanyResult{}, Black: []CompanyResult{}, Periods: []string{}}
	if out.Rules, err = s.RuleSetByVersion(ctx, run.RuleVersion); err != nil {
		return out, err
	}
	out.Rules.Items = nil
	if red, _, err := s.Results(ctx, run, ResultFilter{List: listRed, Limit: maxExportRows}, true); err != nil {
		return out, err
	} else if red != nil {
		out.Red = red
	}
	if black, _, err := s.Results(ctx, run, ResultFilter{List: listBlack, Limit: maxExportRows}, true); err != nil {
		return out, err
	} else if black != nil {
		out.Black = black
	}
	runs, err := s.Runs(ctx, true)
	if err != nil {
		return out, err
	}
	for _, r := range runs {
		out.Periods = append(out.Periods, r.Period)
	}
	return out, nil
}

func (s *Service) listsPage(w http.ResponseWriter, r *http.Request) {
	lists, err := s.publicLists(r.Context(), r.URL.Query().Get("period"))
	if err != nil && !web.IsNotFound(err) {
		pageFail(w, r, err)
		return
	}
	d := map[string]any{"Lists": lists, "None": err != nil, "Q": r.URL.Query().Get("q")}
	// Any company of the period can be looked up by name or credit code.
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" && err == nil {
		found, _, err := s.Results(r.Context(), lists.Run, ResultFilter{Q: q, Limit: 50}, false)
		if err != nil {
			pageFail(w, r, err)
			return
		}
		d["Found"] = found
	}
	render(w, r, http.StatusOK, "lists", "property.lists.title", d, nil)
}

// CompanyCredit is a company's published results.
type CompanyCredit struct {
	Name       string          `json:"name"`
	CreditCode string          `json:"credit_code"`
	Results    []CompanyResult `json:"results" doc:"newest period first"`
}

func (s *Service) companyCredit(ctx context.Context, code string) (CompanyCredit, error) {
	c, err := s.CompanyByCode(ctx, code)
	if err != nil {
		return CompanyCredit{}, err
	}
	res, err := s.companyResults(ctx, c.ID, true, 40)
	if err != nil {
		return CompanyCredit{}, err
	}
	if res == nil {
		res = []CompanyResult{}
	}
	return CompanyCredit{Name: c.Name, CreditCode: c.CreditCode, Results: res}, nil
}

func (s *Service) listCompanyPage(w http.ResponseWriter, r *http.Request) {
	cc, err := s.companyCredit(r.Context(), r.PathValue("code"))
	if err != nil {
		pageFail(w, r, err)
		return
	}
	sel := r.URL.Query().Get("period")
	var current *CompanyResult
	for i := range cc.Results {
		if current == nil || cc.Results[i].Period == normPeriod(sel) {
			current = &cc.Results[i]
		}
	}
	v := web.NewView(r, "property", map[string]any{"Company": cc, "Current": current})
	v.Title = cc.Name
	pages.Render(w, r, http.StatusOK, "list_company", v)
}

func (s *Service) apiLists(w http.ResponseWriter, r *http.Request) {
	lists, err := s.publicLists(r.Context(), r.URL.Query().Get("period"))
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	web.WriteJSON(w, http.StatusOK, lists)
}

func (s *Service) apiListCompany(w http.ResponseWriter, r *http.Request) {
	cc, err := s.companyCredit(r.Context(), r.PathValue("code"))
	if err != nil {
		fail(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, cc)
}
